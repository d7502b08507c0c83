// Wall time, CPU time and peak memory of downloadAll against curl, for one large file: over
// loopback, and through a link throttled with `tc tbf` between two network namespaces.
//
// Usage (as root, for the namespaces): npx tsx bench/download.ts [runs] [loopback|1gbit|200mbit]
// (default 3 paired runs of every link)
// Needs ip, tc, /usr/bin/curl and GNU /usr/bin/time. Without root the throttled links are skipped.
//
// The server and each client run as processes of their own, so a client's CPU and peak RSS are its
// download's alone; downloadAll runs from a plain JavaScript bundle of this file, as the action
// ships, not under the tsx loader.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { silentLogger } from '../src/logger.js';
import { downloadAll } from '../src/results/download.js';
import { startMediaServer } from '../test/support/media-server.js';

const run = promisify(execFile);
const MB = 1024 * 1024;

interface Measurement {
  wallSeconds: number;
  /** User + system. */
  cpuSeconds: number;
  peakRssMb: number;
}

interface Scenario {
  name: string;
  sizeMb: number;
  /** tc tbf rate, e.g. 1gbit; undefined: loopback in this namespace, unthrottled. */
  rate?: string;
}

const SCENARIOS: Scenario[] = [
  { name: 'loopback, unthrottled', sizeMb: 1024 },
  { name: '1 Gbit/s (tc tbf)', sizeMb: 1024, rate: '1gbit' },
  { name: '200 Mbit/s (tc tbf)', sizeMb: 256, rate: '200mbit' },
];

// Our own namespaces and addresses: traffic stays between them.
const SERVER_NS = 'kie-bench-srv';
const CLIENT_NS = 'kie-bench-cli';
const SERVER_IP = '10.200.0.1';
const CLIENT_IP = '10.200.0.2';

if (process.argv[2] === '--serve') {
  await serve(process.argv[3]!, Number(process.argv[4]));
} else if (process.argv[2] === '--child') {
  await downloadInThisProcess(process.argv[3]!, process.argv[4]!);
} else {
  await compare(Number(process.argv[2] ?? 3), process.argv[3]);
}

async function serve(host: string, sizeMb: number): Promise<void> {
  const server = await startMediaServer({ host });
  console.log(server.route('/bench.mp4', { size: sizeMb * MB, contentType: 'video/mp4' }));
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
}

async function downloadInThisProcess(url: string, dir: string): Promise<void> {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await downloadAll({ urls: [url], dir, maxBytes: 2 ** 50, logger: silentLogger });
  const cpu = process.cpuUsage(cpuBefore);
  const result: Measurement = {
    wallSeconds: (performance.now() - started) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    peakRssMb: process.resourceUsage().maxRSS / 1024, // maxRSS is in KiB
  };
  console.log(JSON.stringify(result));
}

async function compare(runs: number, only?: string): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kie-download-bench-'));
  const bundle = path.join(dir, 'bench.mjs');
  await bundleThisFile(bundle);
  const namespaces = process.getuid?.() === 0 && (await createNamespaces().catch(() => false));
  if (!namespaces) console.log('Not root, or no ip/tc: the throttled links are skipped.\n');
  try {
    for (const scenario of SCENARIOS) {
      if (only && only !== (scenario.rate ?? 'loopback')) continue;
      if (scenario.rate && !namespaces) continue;
      if (scenario.rate) await throttle(scenario.rate);
      await measure(scenario, runs, bundle, dir);
    }
  } finally {
    if (namespaces) await removeNamespaces();
    await rm(dir, { recursive: true, force: true });
  }
}

