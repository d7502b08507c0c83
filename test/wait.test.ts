// The poll loop and the API client together, over real HTTP to the local Kie server, in virtual
// time: sleeps return at once and advance a clock, so minutes of waiting take milliseconds.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KieClient, UNANSWERED_LIMIT_MS } from '../src/kie/client.js';
import { waitForTask, type TaskSource, type WaitOptions } from '../src/wait/wait.js';
import { STEADY_CAP_MS } from '../src/wait/schedule.js';
import { startKieServer, type KieReply, type KieServer } from './support/kie-server.js';
import { instantClock } from './support/virtual-clock.js';

let kie: KieServer;
beforeEach(async () => {
  kie = await startKieServer();
});
afterEach(() => kie.close());

function memoryLogger() {
  const lines: string[] = [];
  return {
    lines,
    info: (m: string) => lines.push(`info: ${m}`),
    warning: (m: string) => lines.push(`warning: ${m}`),
    debug: (m: string) => lines.push(`debug: ${m}`),
  };
}

async function waitFor(
  replies: KieReply[],
  options: Partial<WaitOptions> & { requestTimeoutMs?: number; apiKey?: string } = {},
) {
  const taskId = options.taskId ?? 'task-1';
  kie.script(taskId, replies);
  const clock = instantClock();
  const logger = memoryLogger();
  const client = new KieClient({
    baseUrl: kie.url,
    apiKey: options.apiKey ?? kie.apiKey,
    logger,
    now: clock.now,
    requestTimeoutMs: options.requestTimeoutMs ?? 2_000,
  });
  try {
    const outcome = await waitForTask(
      {
        taskId,
        timeoutMs: 30 * 60_000,
        pollIntervalMs: 3_000,
        maxPollIntervalMs: 30_000,
        ...options,
      },
      { source: client, now: clock.now, sleep: clock.sleep, random: () => 0.5, logger },
    );
    return { outcome, sleeps: clock.sleeps, log: logger.lines, requests: kie.requests };
  } finally {
    client.dispose();
  }
}

describe('waiting for a task', () => {
  it('follows the documented states to success', async () => {
    const { outcome, log, requests } = await waitFor([
      { state: 'waiting' },
      { state: 'queuing' },
      { state: 'generating' },
      { state: 'generating' },
      { state: 'success', record: { resultJson: '{"resultUrls":["https://cdn.example/a.png"]}' } },
    ]);
    expect(outcome.ending).toBe('finished');
    expect(outcome.record?.state).toBe('success');
    expect(outcome.polls).toBe(5);
    expect(requests).toHaveLength(5);
    const changes = log.filter((line) => line.startsWith('info: Task task-1: '));
    expect(changes.map((line) => line.split(' ')[3])).toEqual([
      'waiting',
      'queuing',
      'generating',
      'success',
    ]);
  });

  it('sends the key, a User-Agent and the URL-encoded id, to the API only', async () => {
    const taskId = 'task a/b?c=d&e=%20é';
    await waitFor([{ state: 'success' }], { taskId });
    const [request] = kie.requests;
    expect(request!.taskId).toBe(taskId);
    expect(request!.headers.authorization).toBe(`Bearer ${kie.apiKey}`);
    expect(request!.headers['user-agent']).toMatch(/^kie-task-action\/\d+\.\d+\.\d+$/);
  });

  it('warns once about an undocumented state and keeps waiting', async () => {
    const { outcome, log } = await waitFor([
      { state: 'rendering' },
      { state: 'generating' },
      { state: 'rendering' },
      { state: 'success' },
    ]);
    expect(outcome.record?.state).toBe('success');
    expect(log.filter((line) => line.includes('undocumented state "rendering"'))).toHaveLength(1);
  });

  it('reports a failed task as finished with its reason', async () => {
    const { outcome } = await waitFor([
      { state: 'generating' },
      { state: 'fail', record: { failCode: '422', failMsg: 'prompt rejected' } },
    ]);
    expect(outcome.ending).toBe('finished');
    expect(outcome.record).toMatchObject({
      state: 'fail',
      failCode: '422',
      failMsg: 'prompt rejected',
    });
  });

  it('waits longer as the task ages, never under poll-interval nor over max-poll-interval', async () => {
    const { sleeps } = await waitFor([
      ...Array(40).fill({ state: 'generating' }),
      { state: 'success' },
    ]);
    // poll-interval here is 3 s, so the schedule's own 2.5 s start gives way to it.
    expect(sleeps[0]).toBe(3_000);
    expect(Math.min(...sleeps)).toBeGreaterThanOrEqual(3_000);
    expect(Math.max(...sleeps)).toBe(STEADY_CAP_MS);
    for (let i = 1; i < sleeps.length; i++)
      expect(sleeps[i]).toBeGreaterThanOrEqual(sleeps[i - 1]!);
  });

  it('uses the task age from createTime when the task started before the step', async () => {
    const createTime = Date.now() - 10 * 60_000;
    kie.script('old', [{ state: 'generating' }, { state: 'success' }], { createTime });
    const clock = instantClock();
    const client = new KieClient({ baseUrl: kie.url, apiKey: kie.apiKey, logger: memoryLogger() });
    await waitForTask(
      { taskId: 'old', timeoutMs: 60_000, pollIntervalMs: 3_000, maxPollIntervalMs: 30_000 },
      {
        source: client,
        now: clock.now,
        sleep: clock.sleep,
        random: () => 0.5,
        logger: memoryLogger(),
      },
    );
    client.dispose();
    // Ten minutes old: the schedule's longest wait at once, not the 3 s of a fresh task.
    expect(clock.sleeps).toEqual([STEADY_CAP_MS]);
  });
});

