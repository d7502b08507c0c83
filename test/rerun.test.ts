// "Re-run jobs" after a step created a task: the bundle runs as attempt 1 and attempt 2 of one
// workflow run, against the Kie.ai, media, cache and results stand-ins, as a runner would run it.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { apiFamily } from '../src/kie/apis/index.js';
import { requestHash } from '../src/run/resume.js';
import { localInputs, runDist, runInProcess, scratchDir } from './support/action.js';
import { startCacheService, type CacheService } from './support/cache-service.js';
import { startKieServer, type KieServer } from './support/kie-server.js';
import { startMediaServer, type MediaServer } from './support/media-server.js';
import { startResultsService, type ResultsService } from './support/results-service.js';
import { mdText } from '../src/report/markdown.js';

let kie: KieServer;
let media: MediaServer;
let cache: CacheService;
let results: ResultsService;
let runnerTemp: string;

beforeEach(async () => {
  [kie, media, results] = await Promise.all([
    startKieServer(),
    startMediaServer(),
    startResultsService(),
  ]);
  cache = await startCacheService(results);
  // One RUNNER_TEMP path for every attempt, as a runner's work folder layout gives.
  runnerTemp = await scratchDir('kie-rerun-');
});

afterEach(async () => {
  await Promise.all([kie.close(), media.close(), cache.close(), results.close()]);
});

const IMAGE = '/image.png';
const ASKED = { model: 'nano-banana-pro', input: '{"prompt":"a lighthouse at dawn"}' };

function attempt(n: number, env: Record<string, string | undefined> = cache.env) {
  return {
    GITHUB_RUN_ID: '9001',
    GITHUB_RUN_ATTEMPT: String(n),
    GITHUB_JOB: 'generate',
    GITHUB_ACTION: '__self',
    RUNNER_TEMP: runnerTemp,
    ...env,
  };
}

function inputs(extra: Record<string, string> = {}) {
  return localInputs(kie, { ...ASKED, download: 'true', ...extra });
}

/** A task whose one image downloads from the media stand-in. */
function createdTask(taskId: string, state = 'success') {
  const resultJson = JSON.stringify({ resultUrls: [`${media.url}${IMAGE}`] });
  return { taskId, replies: [{ state, record: { resultJson } }] };
}

const creates = () => kie.taskRequests().filter((request) => request.method === 'POST').length;
const debugLines = (log: string, about: RegExp) =>
  log.split('\n').filter((line) => line.startsWith('::debug::') && about.test(line));
const annotations = (log: string) =>
  log.split('\n').filter((line) => /^::(warning|error)/.test(line));

