// Several tasks in one step, and create-and-wait, through the whole action against the local Kie
// server (and media host and artifact service where results are involved).
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { systemRuntime } from '../src/runtime.js';
import { localInputs, runInProcess, within } from './support/action.js';
import { type KieReply, type KieServer } from './support/kie-server.js';
import type { MediaServer } from './support/media-server.js';
import { peakInWindow } from './support/request-rate.js';
import { useLocalServers } from './support/servers.js';
import {
  readZipEntries,
  startResultsService,
  type ResultsService,
} from './support/results-service.js';
import { instantClock } from './support/virtual-clock.js';

let kie: KieServer;
let media: MediaServer;
useLocalServers((started) => ({ kie, media } = started));

const inputs = (extra: Record<string, string>) =>
  localInputs(kie, { 'max-requests-per-second': '100', ...extra });
const running: KieReply = { state: 'generating' };
const succeeds = (urls: string[]) => ({ resultJson: JSON.stringify({ resultUrls: urls }) });
const errors = (log: string) => log.split('\n').filter((line) => line.startsWith('::error::'));

describe('one download pool for the step', () => {
  it('downloads 20 tasks of 3 files each, never more than 4 at a time in all', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `t${i}`);
    for (const id of ids) {
      const urls = [1, 2, 3].map((n) =>
        media.route(`/${id}/${n}.png`, {
          body: `${id}-${n}`,
          contentType: 'image/png',
          delayMs: 20,
        }),
      );
      kie.script(id, [{ state: 'success' }], succeeds(urls));
    }
    const run = await runInProcess(inputs({ 'task-id': ids.join(','), download: 'true' }));
    expect(run.failed).toBe(false);
    expect(JSON.parse(run.outputs.files!)).toHaveLength(60);
    expect(media.requests).toHaveLength(60);
    expect(media.peakConcurrency).toBe(4);
  });
});