describe('transient faults are retried', () => {
  const success: KieReply = { state: 'success' };
  const faults: [string, KieReply][] = [
    ['HTTP 500', { status: 500, body: { code: 500, msg: 'Server Error' } }],
    ['HTTP 502 HTML page', { status: 502, body: '<html><h1>502 Bad Gateway</h1></html>' }],
    ['Cloudflare 1010', { status: 403, body: 'error code: 1010' }],
    ['body code 500 in HTTP 200', { body: { code: 500, msg: 'try again later' } }],
    ['body code 429 in HTTP 200', { body: { code: 429, msg: 'too many requests' } }],
    ['body code 455 (maintenance)', { body: { code: 455, msg: 'maintenance' } }],
    ['an empty body', { body: '' }],
    ['truncated JSON', { body: '{"code":200,"msg":"succ' }],
    ['a record whose data is an array', { body: { code: 200, msg: 'success', data: [] } }],
    ['a body code that is null', { body: { code: null, msg: 'x' } }],
  ];
  for (const [name, fault] of faults) {
    it(`retries after ${name}`, async () => {
      const { outcome, log, requests } = await waitFor([fault, fault, success]);
      expect(outcome.ending).toBe('finished');
      expect(requests).toHaveLength(3);
      // Each retry is told as info: a warning would be an annotation on a run that went well.
      expect(log.filter((line) => line.startsWith('warning:'))).toEqual([]);
      expect(log.filter((line) => /^info: .* Trying again in \S+\.$/.test(line))).toHaveLength(2);
    });
  }

  it('backs off exponentially on repeated faults', async () => {
    const fault: KieReply = { status: 503, body: 'unavailable' };
    const { sleeps } = await waitFor([fault, fault, fault, fault, success]);
    expect(sleeps).toEqual([6_000, 12_000, 24_000, 30_000]);
  });

  it('waits 30 s at least during maintenance (455)', async () => {
    const { sleeps } = await waitFor([{ body: { code: 455, msg: 'maintenance' } }, success]);
    expect(sleeps).toEqual([30_000]);
  });

  it('honours Retry-After in seconds', async () => {
    const { sleeps } = await waitFor([
      { status: 429, body: { code: 429, msg: 'rate limited' }, headers: { 'retry-after': '17' } },
      success,
    ]);
    expect(sleeps).toEqual([17_000]);
  });

  it('honours Retry-After for a minute at most', async () => {
    const { sleeps } = await waitFor([
      { status: 429, body: 'slow down', headers: { 'retry-after': '999999' } },
      success,
    ]);
    expect(sleeps).toEqual([60_000]);
  });

  it('honours Retry-After as an HTTP date', async () => {
    const at = new Date(Date.now() + 45_000).toUTCString();
    const { sleeps } = await waitFor([
      { status: 429, body: 'slow down', headers: { 'retry-after': at } },
      success,
    ]);
    expect(sleeps[0]).toBeGreaterThan(40_000);
    expect(sleeps[0]).toBeLessThanOrEqual(45_000);
  });

  it('retries a reply slower than the request timeout', async () => {
    const { outcome, log } = await waitFor([{ state: 'generating', delayMs: 1_000 }, success], {
      requestTimeoutMs: 100,
    });
    expect(outcome.ending).toBe('finished');
    expect(log.some((line) => /info: Request to Kie.ai failed: .*100ms/.test(line))).toBe(true);
  });

  it('retries a refused connection', async () => {
    const client = new KieClient({
      baseUrl: 'http://127.0.0.1:9',
      apiKey: 'k',
      logger: memoryLogger(),
    });
    const clock = instantClock();
    const outcome = await waitForTask(
      { taskId: 't', timeoutMs: 20_000, pollIntervalMs: 3_000, maxPollIntervalMs: 30_000 },
      {
        source: client,
        now: clock.now,
        sleep: clock.sleep,
        random: () => 0.5,
        logger: memoryLogger(),
      },
    );
    client.dispose();
    expect(outcome.ending).toBe('timeout');
    expect(outcome.polls).toBeGreaterThan(1);
  });
});