async function measure(scenario: Scenario, runs: number, bundle: string, dir: string) {
  // In the network namespace of the link, or this one for loopback.
  const inNs = (ns: string, command: string[]) =>
    scenario.rate ? ['ip', 'netns', 'exec', ns, ...command] : command;
  const [serverCommand, ...serverArgs] = inNs(SERVER_NS, [
    process.execPath,
    bundle,
    '--serve',
    scenario.rate ? SERVER_IP : '127.0.0.1',
    String(scenario.sizeMb),
  ]);
  const server = spawn(serverCommand!, serverArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const url = await firstLine(server);
    const ours: Measurement[] = [];
    const curl: Measurement[] = [];
    // Interleaved, so a busy spell on the shared machine does not land on one tool only.
    for (let i = 0; i < runs; i++) {
      await run('sync'); // no dirty pages of the last run for this one to flush
      const [command, ...args] = inNs(CLIENT_NS, [process.execPath, bundle, '--child', url, dir]);
      const child = await run(command!, args, { encoding: 'utf8' });
      ours.push(JSON.parse(child.stdout) as Measurement);
      await rm(path.join(dir, 'bench.mp4'));

      await run('sync');
      const output = path.join(dir, 'curl.mp4');
      const curlCommand = ['/usr/bin/curl', '-s', '-o', output, '-w', '%{time_total}', url];
      const [timeCommand, ...timeArgs] = inNs(CLIENT_NS, [
        '/usr/bin/time',
        '-f',
        '%M %U %S',
        ...curlCommand,
      ]);
      const timed = await run(timeCommand!, timeArgs, { encoding: 'utf8' });
      const [maxRssKib, user, system] = timed.stderr
        .trim()
        .split('\n')
        .pop()!
        .split(' ')
        .map(Number);
      curl.push({
        wallSeconds: Number(timed.stdout),
        cpuSeconds: user! + system!,
        peakRssMb: maxRssKib! / 1024,
      });
      await rm(output);
    }
    report(scenario, runs, ours, curl);
  } finally {
    server.kill('SIGTERM');
    await once(server, 'exit');
  }
}

function report(scenario: Scenario, runs: number, ours: Measurement[], curl: Measurement[]) {
  const spread = (values: number[], digits: number) =>
    `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}-` +
    `${Math.max(...values).toFixed(digits)})`;
  const row = (tool: string, measured: Measurement[]) =>
    `| ${tool} | ${spread(
      measured.map((r) => r.wallSeconds),
      2,
    )} | ${spread(
      measured.map((r) => r.cpuSeconds),
      2,
    )} | ${Math.max(...measured.map((r) => r.peakRssMb)).toFixed(0)} |`;
  // Each run of ours against the curl run next to it.
  const ratios = ours.map((r, i) => (r.wallSeconds / curl[i]!.wallSeconds - 1) * 100);
  console.log(`${scenario.sizeMb} MB, ${scenario.name}, ${runs} paired runs\n`);
  console.log('| tool | wall s median (range) | CPU s median (range) | peak RSS MB (worst) |');
  console.log('| --- | --- | --- | --- |');
  console.log(row('downloadAll', ours));
  console.log(row('curl', curl));
  const signed = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(1)}%`;
  console.log(
    `\ndownloadAll's wall time against curl's, run by run: ${signed(median(ratios))} ` +
      `(${signed(Math.min(...ratios))} to ${signed(Math.max(...ratios))})\n`,
  );
}

async function createNamespaces(): Promise<boolean> {
  await removeNamespaces(); // left over from an interrupted run
  const ip = (...args: string[]) => run('ip', args);
  await ip('netns', 'add', SERVER_NS);
  await ip('netns', 'add', CLIENT_NS);
  await ip('link', 'add', 'kie-bench-s', 'type', 'veth', 'peer', 'name', 'kie-bench-c');
  await ip('link', 'set', 'kie-bench-s', 'netns', SERVER_NS);
  await ip('link', 'set', 'kie-bench-c', 'netns', CLIENT_NS);
  await ip('-n', SERVER_NS, 'addr', 'add', `${SERVER_IP}/24`, 'dev', 'kie-bench-s');
  await ip('-n', CLIENT_NS, 'addr', 'add', `${CLIENT_IP}/24`, 'dev', 'kie-bench-c');
  await ip('-n', SERVER_NS, 'link', 'set', 'kie-bench-s', 'up');
  await ip('-n', CLIENT_NS, 'link', 'set', 'kie-bench-c', 'up');
  return true;
}

/** The server's side sends the data, so its queue sets the rate. */
async function throttle(rate: string): Promise<void> {
  await run(
    'ip',
    ['netns', 'exec', SERVER_NS, 'tc', 'qdisc', 'replace', 'dev', 'kie-bench-s'].concat([
      'root',
      'tbf',
      'rate',
      rate,
      'burst',
      '1mb',
      'latency',
      '50ms',
    ]),
  );
}

async function removeNamespaces(): Promise<void> {
  // Deleting a namespace deletes the veth pair with it.
  for (const ns of [SERVER_NS, CLIENT_NS]) await run('ip', ['netns', 'del', ns]).catch(() => {});
}

async function bundleThisFile(outfile: string): Promise<void> {
  const { build } = await import('esbuild'); // tsx's own, so nothing to install
  await build({
    entryPoints: [fileURLToPath(import.meta.url)],
    outfile,
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
}

async function firstLine(child: ChildProcess): Promise<string> {
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await once(lines, 'line')) as [string];
  lines.close();
  return line;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