describe('several task ids', () => {
  it('waits for each, flattens resultUrls in task order and fails listing the failed task', async () => {
    kie.script(
      'a',
      [running, running, { state: 'success' }],
      succeeds(['https://cdn/a1.png', 'https://cdn/a2.png']),
    );
    kie.script('b', [running, { state: 'fail', record: { failCode: '400', failMsg: 'flagged' } }]);
    kie.script('c', [{ state: 'success' }], succeeds(['https://cdn/c.mp4']));
    const run = await runInProcess(inputs({ 'task-id': 'a\nb, c' }));
    expect(run.failed).toBe(true);
    expect(run.outputs).toMatchObject({
      state: 'fail',
      succeeded: '2',
      failed: '1',
      taskId: 'a,b,c',
    });
    expect(JSON.parse(run.outputs.resultUrls!)).toEqual([
      'https://cdn/a1.png',
      'https://cdn/a2.png',
      'https://cdn/c.mp4',
    ]);
    const tasks = JSON.parse(run.outputs.tasks!);
    expect(
      tasks.map((task: { taskId: string; state: string }) => [task.taskId, task.state]),
    ).toEqual([
      ['a', 'success'],
      ['b', 'fail'],
      ['c', 'success'],
    ]);
    expect(tasks[1]).toMatchObject({ failCode: '400', failMsg: 'flagged' });
    expect(errors(run.log)).toEqual([
      '::error::1 of 3 tasks did not succeed:%0A- Task b failed (400): flagged',
    ]);
    expect(run.summary).toContain(
      '## ❌ 3 Kie.ai tasks of `test/model`: 2 succeeded\n\n| Task | State | Generation | Waited |',
    );
    expect(run.summary).toMatch(/^\| `b` \| ❌\u00a0failed \|/m);
    expect(run.summary).toContain('- Task b failed \\(400\\)\\: flagged');
  });

  it('passes with failed tasks when fail-on-task-failure is false', async () => {
    kie.script('a', [{ state: 'success' }]);
    kie.script('b', [{ state: 'fail', record: { failMsg: 'flagged' } }]);
    const run = await runInProcess(inputs({ 'task-id': 'a b', 'fail-on-task-failure': 'false' }));
    expect(run.failed).toBe(false);
    expect(run.outputs).toMatchObject({ state: 'fail', succeeded: '1', failed: '1' });
  });

  it('counts a task whose download failed as not succeeded, in the outputs and the summary alike', async () => {
    kie.script('a', [{ state: 'success' }], succeeds([media.route('/a.png', { body: 'A' })]));
    const good = media.route('/b/good.png', { body: 'B' });
    const gone = media.route('/b/gone.png', { status: 404, delayMs: 100 });
    kie.script('b', [{ state: 'success' }], succeeds([good, gone]));
    const run = await runInProcess(inputs({ 'task-id': 'a b', download: 'true' }));
    expect(run.failed).toBe(true);
    expect(run.outputs).toMatchObject({ state: 'success', succeeded: '1', failed: '0' });
    expect(run.summary).toContain('2 Kie.ai tasks of `test/model`: 1 succeeded');
    expect(errors(run.log)[0]).toMatch(/^::error::1 of 2 tasks did not succeed/);
    // What b did download is still listed: the artifact and later steps get it.
    const files = (JSON.parse(run.outputs.files!) as string[]).map((file) => path.basename(file));
    expect(files).toEqual(['a.png', 'good.png']);
  });

  it("keeps each task's result object in tasks, files or none", async () => {
    kie.script('a', [{ state: 'success' }], { resultJson: '{"character_id":"char-a"}' });
    kie.script('b', [{ state: 'success' }], { resultJson: '{"character_id":"char-b"}' });
    const run = await runInProcess(inputs({ 'task-id': 'a b' }));
    const tasks = JSON.parse(run.outputs.tasks!) as { resultJson: string }[];
    expect(tasks.map((task) => JSON.parse(task.resultJson))).toEqual([
      { character_id: 'char-a' },
      { character_id: 'char-b' },
    ]);
    expect(run.outputs.resultJson).toBe('');
  });

  it('waits once for a duplicated id, with a warning', async () => {
    kie.script('a', [{ state: 'success' }]);
    kie.script('b', [{ state: 'success' }]);
    const run = await runInProcess(inputs({ 'task-id': 'a,b,a' }));
    expect(run.failed).toBe(false);
    expect(JSON.parse(run.outputs.tasks!)).toHaveLength(2);
    expect(kie.requests.filter((request) => request.taskId === 'a')).toHaveLength(1);
    expect(run.log).toContain('::warning::Task ids listed more than once: a.');
  });

  it('reports an unknown id among good ones and still finishes the others', async () => {
    kie.script('good', [running, { state: 'success' }], succeeds(['https://cdn/g.png']));
    kie.script('ghost', [{ body: { code: 404, msg: 'task not found' } }]);
    const run = await runInProcess(inputs({ 'task-id': 'good ghost' }));
    expect(run.failed).toBe(true);
    expect(run.outputs).toMatchObject({ state: 'fail', succeeded: '1', failed: '1' });
    expect(errors(run.log)[0]).toContain('Kie.ai has no task ghost');
    const [good, ghost] = JSON.parse(run.outputs.tasks!);
    expect(good.resultUrls).toEqual(['https://cdn/g.png']);
    expect(ghost).toMatchObject({ state: '', failMsg: expect.stringContaining('no task ghost') });
  });

  it('reports the least advanced state of unfinished tasks on timeout', async () => {
    kie.script('a', [{ state: 'success' }]);
    kie.script('b', [{ state: 'queuing' }]);
    kie.script('c', [running]);
    const run = await runInProcess(inputs({ 'task-id': 'a b c', timeout: '150ms' }));
    expect(run.failed).toBe(true);
    expect(run.outputs.state).toBe('queuing');
    expect(errors(run.log)[0]).toMatch(/2 of 3 tasks did not succeed:.*Timed out/);
  });

  it('gives ids that clean to the same name their own directories', async () => {
    kie.script('a/b', [{ state: 'success' }], { resultJson: '{"n":1}' });
    kie.script('a:b', [{ state: 'success' }], { resultJson: '{"n":2}' });
    const run = await runInProcess(inputs({ 'task-id': 'a/b a:b', download: 'true' }));
    const files = JSON.parse(run.outputs.files!) as string[];
    expect(files).toHaveLength(2);
    expect(new Set(files.map((file) => path.dirname(file))).size).toBe(2);
    expect(
      files.every((file) => path.dirname(path.dirname(file)) === run.outputs.downloadDir),
    ).toBe(true);
  });

  it('fails all tasks together, with one line, when base-url never answers', async () => {
    // Time that moves only by sleeping, so the 90 s until base-url is given up on take none.
    const run = await runInProcess(
      {
        ...inputs({ 'task-id': 'a b c', timeout: '30m', 'poll-interval': '3s' }),
        'max-poll-interval': '30s',
        'base-url': 'http://127.0.0.1:9',
      },
      { deps: instantClock() },
    );
    expect(run.failed).toBe(true);
    expect(errors(run.log)).toHaveLength(1);
    expect(errors(run.log)[0]).toMatch(
      /^::error::3 of 3 tasks did not succeed:%0A- No answer from http:\/\/127\.0\.0\.1:9 in .*Check 'base-url'.* \(3 tasks\)$/,
    );
    expect(run.log).not.toContain('::warning::');
  });

  it('keeps the timeout when the shared budget makes tasks queue', async () => {
    const ids = Array.from({ length: 6 }, (_, i) => `q${i}`);
    for (const id of ids) kie.script(id, [running]);
    const run = await runInProcess(
      inputs({ 'task-id': ids.join(' '), 'max-requests-per-second': '5', timeout: '500ms' }),
    );
    expect(run.failed).toBe(true);
    // Six tasks at five requests a second would need 1.2 s for one round; the timeout is 0.5 s.
    expect(Number(run.outputs.elapsedMs)).toBeLessThan(1_250);
    expect(kie.taskRequests().length).toBeLessThanOrEqual(3);
    expect(run.outputs.state).toBe('');
    // The tasks never asked about are told apart from those Kie.ai did not answer.
    expect(run.summary).toContain('| ⏱️\u00a0timed out \\(not asked yet\\) |');
  });

  /** Runs `test` with a local artifact service, as a runner would have one. */
  async function withResultsService(test: (service: ResultsService) => Promise<void>) {
    const service = await startResultsService();
    vi.stubEnv('GITHUB_RETENTION_DAYS', '');
    try {
      await test(service);
    } finally {
      vi.unstubAllEnvs();
      await service.close();
    }
  }
  const onRunner = (service: ResultsService) => ({
    env: { ...service.env, GITHUB_SERVER_URL: 'https://github.com' },
  });

  it('uploads what the successful tasks produced even when another failed', async () => {
    await withResultsService(async (service) => {
      kie.script(
        'a',
        [{ state: 'success' }],
        succeeds([media.route('/a.png', { body: 'A', contentType: 'image/png' })]),
      );
      kie.script('b', [{ state: 'fail', record: { failMsg: 'flagged' } }]);
      const run = await runInProcess(
        inputs({ 'task-id': 'a b', 'upload-artifact': 'true' }),
        onRunner(service),
      );
      expect(run.failed).toBe(true);
      expect(service.artifacts).toHaveLength(1);
      expect([...readZipEntries(service.artifacts[0]!.zip!).keys()]).toEqual(['a/a.png']);
      expect(run.outputs.artifactId).toBe(String(service.artifacts[0]!.id));
    });
  });

  it('downloads each task into download-dir/<task-id>/ and uploads one artifact', async () => {
    await withResultsService(async (service) => {
      kie.script(
        'a',
        [{ state: 'success' }],
        succeeds([media.route('/a/img.png', { body: 'A', contentType: 'image/png' })]),
      );
      kie.script(
        'b',
        [{ state: 'success' }],
        succeeds([media.route('/b/img.png', { body: 'B', contentType: 'image/png' })]),
      );
      const run = await runInProcess(
        inputs({ 'task-id': 'a b', 'upload-artifact': 'true' }),
        onRunner(service),
      );
      expect(run.failed).toBe(false);
      const files = JSON.parse(run.outputs.files!) as string[];
      expect(files.map((file) => path.relative(run.outputs.downloadDir!, file))).toEqual([
        'a/img.png',
        'b/img.png',
      ]);
      expect(service.artifacts).toHaveLength(1);
      expect(service.artifacts[0]!.name).toBe('kie-a-and-1-more');
      const entries = readZipEntries(service.artifacts[0]!.zip!);
      expect([...entries.keys()].sort()).toEqual(['a/img.png', 'b/img.png']);
      expect(entries.get('b/img.png')!.toString()).toBe('B');
    });
  });
});