describe('a re-run of a job whose step created a task', () => {
  it('waits for the task attempt 1 created and creates nothing', async () => {
    kie.scriptCreate([createdTask('task-1'), createdTask('task-2')]);
    media.route(IMAGE, { status: 404 });
    const first = await runDist(inputs(), attempt(1));
    // Attempt 1 created and recorded the task, then failed after it (the download).
    expect(first.exitCode).toBe(1);
    expect(first.outputs.taskId).toBe('task-1');
    expect(cache.entries).toMatchObject([
      {
        key: expect.stringMatching(/^kie-task-action\/9001\/generate\/__self\/[0-9a-f]{32}\/1$/),
        finalized: true,
      },
    ]);
    expect(debugLines(first.log, /Re-run record: task task-1 saved/)).toHaveLength(1);
    // Looked for nothing: attempt 1 has no earlier attempt.
    expect(cache.calls.map((call) => call.method)).not.toContain('GetCacheEntryDownloadURL');

    media.route(IMAGE, { body: 'png', contentType: 'image/png' });
    const second = await runDist(inputs(), attempt(2));
    expect(second.stderr).toBe('');
    expect(second.exitCode).toBe(0);
    expect(creates()).toBe(1);
    expect(second.outputs).toMatchObject({ taskId: 'task-1', state: 'success' });
    expect(JSON.parse(second.outputs.files!)).toHaveLength(1);
    expect(second.log.split('\n')).toContain(
      'Re-run: waiting for task task-1 that attempt 1 created; nothing new is billed.',
    );
    // As text: the ids in it came from Kie.ai.
    expect(second.summary).toContain(
      mdText('Re-run: waited for task task-1 that attempt 1 created; nothing new was billed.'),
    );
    expect(annotations(second.log)).toEqual([]);
    // The newest earlier attempt's entry, by prefix.
    const lookup = cache.calls.find((call) => call.method === 'GetCacheEntryDownloadURL');
    expect(lookup).toMatchObject({
      key: expect.stringMatching(/\/1$/),
      restoreKeys: [expect.stringMatching(/\/$/)],
    });
  });

  it('creates a new task when the earlier one had failed, and a later re-run waits for that one', async () => {
    kie.scriptCreate([createdTask('task-1', 'fail'), createdTask('task-2')]);
    media.route(IMAGE, { body: 'png', contentType: 'image/png' });
    const first = await runDist(inputs(), attempt(1));
    expect(first.exitCode).toBe(1);

    const second = await runDist(inputs(), attempt(2));
    expect(second.exitCode).toBe(0);
    expect(second.outputs.taskId).toBe('task-2');
    expect(creates()).toBe(2);
    expect(second.log).toContain(
      'Re-run: task task-1 that attempt 1 created had failed; creating a new one.',
    );
    // As text: the ids in it came from Kie.ai.
    expect(second.summary).toContain(
      mdText('Re-run: task task-1 that attempt 1 created had failed; created task task-2.'),
    );
    // Entries cannot be replaced: attempt 2 records under its own key.
    expect(cache.entries.map((entry) => entry.key.split('/').at(-1))).toEqual(['1', '2']);

    const third = await runDist(inputs(), attempt(3));
    expect(third.outputs.taskId).toBe('task-2');
    expect(creates()).toBe(2);
    expect(third.log).toContain('Re-run: waiting for task task-2 that attempt 2 created');
  });

  it('creates a new task when the input changed', async () => {
    kie.scriptCreate([createdTask('task-1'), createdTask('task-2')]);
    media.route(IMAGE, { status: 404 });
    await runDist(inputs(), attempt(1));
    media.route(IMAGE, { body: 'png', contentType: 'image/png' });

    const second = await runDist(
      inputs({ input: '{"prompt":"a lighthouse at dusk"}' }),
      attempt(2),
    );
    expect(second.exitCode).toBe(0);
    expect(second.outputs.taskId).toBe('task-2');
    expect(creates()).toBe(2);
    expect(second.log).not.toContain('Re-run:');
  });

  it('creates a new task when resume-on-rerun is false', async () => {
    kie.scriptCreate([createdTask('task-1'), createdTask('task-2')]);
    media.route(IMAGE, { status: 404 });
    await runDist(inputs(), attempt(1));
    media.route(IMAGE, { body: 'png', contentType: 'image/png' });

    const second = await runDist(inputs({ 'resume-on-rerun': 'false' }), attempt(2));
    expect(second.outputs.taskId).toBe('task-2');
    expect(cache.calls.map((call) => call.method)).not.toContain('GetCacheEntryDownloadURL');
  });

  it('works without a cache service, at the cost of one debug line', async () => {
    kie.scriptCreate([createdTask('task-1'), createdTask('task-2')]);
    media.route(IMAGE, { body: 'png', contentType: 'image/png' });
    const noService = { ACTIONS_RUNTIME_TOKEN: undefined };
    for (const n of [1, 2]) {
      const run = await runDist(inputs(), attempt(n, noService));
      expect(run.exitCode).toBe(0);
      expect(annotations(run.log)).toEqual([]);
      expect(debugLines(run.log, /Re-run record/)).toEqual([
        '::debug::Re-run record: no Actions cache service here (ACTIONS_RUNTIME_TOKEN is not set).',
      ]);
    }
    expect(creates()).toBe(2);
  });

  it('works when the cache service answers with errors, at the cost of one debug line', async () => {
    kie.scriptCreate([createdTask('task-1'), createdTask('task-2')]);
    media.route(IMAGE, { body: 'png', contentType: 'image/png' });
    const refused = { status: 403, body: { code: 'permission_denied', msg: 'cache is down' } };
    cache.override('CreateCacheEntry', refused);
    cache.override('GetCacheEntryDownloadURL', refused);
    for (const n of [1, 2]) {
      const run = await runDist(inputs(), attempt(n));
      expect(run.exitCode).toBe(0);
      expect(annotations(run.log)).toEqual([]);
      expect(debugLines(run.log, /Re-run record/)).toHaveLength(1);
      expect(debugLines(run.log, /Re-run record/)[0]).toMatch(/not saved|lookup failed/);
    }
    expect(creates()).toBe(2);
  });

  it('replaces the artifact attempt 1 uploaded instead of failing on the name', async () => {
    kie.scriptCreate([createdTask('task-1'), createdTask('task-2')]);
    media.route(IMAGE, { body: 'png', contentType: 'image/png' });
    const first = await runDist(inputs({ 'upload-artifact': 'true' }), attempt(1));
    expect(first.exitCode).toBe(0);
    expect(results.artifacts.map((artifact) => artifact.name)).toEqual(['kie-task-1']);

    // A later step of the job failed; the re-run uploads the same name.
    const second = await runDist(inputs({ 'upload-artifact': 'true' }), attempt(2));
    expect(second.stderr).toBe('');
    expect(second.exitCode).toBe(0);
    expect(creates()).toBe(1);
    expect(results.twirpCalls).toContain('DeleteArtifact');
    expect(results.artifacts).toMatchObject([{ name: 'kie-task-1', finalized: true }]);
    expect(second.outputs.artifactId).toBe(String(results.artifacts[0]!.id));
    expect(second.outputs.artifactId).not.toBe(first.outputs.artifactId);
  });

  it('replaces an unzipped artifact, which is named after its file, on a re-run', async () => {
    kie.scriptCreate([createdTask('task-1'), createdTask('task-2')]);
    media.route(IMAGE, { body: 'png', contentType: 'image/png' });
    const unzipped = inputs({ 'upload-artifact': 'true', archive: 'false' });
    expect((await runDist(unzipped, attempt(1))).exitCode).toBe(0);
    const [named] = results.artifacts.map((artifact) => artifact.name);
    expect(named).toMatch(/\.png$/);

    const second = await runDist(unzipped, attempt(2));
    expect(second.stderr).toBe('');
    expect(second.exitCode).toBe(0);
    expect(results.artifacts).toMatchObject([{ name: named, finalized: true }]);
  });
});

