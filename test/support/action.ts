// Runs the action as a runner would: inputs in INPUT_* variables, outputs and summary in files.
// `runInProcess` calls run() (fast, for most tests); `runDist` spawns `node dist/index.js`.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { onTestFinished } from 'vitest';
import { run } from '../../src/action/main.js';
import type { Runtime } from '../../src/runtime.js';

export interface ActionRun {
  outputs: Record<string, string>;
  /** Everything written to stdout: logs and workflow commands. */
  log: string;
  failed: boolean;
  summary: string;
}

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

/** Env for one run: inputs as INPUT_<NAME>, plus fresh GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files. */
async function prepare(inputs: Record<string, string>, env: Record<string, string | undefined>) {
  const dir = await mkdtemp(path.join(tmpdir(), 'kie-action-'));
  const outputFile = path.join(dir, 'output');
  // @actions/core remembers the summary file of its first write, so one per process, created per
  // run and removed after it.
  const summaryFile = path.join(tmpdir(), `kie-action-summary-${process.pid}`);
  await writeFile(outputFile, '');
  await writeFile(summaryFile, '');
  const vars: Record<string, string | undefined> = {
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_WORKSPACE: dir,
    KIE_API_KEY: undefined,
    ...env,
  };
  for (const [name, value] of Object.entries(inputs)) {
    vars[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  }
  const collect = async (log: string, failed: boolean): Promise<ActionRun> => {
    const result = {
      outputs: parseOutputFile(await readFile(outputFile, 'utf8')),
      log,
      failed,
      summary: await readFile(summaryFile, 'utf8'),
    };
    await rm(dir, { recursive: true, force: true });
    await rm(summaryFile, { force: true });
    return result;
  };
  return { vars, collect, dir };
}

/** Runs run() in this process, with stdout captured and process.env restored afterwards. */
export async function runInProcess(
  inputs: Record<string, string>,
  options: { env?: Record<string, string | undefined>; deps?: Runtime; signal?: AbortSignal } = {},
): Promise<ActionRun> {
  const { vars, collect } = await prepare(inputs, options.env ?? {});
  const saved = { ...process.env };
  for (const [name, value] of Object.entries(vars)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  let log = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (chunk: string | Uint8Array) => {
    log += chunk.toString();
    return true;
  };
  process.exitCode = undefined;
  try {
    await run(options.deps, options.signal);
  } finally {
    process.stdout.write = write;
    process.env = saved;
  }
  const failed = process.exitCode === 1;
  process.exitCode = undefined;
  return collect(log, failed);
}

/** Runs the committed bundle exactly as a runner does. */
export async function runDist(
  inputs: Record<string, string>,
  env: Record<string, string | undefined> = {},
  /** The largest file the process may write, in KiB, as a full disk or a quota refuses writes. */
  options: { fileSizeLimitKiB?: number } = {},
): Promise<ActionRun & { exitCode: number | null; stderr: string }> {
  const { vars, collect } = await prepare(inputs, env);
  const command = [process.execPath, path.join(REPO_ROOT, 'dist/index.js')];
  const unlimited = options.fileSizeLimitKiB === undefined;
  // bash's ulimit -f counts KiB; the limit then holds for the process it execs.
  const [file, ...args] = unlimited
    ? command
    : ['bash', '-c', `ulimit -f ${options.fileSizeLimitKiB} && exec "$@"`, 'bash', ...command];
  const child = spawn(file!, args, {
    env: { PATH: process.env.PATH, ...vars },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { ...(await collect(stdout, exitCode !== 0)), exitCode, stderr };
}

/** GITHUB_OUTPUT holds `name<<delimiter\nvalue\ndelimiter` blocks. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[i]!);
    if (!match) continue;
    const [, name, delimiter] = match;
    // A block cut short (the writer stopped) runs to the end of the file.
    const found = lines.indexOf(delimiter!, i + 1);
    const end = found === -1 ? lines.length : found;
    outputs[name!] = lines.slice(i + 1, end).join('\n');
    i = end;
  }
  return outputs;
}

/** A fresh directory in the system temp folder, removed when the current test finishes. */
export async function scratchDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** `work`'s value, or 'still running' when it has not settled within `ms` of real time: a run that
 * must end by itself, checked without waiting for the test's own timeout. */
export function within<T>(work: Promise<T>, ms: number): Promise<T | 'still running'> {
  return Promise.race([work, sleep(ms).then(() => 'still running' as const)]);
}

/** Real time, but short: for in-process runs that poll a local server. The request budget is the
 * highest allowed, so no test sleeps on the default 1.5 requests a second. */
export const FAST_INPUTS = {
  'poll-interval': '10ms',
  'max-poll-interval': '10ms',
  'max-requests-per-second': '100',
  timeout: '10s',
} as const;

/** Inputs pointing the action at a local Kie server, polling fast. */
export function localInputs(kie: { apiKey: string; url: string }, extra: Record<string, string>) {
  return { 'api-key': kie.apiKey, 'base-url': kie.url, ...FAST_INPUTS, ...extra };
}