describe('the shared request budget', () => {
  it('never exceeds max-requests-per-second across all tasks', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `t${i}`);
    for (const id of ids) kie.script(id, [running, running, running, { state: 'success' }]);
    const run = await runInProcess(
      inputs({ 'task-id': ids.join(' '), 'max-requests-per-second': '40' }),
    );
    expect(run.failed).toBe(false);
    // 48 polls, all from the one budget (a plain wait reads no balance).
    const times = kie.requests.map((request) => request.at).sort((a, b) => a - b);
    expect(times).toHaveLength(48);
    // 25 ms apart, as sent; seen by the server, one request held up in a busy event loop can land
    // close to the next, so the measure is a window of ten slots with room for one such pair.
    expect(peakInWindow(times, 250)).toBeLessThanOrEqual(11);
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(46 * 25); // 47 gaps, less one slot
  });

  it('slows every task down after a 429, not just the one that got it', async () => {
    const limited: KieReply = {
      status: 429,
      body: { code: 429, msg: 'slow down' },
      headers: { 'retry-after': '1' },
    };
    kie.script('a', [limited, { state: 'success' }]);
    kie.script('b', [running, running, { state: 'success' }]);
    const run = await runInProcess(inputs({ 'task-id': 'a b' }));
    expect(run.failed).toBe(false);
    const limitedAt = kie.requests.find((request) => request.taskId === 'a')!.at;
    const laterB = kie.requests.filter(
      (request) => request.taskId === 'b' && request.at > limitedAt,
    );
    expect(laterB.length).toBeGreaterThan(0);
    expect(laterB[0]!.at - limitedAt).toBeGreaterThanOrEqual(950);
  });

  it('rides out a 429 storm: every task finishes, and the step slows down while it lasts', async () => {
    const limited: KieReply = { status: 429, body: { code: 429, msg: 'too many requests' } };
    const ids = ['s1', 's2', 's3', 's4'];
    for (const id of ids) kie.script(id, [limited, limited, { state: 'success' }]);
    const run = await runInProcess(
      inputs({ 'task-id': ids.join(' '), 'max-requests-per-second': '50' }),
    );
    expect(run.failed).toBe(false);
    expect(run.outputs.succeeded).toBe('4');
    const times = kie.requests.map((request) => request.at).sort((a, b) => a - b);
    expect(times).toHaveLength(12); // 12 polls
    // 50/s is 20 ms apart. The first 429 (the first poll's, back long before the second slot)
    // pauses every task and cuts the rate (budget.test.ts checks by how much): the next requests,
    // other tasks', come later than 20 ms apart. Measured over two gaps: a request the busy event
    // loop sends a few ms late shortens one gap but lengthens the next, so only a span's ends can
    // be off (15 ms allowed for that; the slowed span is about 65 ms, a plain one 40).
    const spans = times.slice(2).map((at, i) => at - times[i]!);
    expect(Math.min(...spans)).toBeGreaterThanOrEqual(2 * 20 - 15);
    expect(times[3]! - times[1]!).toBeGreaterThanOrEqual(65 - 15);
  });

  it.each(['lots', '0', '1e-310', '101'])('rejects a budget of %s', async (rate) => {
    const run = await runInProcess(inputs({ 'task-id': 'a', 'max-requests-per-second': rate }));
    expect(errors(run.log)).toEqual([
      `::error::Input 'max-requests-per-second' must be a number from 0.001 to 100, such as 1.5 (got '${rate}').`,
    ]);
    expect(kie.requests).toEqual([]);
  });
});