describe('a base-url that never answers', () => {
  const waitOn = (source: TaskSource, timeoutMs = 30 * 60_000, clock = instantClock()) =>
    waitForTask(
      { taskId: 't', timeoutMs, pollIntervalMs: 3_000, maxPollIntervalMs: 30_000 },
      { source, now: clock.now, sleep: clock.sleep, random: () => 0.5, logger: memoryLogger() },
    );

  it('is given up on within 2 minutes, naming base-url', async () => {
    const clock = instantClock();
    const client = new KieClient({
      baseUrl: 'http://127.0.0.1:9',
      apiKey: 'k',
      logger: memoryLogger(),
      now: clock.now,
    });
    const outcome = await waitOn(client, 30 * 60_000, clock).finally(() => client.dispose());
    expect(outcome.ending).toBe('error');
    if (outcome.ending === 'error') {
      expect(outcome.error.message).toMatch(
        /^No answer from http:\/\/127\.0\.0\.1:9 in 1m 30s \(.*ECONNREFUSED.*\)\. Check 'base-url', and the runner's network/,
      );
    }
    // The last try lands on the limit exactly, not a backoff later.
    expect(outcome.elapsedMs).toBe(UNANSWERED_LIMIT_MS);
  });

  it('is retried as before once Kie.ai has answered in this step', async () => {
    const server = await startKieServer();
    server.script('t', [{ state: 'generating' }]);
    const clock = instantClock();
    const client = new KieClient({
      baseUrl: server.url,
      apiKey: server.apiKey,
      logger: memoryLogger(),
      now: clock.now,
    });
    let closed: Promise<void> | undefined;
    const source: TaskSource = {
      async getTaskRecord(taskId) {
        const record = await client.getTaskRecord(taskId);
        closed ??= server.close(); // answered once, then gone: refused from now on
        await closed;
        return record;
      },
    };
    const outcome = await waitOn(source, 10 * 60_000, clock).finally(() => client.dispose());
    expect(outcome).toMatchObject({ ending: 'timeout', elapsedMs: 10 * 60_000 });
    expect(outcome.record?.state).toBe('generating');
    expect(outcome.lastFault?.message).toMatch(/ECONNREFUSED/);
  });
});