describe('kie-task create --state-file', () => {
  async function cli(args: string[], cwd: string) {
    let stdout = '';
    let stderr = '';
    const code = await main(
      [
        'create',
        ...ASKED_ARGS,
        '--json',
        '--base-url',
        kie.url,
        '--poll-interval',
        '10ms',
        '--max-requests-per-second',
        '100',
        ...args,
      ],
      {
        stdout: { write: (text: string) => (stdout += text) },
        stderr: { write: (text: string) => (stderr += text) },
        env: { KIE_API_KEY: kie.apiKey },
        cwd,
      },
    );
    return { code, stderr, fields: JSON.parse(stdout) as Record<string, unknown> };
  }
  const ASKED_ARGS = ['--model', ASKED.model, '--input', ASKED.input];

  it('records the task and, run again, waits for it instead of creating another', async () => {
    const dir = await scratchDir('kie-state-');
    kie.scriptCreate([createdTask('task-1'), createdTask('task-2')]);
    const first = await cli(['--state-file', 'ci/kie-state.json'], dir);
    expect(first.fields.taskId).toBe('task-1');
    const state = JSON.parse(await readFile(path.join(dir, 'ci/kie-state.json'), 'utf8'));
    expect(Object.values(state.tasks)).toMatchObject([{ taskId: 'task-1' }]);

    const again = await cli(['--state-file', 'ci/kie-state.json'], dir);
    expect(again.code).toBe(0);
    expect(again.fields.taskId).toBe('task-1');
    expect(again.stderr).toContain(
      'Re-run: waiting for task task-1 that an earlier run created; nothing new is billed.',
    );
    expect(creates()).toBe(1);

    // Another request in the same file is a task of its own.
    const other = await cli(
      [
        '--state-file',
        'ci/kie-state.json',
        '--api',
        'market',
        '--callback-url',
        'https://example.com/hook',
      ],
      dir,
    );
    expect(other.fields.taskId).toBe('task-2');
    const both = JSON.parse(await readFile(path.join(dir, 'ci/kie-state.json'), 'utf8'));
    expect(Object.keys(both.tasks)).toHaveLength(2);
  });

  it('replaces a task that had failed', async () => {
    const dir = await scratchDir('kie-state-');
    kie.scriptCreate([createdTask('task-1', 'fail'), createdTask('task-2')]);
    expect((await cli(['--state-file', 'state.json'], dir)).code).toBe(1);
    const again = await cli(['--state-file', 'state.json'], dir);
    expect(again.code).toBe(0);
    expect(again.fields.taskId).toBe('task-2');
    expect(again.stderr).toContain('task task-1 that an earlier run created had failed');
    const state = JSON.parse(await readFile(path.join(dir, 'state.json'), 'utf8'));
    expect(Object.values(state.tasks)).toMatchObject([{ taskId: 'task-2' }]);
  });

  it('starts afresh, with a warning, from a file that is not its own', async () => {
    const dir = await scratchDir('kie-state-');
    await writeFile(path.join(dir, 'state.json'), 'not json');
    kie.scriptCreate([createdTask('task-1')]);
    const run = await cli(['--state-file', 'state.json'], dir);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('holds no kie-task state');
    const state = JSON.parse(await readFile(path.join(dir, 'state.json'), 'utf8'));
    expect(Object.values(state.tasks)).toMatchObject([{ taskId: 'task-1' }]);
  });
});