describe('create and wait', () => {
  const created = (taskId: string) => ({
    taskId,
    replies: [running, { state: 'success' } as KieReply],
  });

  it('creates the task from model and a JSON input, then waits for it', async () => {
    kie.scriptCreate([created('new-1')]);
    const run = await runInProcess(
      inputs({
        model: 'nano-banana-pro',
        input: '{"prompt": "a cat", "aspect_ratio": "1:1"}',
        'callback-url': 'https://example.com/hook',
      }),
    );
    expect(run.failed).toBe(false);
    expect(run.outputs).toMatchObject({
      taskId: 'new-1',
      state: 'success',
      model: 'nano-banana-pro',
    });
    const [create] = kie.taskRequests();
    expect(create).toMatchObject({ method: 'POST', path: '/api/v1/jobs/createTask' });
    expect(create!.body).toEqual({
      model: 'nano-banana-pro',
      input: { prompt: 'a cat', aspect_ratio: '1:1' },
      callBackUrl: 'https://example.com/hook',
    });
    expect(create!.headers['content-type']).toBe('application/json');
    expect(run.log).toContain('Created task new-1 for model nano-banana-pro.');
  });

  it('waits for a task whose id createTask gave as a number', async () => {
    kie.scriptCreate([{ body: { code: 200, msg: 'success', data: { taskId: 12345 } } }]);
    kie.script('12345', [{ state: 'success' }]);
    const run = await runInProcess(inputs({ model: 'nano-banana-pro', input: '{}' }));
    expect(run.failed).toBe(false);
    expect(run.outputs).toMatchObject({ taskId: '12345', state: 'success' });
  });

  it('reads a YAML input', async () => {
    kie.scriptCreate([created('new-2')]);
    const run = await runInProcess(
      inputs({
        model: 'elevenlabs/text-to-speech',
        input: 'text: Hello there\nvoice: Rachel\nstability: 0.5\n',
      }),
    );
    expect(run.failed).toBe(false);
    expect(kie.taskRequests()[0]!.body).toEqual({
      model: 'elevenlabs/text-to-speech',
      input: { text: 'Hello there', voice: 'Rachel', stability: 0.5 },
    });
  });

  it('fails at once with the API message on a validation error, without retrying', async () => {
    kie.scriptCreate([{ body: { code: 422, msg: 'input.prompt is required' } }]);
    const run = await runInProcess(inputs({ model: 'nano-banana-pro', input: '{}' }));
    expect(run.failed).toBe(true);
    expect(errors(run.log)[0]).toContain('input.prompt is required');
    expect(kie.taskRequests()).toHaveLength(1);
    expect(run.outputs).toMatchObject({
      taskId: '',
      state: '',
      succeeded: '0',
      failed: '0',
      tasks: '[]',
    });
    expect(run.outputs.failMsg).toContain('input.prompt is required');
  });

  it('does not repeat a creation that may have reached the server (5xx)', async () => {
    kie.scriptCreate([{ status: 500, body: { code: 500, msg: 'boom' } }, created('never')]);
    const run = await runInProcess(inputs({ model: 'm', input: '{}' }));
    expect(run.failed).toBe(true);
    expect(kie.taskRequests()).toHaveLength(1);
    expect(errors(run.log)[0]).toContain('A task may have been created anyway');
  });

  it('gives up creating at the timeout when a 429 asks for a minute', async () => {
    kie.scriptCreate([
      { status: 429, body: { code: 429, msg: 'too many' }, headers: { 'retry-after': '60' } },
      created('too-late'),
    ]);
    const sleeps: number[] = [];
    const run = await runInProcess(inputs({ model: 'm', input: '{}', timeout: '300ms' }), {
      deps: {
        now: Date.now,
        sleep: (ms) => (sleeps.push(ms), new Promise((resolve) => setTimeout(resolve, 5))),
        random: Math.random,
      },
    });
    expect(run.failed).toBe(true);
    expect(errors(run.log)[0]).toMatch(/Could not create a task for model m: Kie.ai rate limit/);
    expect(kie.taskRequests()).toHaveLength(1);
    // Neither the backoff nor the budget's pause for Retry-After waits past the timeout.
    expect(Math.max(...sleeps)).toBeLessThanOrEqual(300);
  });

  it('cuts a creation that gets no reply off after the timeout, saying it may have created', async () => {
    kie.scriptCreate([{ body: { code: 200, data: { taskId: 'late' } }, delayMs: 120_000 }]);
    // The request's time limit is a setTimeout (the simulator's delay too) and the run reads
    // Date.now: faked, they go on with real time and jump when the test moves them.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], shouldAdvanceTime: true });
    try {
      const deps = { ...systemRuntime, now: () => Date.now() };
      const run = runInProcess(inputs({ model: 'm', input: '{}', timeout: '1s' }), { deps });
      while (kie.taskRequests().length === 0) await sleep(5);
      // The timeout and the second of grace a request in flight gets; without the bound it
      // waits for the 30 s request timeout.
      await vi.advanceTimersByTimeAsync(2_000);
      const first = await within(run, 2_000);
      expect(first).not.toBe('still running');
      const { failed, log } = first as Awaited<typeof run>;
      expect(failed).toBe(true);
      expect(errors(log)[0]).toMatch(
        /Could not create a task for model m: Kie.ai had not answered/,
      );
      expect(errors(log)[0]).toContain('A task may have been created anyway');
      expect(kie.taskRequests()).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('repeats a creation that was rate-limited, which creates nothing', async () => {
    kie.scriptCreate([{ status: 429, body: { code: 429, msg: 'too many' } }, created('new-3')]);
    const sleeps: number[] = [];
    const run = await runInProcess(inputs({ model: 'm', input: '{}' }), {
      deps: {
        now: Date.now,
        sleep: (ms) => (sleeps.push(ms), new Promise((resolve) => setTimeout(resolve, 5))),
        random: Math.random,
      },
    });
    expect(run.failed).toBe(false);
    expect(run.outputs.taskId).toBe('new-3');
    expect(kie.requests.filter((request) => request.method === 'POST')).toHaveLength(2);
    // The backoff before the second creation attempt (the others are the budget's spacing).
    expect(sleeps).toContain(2_000);
  });

  it('repeats a creation whose connection was refused, then gives up', async () => {
    const run = await runInProcess(
      { ...inputs({ model: 'm', input: '{}' }), 'base-url': 'http://127.0.0.1:9' },
      { deps: { now: Date.now, sleep: () => Promise.resolve(), random: Math.random } },
    );
    expect(run.failed).toBe(true);
    expect(run.log.match(/Nothing was created; trying again/g)).toHaveLength(4);
    expect(errors(run.log)[0]).toMatch(
      /Could not create a task for model m: Request to Kie.ai failed: .*ECONNREFUSED/,
    );
  });

  it.each([
    [
      { model: 'm', 'task-id': 'x' },
      "Give either 'task-id' (to wait for a task) or 'model' (to create one), not both.",
    ],
    [{ input: '{}' }, "Inputs 'input' and 'callback-url' need 'model'."],
    [{ model: 'm', input: '[1, 2]' }, "Input 'input' must be a JSON object or a YAML mapping"],
    [
      { model: 'm', input: '{"a": ' },
      "Input 'input' is not valid JSON or YAML (line 1, column 6: flow map must end with a }).",
    ],
    [
      { model: 'm', input: 'prompt: a cat\nprompt: a dog' },
      "Input 'input' is not valid JSON or YAML (line 2, column 1: map keys must be unique).",
    ],
    [
      { model: 'm', 'callback-url': 'not a url' },
      "Input 'callback-url' must be an http(s) URL (got 'not a url').",
    ],
  ])('rejects %j', async (bad, message) => {
    const run = await runInProcess(inputs(bad));
    expect(run.failed).toBe(true);
    expect(errors(run.log).join('\n')).toContain(message);
    expect(kie.requests).toHaveLength(0);
  });
});