describe('permanent faults stop at once', () => {
  const cases: [string, KieReply, RegExp][] = [
    [
      'a bad key (code 401 in HTTP 200)',
      { body: { code: 401, msg: 'You do not have access permissions' } },
      /api-key/,
    ],
    ['HTTP 401', { status: 401, body: 'Unauthorized' }, /rejected the API key/],
    ['no credits (402)', { body: { code: 402, msg: 'Insufficient credits' } }, /out of credits/],
    [
      'an unknown task (404)',
      { body: { code: 404, msg: 'not found' } },
      /no task task-1 .*task-id/,
    ],
    [
      'an upstream timeout (408)',
      { body: { code: 408, msg: 'timeout' } },
      /gave up on task task-1: no result for over 10 minutes/,
    ],
    ['a usage cap (433)', { body: { code: 433, msg: 'cap' } }, /usage cap/],
    ['a failed generation (501)', { body: { code: 501, msg: 'failed' } }, /Generation failed/],
    ['a disabled feature (505)', { body: { code: 505, msg: 'disabled' } }, /disabled/],
    [
      'a bad request (400)',
      { status: 400, body: { code: 400, msg: 'bad' } },
      /refused the request \(400/,
    ],
    [
      'a validation error (422)',
      { body: { code: 422, msg: 'taskId is required' } },
      /rejected the request/,
    ],
    [
      'a 422 about something else being null',
      { body: { code: 422, msg: 'taskId must not be null' } },
      /rejected the request/,
    ],
    [
      'a redirect',
      { status: 302, body: '', headers: { location: 'https://elsewhere.example/' } },
      /redirecting to https:\/\/elsewhere/,
    ],
    [
      'a wrong base-url (HTML 404)',
      { status: 404, body: '<html>Not Found</html>' },
      /check 'base-url'/,
    ],
  ];
  for (const [name, fault, message] of cases) {
    it(`stops on ${name}`, async () => {
      const { outcome, requests } = await waitFor([fault, { state: 'success' }]);
      expect(outcome.ending).toBe('error');
      if (outcome.ending === 'error') expect(outcome.error.message).toMatch(message);
      expect(requests).toHaveLength(1);
    });
  }

  it('rejects a wrong key sent by the client', async () => {
    const { outcome } = await waitFor([{ state: 'success' }], { apiKey: 'wrong' });
    expect(outcome.ending).toBe('error');
  });
});

describe('a task id the API does not know yet', () => {
  const notReady: KieReply = { body: { code: 422, msg: 'recordInfo is null', data: null } };

  it('is given a grace period and then found', async () => {
    const { outcome, requests } = await waitFor([notReady, notReady, { state: 'success' }]);
    expect(outcome.ending).toBe('finished');
    expect(requests).toHaveLength(3);
  });

  it('is told once, then by a heartbeat, not at every poll', async () => {
    const { outcome, log } = await waitFor([notReady], { notReadyGraceMs: 5 * 60_000 });
    expect(outcome.ending).toBe('error');
    expect(log.filter((line) => line.includes('does not know task task-1 yet'))).toEqual([
      'info: Kie.ai does not know task task-1 yet (422: "recordInfo is null"). Waiting up to 5m for it to appear.',
    ]);
    const heartbeats = log.filter((line) => line.startsWith('info: Still waiting'));
    expect(heartbeats.length).toBeGreaterThanOrEqual(4);
    expect(heartbeats[0]).toMatch(/^info: Still waiting for task task-1: not known yet after 1m/);
  });

  it('is given up on after the grace period, naming the input', async () => {
    const { outcome, sleeps } = await waitFor([notReady], { notReadyGraceMs: 20_000 });
    expect(outcome.ending).toBe('error');
    if (outcome.ending === 'error')
      expect(outcome.error.message).toMatch(/still unknown after .*task-id/);
    const waited = sleeps.reduce((a, b) => a + b, 0);
    expect(waited).toBeGreaterThanOrEqual(20_000);
    expect(waited).toBeLessThan(30_000);
  });
});

describe('timeout', () => {
  it('stops at the deadline with the last state, polling once more right at it', async () => {
    const { outcome, sleeps } = await waitFor([{ state: 'generating' }], { timeoutMs: 100_000 });
    expect(outcome.ending).toBe('timeout');
    expect(outcome.record?.state).toBe('generating');
    expect(sleeps.reduce((a, b) => a + b, 0)).toBe(100_000);
    expect(outcome.elapsedMs).toBe(100_000);
  });

  it("ends at the deadline, trying no more, when a 429's Retry-After outlasts it", async () => {
    const slow = { status: 429, body: { code: 429, msg: 'slow' } };
    const { outcome, sleeps, log, requests } = await waitFor(
      [{ ...slow, headers: { 'retry-after': '99999999999' } }, { state: 'success' }],
      { timeoutMs: 8_000 },
    );
    expect(outcome).toMatchObject({ ending: 'timeout', polls: 1, elapsedMs: 8_000 });
    expect(sleeps).toEqual([8_000]);
    expect(requests).toHaveLength(1);
    expect(log).toContain(
      'info: Kie.ai rate limit reached (HTTP 429). Its pause of 1m outlasts the timeout: no more tries in the 8.0s left.',
    );
    expect(log.join('\n')).not.toContain('Trying again');
  });

  it('logs a heartbeat at most once a minute while the state does not change', async () => {
    const { log } = await waitFor([{ state: 'generating' }], { timeoutMs: 10 * 60_000 });
    const heartbeats = log.filter((line) => line.startsWith('info: Still waiting'));
    expect(heartbeats.length).toBeGreaterThanOrEqual(8);
    expect(heartbeats.length).toBeLessThanOrEqual(10);
  });
});