describe('the request hash', () => {
  const market = apiFamily('market')!;
  it('ignores the order of keys in input and tells apart what changes the request', () => {
    const asked = { model: 'm', input: { prompt: 'p', size: { w: 1, h: 2 } } };
    const hash = requestHash(market, asked);
    expect(requestHash(market, { model: 'm', input: { size: { h: 2, w: 1 }, prompt: 'p' } })).toBe(
      hash,
    );
    for (const changed of [
      { ...asked, model: 'n' },
      { ...asked, input: { prompt: 'q', size: { w: 1, h: 2 } } },
      { ...asked, callBackUrl: 'https://example.com/hook' },
    ]) {
      expect(requestHash(market, changed)).not.toBe(hash);
    }
    expect(requestHash(apiFamily('veo')!, asked)).not.toBe(hash);
  });
});

describe('a cache service that never answers', () => {
  it('holds the step no longer than the grace for the record', async () => {
    kie.scriptCreate([createdTask('task-1')]);
    media.route(IMAGE, { body: 'png', contentType: 'image/png' });
    cache.override('CreateCacheEntry', 'hang');
    const run = await runDist(inputs(), attempt(1));
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ taskId: 'task-1', state: 'success' });
    expect(annotations(run.log)).toEqual([]);
    expect(debugLines(run.log, /Re-run record/)).toEqual([
      '::debug::Re-run record: not saved within 5.0s.',
    ]);
  });
});

describe('a re-run cancelled while it looks for the earlier task', () => {
  it('stops at once and creates nothing', async () => {
    kie.scriptCreate([createdTask('task-1')]);
    cache.override('GetCacheEntryDownloadURL', 'hang');
    const controller = new AbortController();
    // Cancelled once the lookup is under way (the service holds it), as a person would, late.
    void (async () => {
      while (!cache.calls.some((call) => call.method === 'GetCacheEntryDownloadURL')) {
        await sleep(10);
      }
      controller.abort();
    })();
    const run = await runInProcess(inputs(), { env: attempt(2), signal: controller.signal });
    expect(run.failed).toBe(true);
    expect(run.log).toContain('::error::Cancelled before a task was created: nothing was created.');
    expect(creates()).toBe(0);
  });
});
