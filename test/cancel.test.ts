// Cancellation: SIGINT or SIGTERM (GitHub cancelling a run), Ctrl-C at the CLI. The run stops
// polling, reports the last state seen and the ids still running, and ends at once. Each test
// would wait out a long timeout or Retry-After (past the test's own timeout) if it did not.
import { spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { abortableSleep } from '../src/run/cancel.js';
import { main } from '../src/cli/main.js';
import { systemRuntime } from '../src/runtime.js';
import {
  localInputs,
  parseOutputFile,
  REPO_ROOT,
  runInProcess,
  scratchDir,
} from './support/action.js';
import type { KieServer } from './support/kie-server.js';
import type { MediaServer } from './support/media-server.js';
import { startResultsService } from './support/results-service.js';
import { useLocalServers } from './support/servers.js';

let kie: KieServer;
let media: MediaServer;
useLocalServers((started) => ({ kie, media } = started));

/** Aborts once the server has seen `polls` status requests, and `afterMs` more have passed. */
function abortAfterPolls(polls: number, afterMs = 0): AbortSignal {
  const controller = new AbortController();
  const timer = setInterval(() => {
    if (kie.taskRequests().length >= polls) {
      clearInterval(timer);
      setTimeout(() => controller.abort(), afterMs);
    }
  }, 5);
  return controller.signal;
}

describe('abortableSleep', () => {
  it("ends, its timer cleared, when the caller's own signal aborts too", async () => {
    const sleep = abortableSleep(systemRuntime.sleep, new AbortController().signal);
    const own = new AbortController();
    const slept = sleep(60_000, own.signal).then(() => 'woke' as const);
    own.abort();
    const first = await Promise.race([slept, sleep(2_000).then(() => 'still asleep' as const)]);
    expect(first).toBe('woke');
  });
});

describe('a cancelled action', () => {
  it('stops polling and reports the last state it saw', async () => {
    kie.script('t1', [{ state: 'queuing' }, { state: 'generating' }]);
    const run = await runInProcess(
      localInputs(kie, {
        'task-id': 't1',
        timeout: '10m',
        'poll-interval': '50ms',
        'max-poll-interval': '50ms',
      }),
      { signal: abortAfterPolls(2) },
    );
    expect(run.failed).toBe(true);
    expect(run.outputs.state).toBe('generating');
    expect(run.log).toMatch(/::error::Cancelled after \S+ while task t1 was still generating\./);
    expect(run.summary).toContain(
      '## ⏹️ Kie.ai task `t1`: cancelled \\(last state\\: generating\\)',
    );
    const polls = kie.taskRequests().length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(kie.taskRequests().length).toBe(polls);
  });

  it('names the tasks still running, and leaves no poll queued behind a 429 pause', async () => {
    kie.script('a', [
      { status: 429, body: { code: 429, msg: 'slow down' }, headers: { 'retry-after': '60' } },
    ]);
    kie.script('b', [{ state: 'generating' }]);
    const run = await runInProcess(
      localInputs(kie, { 'task-id': 'a,b', timeout: '10m', 'max-requests-per-second': '100' }),
      // Whether b was polled before a's 429 paused the budget or is queued behind it, both stop.
      { signal: abortAfterPolls(1, 100) },
    );
    expect(run.failed).toBe(true);
    expect(run.log).toContain(
      "Cancelled with 2 of 2 tasks still running: a,b. To wait for them again, give 'task-id': a,b",
    );
    expect(JSON.parse(run.outputs.tasks!)).toMatchObject([{ taskId: 'a' }, { taskId: 'b' }]);
  });
});

describe('a cancelled download', () => {
  it('stops the request and leaves no partial file behind', async () => {
    const url = media.route('/big.mp4', { size: 10 * 1024 * 1024, stallAt: 1024 * 1024 });
    kie.script('t1', [{ state: 'success' }], { resultJson: JSON.stringify({ resultUrls: [url] }) });
    const dir = await scratchDir('kie-cancel-');
    const controller = new AbortController();
    // Cancelled once the download's temporary file is there, not the folder check's probe.
    const timer = setInterval(() => {
      void readdir(dir).then(
        (names) => names.some((name) => name.startsWith('.big.mp4.')) && controller.abort(),
      );
    }, 5);
    onTestFinished(() => clearInterval(timer));

    const run = await runInProcess(
      localInputs(kie, { 'task-id': 't1', download: 'true', 'download-dir': dir }),
      { signal: controller.signal },
    );

    expect(controller.signal.aborted).toBe(true);
    expect(run.failed).toBe(true);
    expect(run.log).toContain(
      '::error::Cancelled while downloading the results of task t1; nothing partial was kept.',
    );
    expect(await readdir(dir)).toEqual([]);
    await expect.poll(() => media.active).toBe(0);
  });
});

describe('a cancelled upload', () => {
  it('ends the run with its outputs and summary while the upload hangs', async () => {
    const url = media.route('/a.png', { body: 'png', contentType: 'image/png' });
    kie.script('t1', [{ state: 'success' }], { resultJson: JSON.stringify({ resultUrls: [url] }) });
    const service = await startResultsService();
    onTestFinished(() => service.close());
    // The zip is uploaded; the call that would make it an artifact is never answered.
    service.override('FinalizeArtifact', 'hang');
    const controller = new AbortController();
    const timer = setInterval(() => {
      if (service.twirpCalls.includes('FinalizeArtifact')) controller.abort();
    }, 5);
    onTestFinished(() => clearInterval(timer));
    const dir = await scratchDir('kie-cancel-');

    const run = await runInProcess(
      localInputs(kie, { 'task-id': 't1', 'upload-artifact': 'true', 'download-dir': dir }),
      { env: { ...service.env, GITHUB_RETENTION_DAYS: undefined }, signal: controller.signal },
    );

    expect(controller.signal.aborted).toBe(true);
    expect(run.failed).toBe(true);
    expect(run.log).toContain(
      `::error::Cancelled while uploading the artifact; the downloaded files stay in ${dir}.`,
    );
    expect(JSON.parse(run.outputs.files!)).toEqual([path.join(dir, 'a.png')]);
    expect(run.outputs.artifactId).toBe('');
    expect(run.summary).toContain('Cancelled while uploading the artifact');
  });
});

describe('a cancelled creation', () => {
  it('sends no further createTask once cancelled during a 429 pause', async () => {
    kie.scriptCreate([
      { status: 429, body: { code: 429, msg: 'slow down' }, headers: { 'retry-after': '60' } },
      { taskId: 'late', replies: [{ state: 'success' }] },
    ]);
    const run = await runInProcess(localInputs(kie, { model: 'm', input: '{}', timeout: '10m' }), {
      signal: abortAfterPolls(1, 100),
    });
    expect(run.failed).toBe(true);
    expect(run.log).toContain('::error::Cancelled before a task was created: nothing was created.');
    expect(kie.taskRequests()).toHaveLength(1);
  });
});

describe('a cancelled CLI', () => {
  it('exits 130 with the ids still running', async () => {
    kie.script('t1', [{ state: 'generating' }]);
    let stderr = '';
    const code = await main(['wait', 't1', '--base-url', kie.url, '--poll-interval', '20ms'], {
      stdout: { write: () => true },
      stderr: { write: (text: string) => (stderr += text) },
      env: { KIE_API_KEY: kie.apiKey },
      cwd: process.cwd(),
      signal: abortAfterPolls(1),
    });
    expect(code).toBe(130);
    expect(stderr).toContain('kie-task: Cancelled after');
  });
});

describe('signals to the bundles', () => {
  async function interrupt(args: string[], env: Record<string, string>) {
    const child = spawn(process.execPath, args, {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    while (kie.taskRequests().length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    child.kill('SIGINT');
    return { code: await closed, stdout };
  }

  it('the action ends on SIGINT with its outputs set', async () => {
    kie.script('t1', [{ state: 'generating' }]);
    const dir = await scratchDir('kie-cancel-');
    const outputFile = path.join(dir, 'output');
    await writeFile(outputFile, '');
    const { code, stdout } = await interrupt([path.join(REPO_ROOT, 'dist/index.js')], {
      'INPUT_TASK-ID': 't1',
      'INPUT_API-KEY': kie.apiKey,
      'INPUT_BASE-URL': kie.url,
      INPUT_TIMEOUT: '10m',
      // A sleep left running would hold the process for 30 s, past this test's timeout.
      'INPUT_POLL-INTERVAL': '30s',
      GITHUB_OUTPUT: outputFile,
      GITHUB_WORKSPACE: dir,
    });
    expect(code).toBe(1);
    expect(stdout).toMatch(/::error::Cancelled after/);
    expect(parseOutputFile(await readFile(outputFile, 'utf8')).state).toBe('generating');
  });

  it('the CLI exits 130 on SIGINT', async () => {
    kie.script('t1', [{ state: 'generating' }]);
    const { code } = await interrupt(
      [
        path.join(REPO_ROOT, 'dist/cli/index.js'),
        ...['wait', 't1', '--base-url', kie.url, '--poll-interval', '30s'],
      ],
      { KIE_API_KEY: kie.apiKey },
    );
    expect(code).toBe(130);
  });
});
