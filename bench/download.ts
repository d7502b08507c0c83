// Throughput and peak memory of downloadAll against curl, for one large file served over loopback.
// Usage: npx tsx bench/download.ts [sizeMB] [runs]   (default 1024 MB, 5 runs; needs /usr/bin/curl
// and GNU /usr/bin/time)
//
// downloadAll runs in a child of its own, so its peak RSS is that of the download alone, and from a
// plain JavaScript bundle of this file, as the action ships rather than under the tsx loader.
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { silentLogger } from '../src/logger.js';
import { downloadAll } from '../src/results/download.js';
import { startMediaServer } from '../test/support/media-server.js';

const run = promisify(execFile);
const MB = 1024 * 1024;

interface Measurement {
  mbPerSecond: number;
  peakRssMb: number;
  /** User + system for the transfer alone; steadier than MB/s on a busy machine. */
  cpuSeconds: number;
}

if (process.argv[2] === '--child' || process.argv[2] === '--child-plain') {
  await downloadInThisProcess(
    process.argv[2] === '--child-plain',
    process.argv[3]!,
    process.argv[4]!,
  );
} else {
  await compare(Number(process.argv[2] ?? 1024), Number(process.argv[3] ?? 5));
}

/** `plain`: Node's own http.get piped to a file, no checks at all: the platform's ceiling. */
async function downloadInThisProcess(plain: boolean, url: string, dir: string): Promise<void> {
  const rssBeforeMb = process.memoryUsage().rss / MB;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const bytes = plain
    ? await plainDownload(url, path.join(dir, 'plain.mp4'))
    : (await downloadAll({ urls: [url], dir, maxBytes: 2 ** 50, logger: silentLogger }))[0]!.bytes;
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const result: Measurement & { rssBeforeMb: number } = {
    mbPerSecond: bytes / MB / seconds,
    peakRssMb: process.resourceUsage().maxRSS / 1024, // maxRSS is in KiB
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    rssBeforeMb,
  };
  console.log(JSON.stringify(result));
}

function plainDownload(url: string, file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (response) => {
        const out = createWriteStream(file, { highWaterMark: MB });
        pipeline(response, out).then(() => resolve(out.bytesWritten), reject);
      })
      .on('error', reject);
  });
}

async function compare(sizeMb: number, runs: number): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kie-download-bench-'));
  const bundle = path.join(dir, 'bench.mjs');
  const { build } = await import('esbuild'); // tsx's own, so nothing to install
  await build({
    entryPoints: [fileURLToPath(import.meta.url)],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['esbuild'],
    // Lets the CommonJS dependencies require Node's built-ins from an ES module.
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  const server = await startMediaServer();
  const url = server.route('/bench.mp4', { size: sizeMb * MB, contentType: 'video/mp4' });
  const ours: Measurement[] = [];
  const plain: Measurement[] = [];
  const curl: Measurement[] = [];
  let rssBeforeMb = 0;
  try {
    // Interleaved, so a busy spell on the machine does not land on one tool only.
    for (let i = 0; i < runs; i++) {
      // Each run starts with no dirty pages from the last, which the kernel would make it flush.
      await run('sync');
      const child = await run(process.execPath, [bundle, '--child', url, dir], {
        encoding: 'utf8',
      });
      const result = JSON.parse(child.stdout) as Measurement & { rssBeforeMb: number };
      ours.push(result);
      rssBeforeMb = result.rssBeforeMb;
      await rm(path.join(dir, 'bench.mp4'));

      await run('sync');
      const plainChild = await run(process.execPath, [bundle, '--child-plain', url, dir], {
        encoding: 'utf8',
      });
      plain.push(JSON.parse(plainChild.stdout) as Measurement);
      await rm(path.join(dir, 'plain.mp4'));

      await run('sync');
      const output = path.join(dir, 'curl.mp4');
      const timed = await run(
        '/usr/bin/time',
        ['-f', '%M %U %S', '/usr/bin/curl', '-s', '-o', output, '-w', '%{time_total}', url],
        { encoding: 'utf8' },
      );
      const [maxRssKib, user, system] = timed.stderr
        .trim()
        .split('\n')
        .pop()!
        .split(' ')
        .map(Number);
      curl.push({
        mbPerSecond: sizeMb / Number(timed.stdout),
        peakRssMb: maxRssKib! / 1024,
        cpuSeconds: user! + system!,
      });
      await rm(output);
    }
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }

  const spread = (values: number[], digits: number) =>
    `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}-` +
    `${Math.max(...values).toFixed(digits)})`;
  const row = (tool: string, measured: Measurement[]) =>
    `| ${tool} | ${spread(
      measured.map((r) => r.mbPerSecond),
      0,
    )} | ${Math.max(...measured.map((r) => r.peakRssMb)).toFixed(0)} | ${spread(
      measured.map((r) => r.cpuSeconds),
      2,
    )} |`;
  console.log(
    `${sizeMb} MB over loopback, ${runs} runs each (MB = MiB; peak RSS of the worst run)\n`,
  );
  console.log('| tool | MB/s median (range) | peak RSS MB | CPU s median (range) |');
  console.log('| --- | --- | --- | --- |');
  console.log(row('downloadAll', ours));
  console.log(row('Node http.get piped to a file (no checks)', plain));
  console.log(row('curl', curl));
  // Each run of ours against the curl run next to it, so a busy spell on the machine cancels out.
  const percentOf = (tool: Measurement[]) =>
    spread(
      tool.map((r, i) => (r.mbPerSecond / curl[i]!.mbPerSecond) * 100),
      0,
    );
  console.log(
    `\ndownloadAll: ${percentOf(ours)}% of curl's throughput (target >= 90%); plain Node: ` +
      `${percentOf(plain)}%. downloadAll's RSS was ${rssBeforeMb.toFixed(0)} MB before it began.`,
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
