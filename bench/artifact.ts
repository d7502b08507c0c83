// Uploading results as an artifact: zip level 6 (what every upload used before) against the level
// chosen by content and, for a single file, no zip at all, into the local stand-in of the results
// service. Each upload runs in a process of its own, so its CPU time is the upload's alone; the
// kinds take turns run by run, so a busy machine slows them alike.
//
//   npm run bench:artifact [-- --runs 3 --mp4-mb 200 --pngs 20 --png-mb 5]
//
// The media is incompressible bytes behind a real MP4 / PNG header, as generated media is.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../src/logger.js';
import { compressionFor, uploadArtifact } from '../src/results/artifact.js';
import { startResultsService } from '../test/support/results-service.js';

const MB = 1024 * 1024;
const option = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};

// 'ftyp' box of an ISO MP4, and the PNG signature with an IHDR chunk's start.
const MP4_HEADER = Buffer.from('0000001c667479706973366f6d0000020069736f6d69736f32', 'hex');
const PNG_HEADER = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

interface Upload {
  label: string;
  level?: number;
  archive: boolean;
}

interface Measurement {
  wallSeconds: number;
  cpuSeconds: number;
  uploadedMb: number;
}

if (process.argv[2] === '--child') {
  await uploadInThisProcess(process.argv[3]!, JSON.parse(process.argv[4]!) as Upload);
} else {
  await compare();
}

async function uploadInThisProcess(dir: string, upload: Upload): Promise<void> {
  const files = (await readdir(dir)).sort().map((name) => path.join(dir, name));
  // Loaded first, so the figures are the upload's and not the client's loading (the same for all).
  await import('@actions/artifact');
  const cpu = process.cpuUsage();
  const started = performance.now();
  const uploaded = await uploadArtifact({
    name: `bench-${process.pid}`,
    files,
    rootDirectory: dir,
    compressionLevel: upload.level,
    archive: upload.archive,
    logger: silentLogger,
  });
  const used = process.cpuUsage(cpu);
  const measurement: Measurement = {
    wallSeconds: (performance.now() - started) / 1000,
    cpuSeconds: (used.user + used.system) / 1e6,
    uploadedMb: (uploaded?.size ?? 0) / MB,
  };
  // @actions/artifact logs to stdout too: the measurement is the last line.
  process.stdout.write(`\n${JSON.stringify(measurement)}\n`);
}

async function compare(): Promise<void> {
  const runs = option('runs', 3);
  const mp4Mb = option('mp4-mb', 200);
  const pngs = option('pngs', 20);
  const pngMb = option('png-mb', 5);
  const root = await mkdtemp(path.join(os.tmpdir(), 'kie-bench-artifact-'));
  try {
    const video = path.join(root, 'video');
    await writeMedia(video, { 'result.mp4': mp4Mb }, MP4_HEADER);
    const images = path.join(root, 'images');
    const pngSizes = Object.fromEntries(
      Array.from({ length: pngs }, (_, i) => [`image-${i + 1}.png`, pngMb]),
    );
    await writeMedia(images, pngSizes, PNG_HEADER);
    const cases = [
      { name: `one ${mp4Mb} MB MP4`, dir: video, single: true },
      { name: `${pngs} x ${pngMb} MB PNG`, dir: images, single: pngs === 1 },
    ];
    console.log(
      `Artifact upload to the local results-service stand-in, Node ${process.versions.node}, ` +
        `${runs} runs of each, interleaved; median (min-max)\n`,
    );
    console.log('| files | upload | wall | CPU | uploaded |');
    console.log('|---|---|---:|---:|---:|');
    for (const { name, dir, single } of cases) {
      const chosen = await compressionFor((await readdir(dir)).map((file) => path.join(dir, file)));
      const uploads: Upload[] = [
        { label: 'zip level 6 (before)', level: 6, archive: true },
        { label: `chosen by content (level ${chosen})`, archive: true },
        ...(single ? [{ label: 'unzipped (archive: false)', archive: false }] : []),
      ];
      const results = uploads.map(() => [] as Measurement[]);
      for (let run = 0; run < runs; run++) {
        for (const [i, upload] of uploads.entries()) {
          results[i]!.push(await child(dir, upload));
        }
      }
      for (const [i, upload] of uploads.entries()) {
        const of = (pick: (m: Measurement) => number) => results[i]!.map(pick);
        console.log(
          `| ${name} | ${upload.label} | ${range(of((m) => m.wallSeconds))} s | ` +
            `${range(of((m) => m.cpuSeconds))} s | ${median(of((m) => m.uploadedMb)).toFixed(1)} MB |`,
        );
      }
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

async function writeMedia(dir: string, sizesMb: Record<string, number>, header: Buffer) {
  await mkdir(dir, { recursive: true });
  for (const [name, sizeMb] of Object.entries(sizesMb)) {
    const body = randomBytes(Math.round(sizeMb * MB));
    header.copy(body);
    await writeFile(path.join(dir, name), body);
  }
}

/** One upload in a process of its own, to a fresh stand-in (it keeps what it receives in memory,
 * and an unzipped upload takes the file's name, which may be uploaded once). */
async function child(dir: string, upload: Upload): Promise<Measurement> {
  const service = await startResultsService();
  try {
    const script = fileURLToPath(import.meta.url);
    const proc = spawn(
      process.execPath,
      ['--import', 'tsx', script, '--child', dir, JSON.stringify(upload)],
      { env: { ...process.env, ...service.env }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const code = await new Promise((resolve) => proc.on('close', resolve));
    if (code !== 0) throw new Error(`upload child exited with ${String(code)}`);
    return JSON.parse(out.trim().split('\n').at(-1)!) as Measurement;
  } finally {
    await service.close();
  }
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

function range(values: number[]): string {
  const fixed = (value: number) => value.toFixed(1);
  return `${fixed(median(values))} (${fixed(Math.min(...values))}-${fixed(Math.max(...values))})`;
}
