// Spend: the balance before and after, min-credits, task costs and the credit outputs, through the
// whole action and the CLI against the local Kie server's balance endpoint.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/main.js';
import { readBalance, balanceClient, StepBalance } from '../src/run/credits.js';
import { parseSettings } from '../src/settings/settings.js';
import { KieApiError } from '../src/kie/client.js';
import { systemRuntime } from '../src/runtime.js';
import { RequestBudget } from '../src/wait/budget.js';
import { localInputs, runInProcess, within } from './support/action.js';
import {
  CREDIT_PATH,
  INITIAL_BALANCE,
  type KieReply,
  type KieServer,
  type RawReply,
} from './support/kie-server.js';
import { useLocalServers } from './support/servers.js';
import { VirtualClock } from './support/virtual-clock.js';

let kie: KieServer;
useLocalServers((started) => ({ kie } = started));

const inputs = (extra: Record<string, string>) =>
  localInputs(kie, { 'max-requests-per-second': '100', 'report-credits': 'true', ...extra });
const POLL_PATH = '/api/v1/jobs/recordInfo';
const running: KieReply = { state: 'generating' };
// A success with a result URL: one without warns that it holds none.
const withImage = { resultJson: '{"resultUrls":["https://cdn.example/a.png"]}' };
const balanceReads = () => kie.requests.filter((request) => request.path === CREDIT_PATH);
const errors = (log: string) => log.split('\n').filter((line) => line.startsWith('::error::'));
const warnings = (log: string) => log.split('\n').filter((line) => line.startsWith('::warning::'));
const serverError: RawReply = { status: 500, body: { code: 500, msg: 'try again later' } };
const htmlPage: RawReply = { status: 502, body: '<html><body>Bad gateway</body></html>' };
const always = (reply: RawReply) => Array.from({ length: 10 }, () => reply);

describe('when the balance is read', () => {
  // Without report-credits: what a user gets by default.
  const plain = (extra: Record<string, string>) =>
    localInputs(kie, { 'max-requests-per-second': '100', ...extra });

  it('reads nothing for a plain wait: no request, empty credit outputs, no summary line', async () => {
    kie.script('t1', [running, { state: 'success' }]);
    const run = await runInProcess(plain({ 'task-id': 't1' }));
    expect(run.failed).toBe(false);
    expect(kie.requests.map((request) => request.path)).toEqual([POLL_PATH, POLL_PATH]);
    expect(run.outputs).toMatchObject({ creditsBefore: '', creditsAfter: '', creditsUsed: '' });
    expect(run.summary).not.toContain('Credits:');
    expect(run.log).not.toContain('balance');
  });

  it('reads it before and after when the step creates the task', async () => {
    kie.scriptCreate([{ taskId: 'new-1', replies: [{ state: 'success' }] }]);
    const run = await runInProcess(plain({ model: 'm', input: '{}' }));
    expect(run.outputs).toMatchObject({ creditsBefore: '60.62', creditsUsed: '1' });
    const paths = kie.requests.map((request) => request.path);
    expect(paths[0]).toBe(CREDIT_PATH);
    expect(paths.at(-1)).toBe(CREDIT_PATH);
    expect(balanceReads()).toHaveLength(2);
  });

  it('reads it for min-credits on a wait, beside the first poll', async () => {
    kie.script('t1', [running, { state: 'success' }]);
    const run = await runInProcess(plain({ 'task-id': 't1', 'min-credits': '1' }));
    expect(run.failed).toBe(false);
    expect(kie.requests.map((request) => request.path)).toEqual([
      POLL_PATH,
      CREDIT_PATH,
      POLL_PATH,
      CREDIT_PATH,
    ]);
    expect(run.outputs).toMatchObject({ creditsBefore: '60.62', creditsUsed: '1' });
  });

  it.each([
    ['slow', [{ body: { code: 200, data: 7 }, delayMs: 1_500 }]],
    ['failing', always(serverError)],
  ] as [string, RawReply[]][])(
    'polls an existing task first however %s the balance endpoint is',
    async (_, replies) => {
      kie.scriptCredits(replies);
      kie.script('t1', [{ state: 'success' }]);
      const run = await runInProcess(
        inputs({ 'task-id': 't1', 'poll-interval': '10ms', timeout: '1m' }),
      );
      expect(run.outputs).toMatchObject({ state: 'success', pollCount: '1' });
      expect(kie.requests[0]!.path).toBe(POLL_PATH);
      expect(balanceReads().length).toBeGreaterThan(0);
    },
  );

  describe('a first read still going when the tasks have ended', () => {
    const logger = () => {
      const seen = { warnings: [] as string[] };
      const log = {
        info: () => {},
        debug: () => {},
        warning: (message: string) => seen.warnings.push(message),
      };
      return { log, seen };
    };
    async function endTasksDuringSlowRead(extra: Record<string, string>) {
      kie.scriptCredits(always({ body: { code: 200, data: 1 }, delayMs: 20_000 }));
      const clock = new VirtualClock(1_000_000);
      const { log, seen } = logger();
      const given: Record<string, string> = { ...plain({ 'task-id': 't1' }), ...extra };
      const settings = parseSettings((name) => given[name] ?? '', {});
      const deps = { now: clock.now, sleep: clock.sleep, random: () => 0.5, logger: log };
      const balance = new StepBalance(settings, new RequestBudget(100, clock), deps);
      try {
        void balance.before(clock.now() + settings.timeoutMs);
        // Virtual time stands still meanwhile: the read is in flight when the tasks end.
        await vi.waitFor(() => expect(balanceReads()).toHaveLength(1));
        // The last task ends now: the outputs wait for the balance 5 s at most, as for the read after.
        const refused = await clock.run(balance.after());
        return { refused, waitedMs: clock.now() - 1_000_000, balance, seen };
      } finally {
        balance.dispose();
      }
    }

    it('is given up 5 s after them, with one warning and empty outputs', async () => {
      const { refused, waitedMs, balance, seen } = await endTasksDuringSlowRead({
        'report-credits': 'true',
      });
      expect(refused).toBeUndefined();
      expect(waitedMs).toBe(5_000);
      expect(balance.credits).toEqual({});
      expect(seen.warnings).toEqual([
        "Could not read the Kie.ai credit balance: No answer within 5 s of the last task's end. Going on without the credit outputs.",
      ]);
      expect(balanceReads()).toHaveLength(1);
    });

    it('fails the step then when min-credits needed it', async () => {
      const { refused, waitedMs } = await endTasksDuringSlowRead({ 'min-credits': '10' });
      expect(waitedMs).toBe(5_000);
      expect(refused).toEqual({
        kind: 'api',
        message:
          "Could not read the Kie.ai credit balance, which 'min-credits' (10) needs checked first: No answer within 5 s of the last task's end.",
      });
    });
  });

  it('kie-task wait reads nothing unless --report-credits', async () => {
    kie.script('t1', [{ state: 'success' }]);
    const io = {
      stdout: { write: () => true },
      stderr: { write: () => true },
      env: { KIE_API_KEY: kie.apiKey },
      cwd: process.cwd(),
    };
    const fast = ['--base-url', kie.url, '--max-requests-per-second', '100'];
    expect(await main(['wait', 't1', ...fast], io)).toBe(0);
    expect(balanceReads()).toEqual([]);
    kie.script('t2', [{ state: 'success' }]);
    expect(await main(['wait', 't2', '--report-credits', ...fast], io)).toBe(0);
    expect(balanceReads()).toHaveLength(2);
  });
});

describe('the balance before and after', () => {
  it('reads it once before and once after, and sets what the run used', async () => {
    kie.script('t1', [running, running, { state: 'success' }], withImage);
    // 100 ms apart, so the order the server sees is the order they were sent, however busy the
    // machine (at 100 a second, a poll whose connection is slow to open can arrive second).
    const run = await runInProcess(inputs({ 'task-id': 't1', 'max-requests-per-second': '10' }));
    expect(run.failed).toBe(false);
    // The simulator takes 1 credit off for a task whose record names no cost.
    expect(run.outputs).toMatchObject({
      creditsBefore: String(INITIAL_BALANCE),
      creditsAfter: '59.62',
      creditsUsed: '1',
    });
    const paths = kie.requests.map((request) => request.path);
    // The first poll goes first; the read before queues behind it.
    expect(paths.slice(0, 2)).toEqual([POLL_PATH, CREDIT_PATH]);
    expect(paths.at(-1)).toBe(CREDIT_PATH);
    expect(balanceReads()).toHaveLength(2);
    expect(balanceReads()[0]!.headers.authorization).toBe(`Bearer ${kie.apiKey}`);
    expect(run.summary).toContain('**Credits:** 1 used · 59.62 left');
    expect(run.log).not.toContain('::warning::');
  });

  it('reads it twice however many tasks, adds each task’s own cost to tasks and the table', async () => {
    kie.script('a', [
      running,
      { state: 'success', record: { creditsConsumed: 2.5, costTime: 14 } },
    ]);
    kie.script('b', [running, { state: 'success', record: { creditsConsumed: 0.8 } }]);
    kie.script('c', [running, running, { state: 'success' }]);
    const run = await runInProcess(inputs({ 'task-id': 'a b c' }));
    expect(run.failed).toBe(false);
    expect(balanceReads()).toHaveLength(2);
    // 60.62 - 2.5 - 0.8 - 1, rounded to the cent, not 4.299999999999997.
    expect(run.outputs).toMatchObject({ creditsAfter: '56.32', creditsUsed: '4.3' });
    const [a, b, c] = JSON.parse(run.outputs.tasks!);
    expect(a).toMatchObject({ creditsConsumed: 2.5, costTime: 14 });
    expect(b).toMatchObject({ creditsConsumed: 0.8 });
    expect(b).not.toHaveProperty('costTime');
    expect(c).not.toHaveProperty('creditsConsumed');
    expect(run.summary).toContain('| Task | State | Generation | Waited | Credits |');
    expect(run.summary).toMatch(/^\| `a` \|.*\| 2\.5 \|$/m);
    expect(run.summary).toContain('**Credits:** 4.3 used (the tasks report 3.3) · 56.32 left');
  });

  it('takes its slots from the step’s request budget', async () => {
    kie.script('t1', [{ state: 'success' }]);
    const run = await runInProcess(inputs({ 'task-id': 't1', 'max-requests-per-second': '4' }));
    expect(run.failed).toBe(false);
    // Read, poll, read: at 4/s each waits its 250 ms slot (less a little for a busy event loop).
    const [poll, read, after] = kie.requests;
    expect([poll!.path, read!.path, after!.path]).toEqual([POLL_PATH, CREDIT_PATH, CREDIT_PATH]);
    expect(read!.at - poll!.at).toBeGreaterThanOrEqual(230);
    expect(after!.at - read!.at).toBeGreaterThanOrEqual(230);
  });

  it('leaves the balance unread when the timeout has room for one poll only, unless min-credits', async () => {
    kie.script('t1', [{ state: 'generating' }]);
    const once = await runInProcess(localInputs(kie, { 'task-id': 't1', timeout: '0' }));
    expect(once.outputs).toMatchObject({ pollCount: '1', state: 'generating', creditsBefore: '' });
    expect(balanceReads()).toEqual([]);
    expect(once.summary).not.toContain('Credits:**');
    const guarded = await runInProcess(
      localInputs(kie, { 'task-id': 't1', timeout: '0', 'min-credits': '1' }),
    );
    expect(guarded.outputs.creditsBefore).toBe('60.62');
    // The read took the only slot before the deadline: the task is still asked about once.
    expect(guarded.outputs).toMatchObject({ pollCount: '1', state: 'generating' });
  });

  it('leaves the Credits column out when no task reports its cost', async () => {
    kie.script('a', [{ state: 'success' }]);
    kie.script('b', [{ state: 'success' }]);
    const run = await runInProcess(inputs({ 'task-id': 'a b' }));
    expect(run.summary).toContain('| Task | State | Generation | Waited |\n');
  });

  it.each([
    ['a 5xx', serverError, 3],
    ['an HTML page', htmlPage, 3],
    ['no number', { body: { code: 200, msg: 'success', data: { credits: 'lots' } } }, 3],
  ] as [string, RawReply, number][])(
    'goes on with one warning and empty credit outputs when it answers %s',
    async (_, fault, tries) => {
      kie.scriptCredits(always(fault));
      kie.script('t1', [running, { state: 'success' }], {
        resultJson: '{"resultUrls":["https://cdn.example/a.png"]}',
      });
      const run = await runInProcess(inputs({ 'task-id': 't1' }));
      expect(run.failed).toBe(false);
      expect(run.outputs).toMatchObject({
        state: 'success',
        resultUrls: '["https://cdn.example/a.png"]',
        creditsBefore: '',
        creditsAfter: '',
        creditsUsed: '',
      });
      expect(warnings(run.log)).toHaveLength(1);
      expect(warnings(run.log)[0]).toMatch(
        /^::warning::Could not read the Kie\.ai credit balance: .*Going on without the credit outputs\.$/,
      );
      // Transient faults are tried three times, a fatal one once; the read after is skipped.
      expect(balanceReads()).toHaveLength(tries);
      expect(run.summary).toContain('**Credits:** the balance could not be read');
    },
  );

  it('leaves a refused key to the polls to report: a debug line, no warning', async () => {
    kie.scriptCredits(always({ body: { code: 401, msg: 'You do not have access permissions' } }));
    kie.script('t1', [{ state: 'success' }], {
      resultJson: '{"resultUrls":["https://cdn.example/a.png"]}',
    });
    const run = await runInProcess(inputs({ 'task-id': 't1' }));
    expect(run.failed).toBe(false);
    expect(warnings(run.log)).toEqual([]);
    expect(run.log).toContain(
      '::debug::Could not read the Kie.ai credit balance: Kie.ai rejected the API key',
    );
    expect(balanceReads()).toHaveLength(1);
  });

  it('tries a rate-limited or failing read again and then uses it', async () => {
    kie.scriptCredits([{ status: 429, body: { code: 429, msg: 'too many' } }, serverError]);
    kie.scriptCreate([{ taskId: 'new-1', replies: [{ state: 'success', record: withImage }] }]);
    const run = await runInProcess(inputs({ model: 'm', input: '{}' }));
    expect(run.outputs).toMatchObject({ creditsBefore: '60.62', creditsUsed: '1' });
    expect(balanceReads()).toHaveLength(4);
    expect(warnings(run.log)).toEqual([]);
  });

  it('gives the read after the tasks 5 s at most', async () => {
    kie.scriptCredits([
      { body: { code: 200, data: 5 } },
      { body: { code: 200, data: 4 }, delayMs: 20_000 },
    ]);
    kie.script('t1', [{ state: 'success' }]);
    // A request's time limit is a setTimeout (the simulator's delay too) and the run reads
    // Date.now: faked, they go on with real time and jump when the test moves them, while the
    // polls' sleeps and the HTTP stay real.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], shouldAdvanceTime: true });
    try {
      let ended = false;
      const deps = { ...systemRuntime, now: () => Date.now() };
      const run = runInProcess(inputs({ 'task-id': 't1' }), { deps }).finally(() => (ended = true));
      while (balanceReads().length < 2) await sleep(5);
      // Without the bound it waits for the 10 s request timeout, then tries again. Real time
      // moves the faked clock too, by as much as a loaded machine spends here: a second's margin.
      await vi.advanceTimersByTimeAsync(4_000);
      await sleep(50);
      expect(ended).toBe(false);
      await vi.advanceTimersByTimeAsync(1_100);
      const first = await within(run, 2_000);
      expect(first).not.toBe('still running');
      const { outputs, log } = first as Awaited<typeof run>;
      expect(outputs).toMatchObject({ creditsBefore: '5', creditsAfter: '', state: 'success' });
      expect(warnings(log).join('\n')).toContain(
        'Could not read the Kie.ai credit balance after the tasks',
      );
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps the balance before when only the read after fails', async () => {
    kie.script('t1', [running, { state: 'success' }], withImage);
    kie.scriptCredits([{ body: { code: 200, msg: 'success', data: 60.62 } }, ...always(htmlPage)]);
    const run = await runInProcess(inputs({ 'task-id': 't1' }));
    expect(run.failed).toBe(false);
    expect(run.outputs).toMatchObject({
      creditsBefore: '60.62',
      creditsAfter: '',
      creditsUsed: '',
    });
    expect(warnings(run.log)).toHaveLength(1);
    expect(warnings(run.log)[0]).toContain('after the tasks');
    expect(run.summary).toContain('**Credits:** 60.62 at the start, not read after');
  });

  it('reads a balance given as digits in a string', async () => {
    kie.scriptCredits([{ body: { code: 200, msg: 'success', data: '120' } }]);
    kie.script('t1', [{ state: 'success' }]);
    const run = await runInProcess(inputs({ 'task-id': 't1' }));
    expect(run.outputs).toMatchObject({ creditsBefore: '120', creditsAfter: '59.62' });
    expect(run.outputs.creditsUsed).toBe('60.38');
  });
});

describe('min-credits', () => {
  it('stops the wait when the balance is below it, in one line', async () => {
    kie.script('t1', [running, running, running]);
    // The next poll 10 minutes on: the verdict must end the step at once, not after that wait.
    const slow = { 'poll-interval': '10m', 'max-poll-interval': '10m', timeout: '1h' };
    const stopped = runInProcess(inputs({ 'task-id': 't1', 'min-credits': '100', ...slow }));
    const run = await within(stopped, 5_000);
    if (run === 'still running') throw new Error('min-credits did not end the wait between polls');
    expect(run.failed).toBe(true);
    expect(errors(run.log)).toEqual([
      "::error::The Kie.ai balance is 60.62 credits, below 'min-credits' (100).",
    ]);
    // The read ran beside the first poll, and no poll followed its verdict.
    expect(kie.requests.map((request) => request.path)).toEqual([POLL_PATH, CREDIT_PATH]);
    // The id stays in the output, so a later step can wait for it.
    expect(run.outputs).toMatchObject({ creditsBefore: '60.62', creditsAfter: '', taskId: 't1' });
    expect(run.summary).toContain("below \\'min\\-credits\\' \\(100\\)");
    expect(run.summary).toContain('**Credits:** 60.62 at the start, not read after');
  });

  it('creates nothing in create mode when the balance is below it', async () => {
    kie.scriptCreate([{ taskId: 'new-1', replies: [{ state: 'success' }] }]);
    const run = await runInProcess(inputs({ model: 'm', input: '{}', 'min-credits': '60.63' }));
    expect(run.failed).toBe(true);
    expect(errors(run.log)[0]).toContain("below 'min-credits' (60.63). Nothing was created.");
    expect(kie.taskRequests()).toEqual([]);
  });

  it('goes on when the balance reaches it', async () => {
    kie.scriptCreate([{ taskId: 'new-1', replies: [{ state: 'success' }] }]);
    const run = await runInProcess(inputs({ model: 'm', input: '{}', 'min-credits': '60.62' }));
    expect(run.failed).toBe(false);
    expect(run.outputs).toMatchObject({ taskId: 'new-1', creditsUsed: '1' });
  });

  it.each([
    ['a 5xx', always(serverError), 'Kie.ai server error (500'],
    [
      'an HTML page',
      always(htmlPage),
      'not a Kie.ai reply: <html><body>Bad gateway</body></html>. Nothing was created.',
    ],
  ])('fails closed when the balance answers %s', async (_, replies, reason) => {
    kie.scriptCredits(replies);
    kie.scriptCreate([{ taskId: 'new-1', replies: [{ state: 'success' }] }]);
    const run = await runInProcess(inputs({ model: 'm', input: '{}', 'min-credits': '10' }));
    expect(run.failed).toBe(true);
    const [error] = errors(run.log);
    expect(error).toMatch(
      /^::error::Could not read the Kie\.ai credit balance, which 'min-credits' \(10\) needs checked first: /,
    );
    expect(error).toContain(reason);
    expect(error).toMatch(/Nothing was created\.$/);
    expect(kie.taskRequests()).toEqual([]);
  });

  it('fails closed on a bad key, naming it', async () => {
    kie.script('t1', [{ state: 'success' }]);
    const run = await runInProcess(
      inputs({ 'task-id': 't1', 'min-credits': '10', 'api-key': 'wrong-key' }),
    );
    expect(run.failed).toBe(true);
    expect(errors(run.log)[0]).toContain('Kie.ai rejected the API key (401');
    expect(errors(run.log)[0]).toContain("Check 'api-key'");
    // The poll and the read, side by side, both refused.
    expect(kie.requests).toHaveLength(2);
  });

  it.each(['lots', '-5', '1e3', '0x10'])('rejects %j in one line', async (bad) => {
    const run = await runInProcess(inputs({ 'task-id': 't1', 'min-credits': bad }));
    expect(errors(run.log)).toEqual([
      `::error::Input 'min-credits' must be a number of credits, such as 50 or 12.5 (got '${bad}').`,
    ]);
    expect(kie.requests).toEqual([]);
  });
});

describe('a cancelled run', () => {
  it('stops a slow balance read at once and creates nothing', async () => {
    kie.scriptCredits([{ body: { code: 200, data: 99 }, delayMs: 300 }]);
    kie.scriptCreate([{ taskId: 'new-1', replies: [{ state: 'success' }] }]);
    const controller = new AbortController();
    const timer = setInterval(() => balanceReads().length > 0 && controller.abort(), 5);
    try {
      const run = await runInProcess(inputs({ model: 'm', input: '{}' }), {
        signal: controller.signal,
      });
      expect(run.failed).toBe(true);
      expect(errors(run.log)).toEqual(['::error::The run was cancelled. Nothing was created.']);
      expect(run.outputs.creditsBefore).toBe('');
    } finally {
      clearInterval(timer);
    }
    // Past the read's reply: a run that only stopped waiting for it would create now.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(kie.taskRequests()).toEqual([]);
  });
});

describe('readBalance', () => {
  const deps = (now: () => number = Date.now) => ({
    now,
    sleep: () => Promise.resolve(),
    random: Math.random,
    logger: { info: () => {}, warning: () => {}, debug: () => {} },
  });

  it('gives up on a slow balance endpoint after three requests', async () => {
    kie.scriptCredits(always({ body: { code: 200, data: 1 }, delayMs: 2_000 }));
    const client = balanceClient({ baseUrl: kie.url, apiKey: kie.apiKey }, deps(), 50);
    try {
      const budget = new RequestBudget(100, deps());
      await expect(readBalance(client, budget, deps(), 10)).rejects.toThrow(
        /no complete reply within 50ms\b/,
      );
      expect(balanceReads()).toHaveLength(3);
    } finally {
      client.dispose();
    }
  });

  it('ends by `until`, a request in flight included', async () => {
    kie.scriptCredits(always({ body: { code: 200, data: 1 }, delayMs: 5_000 }));
    const client = balanceClient({ baseUrl: kie.url, apiKey: kie.apiKey }, deps());
    try {
      const budget = new RequestBudget(100, deps());
      const read = readBalance(client, budget, deps(), 10, Date.now() + 100);
      await expect(read).rejects.toThrow(/had not answered within/);
      expect(balanceReads()).toHaveLength(1);
    } finally {
      client.dispose();
    }
  });

  it("gives up at once, sending nothing, when a 429's pause lasts past `until`", async () => {
    const clock = new VirtualClock(1_000_000);
    const virtual = { ...deps(clock.now), sleep: clock.sleep };
    const client = balanceClient({ baseUrl: kie.url, apiKey: kie.apiKey }, virtual);
    try {
      const budget = new RequestBudget(100, clock);
      budget.rateLimited(30_000); // Retry-After: 30, from a task's poll
      const read = readBalance(client, budget, virtual, 10, clock.now() + 5_000);
      // Without the check it waits in line for its whole 5 s, then fails all the same.
      await expect(clock.run(read)).rejects.toThrow(/pauses requests for longer than it may take/);
      expect(clock.now()).toBe(1_000_000);
      expect(balanceReads()).toEqual([]);
    } finally {
      client.dispose();
    }
  });

  it('tries no more once its 20 s are spent', async () => {
    kie.scriptCredits(always(serverError));
    let clock = 0;
    // Each reading of the clock is 15 s later: after the first fault the patience is gone.
    const late = deps(() => (clock += 15_000));
    const client = balanceClient({ baseUrl: kie.url, apiKey: kie.apiKey }, late);
    try {
      const error = await readBalance(client, new RequestBudget(100, late), late, 10).catch(
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(KieApiError);
      expect(balanceReads()).toHaveLength(1);
    } finally {
      client.dispose();
    }
  });
});

describe('kie-task credits', () => {
  async function cli(args: string[], env: Record<string, string | undefined> = {}) {
    let stdout = '';
    let stderr = '';
    const code = await main(args, {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      env: { KIE_API_KEY: kie.apiKey, ...env },
      cwd: process.cwd(),
    });
    return { code, stdout, stderr };
  }
  const fast = () => [
    ...['--base-url', kie.url, '--poll-interval', '10ms'],
    ...['--max-requests-per-second', '100'],
  ];

  it('prints the balance, as {"credits": n} with --json', async () => {
    expect(await cli(['credits', ...fast()])).toMatchObject({ code: 0, stdout: '60.62\n' });
    const json = await cli(['credits', '--json', ...fast()]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ credits: 60.62 });
    expect(balanceReads()).toHaveLength(2);
  });

  it('exits 4 when the API refuses the key, naming KIE_API_KEY', async () => {
    const run = await cli(['credits', ...fast()], { KIE_API_KEY: 'wrong-key' });
    expect(run.code).toBe(4);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('Kie.ai rejected the API key (401');
    expect(run.stderr).toContain('Check KIE_API_KEY');
    expect(run.stderr).not.toContain('wrong-key');
  });

  it('exits 4 when the balance cannot be read after its tries', async () => {
    kie.scriptCredits(always(htmlPage));
    const run = await cli(['credits', ...fast()]);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/kie-task: Could not read the Kie.ai credit balance: .*Bad gateway/);
    expect(balanceReads()).toHaveLength(3);
  });

  it('exits 6 below --min-credits (not 4, a refusal), after printing the balance', async () => {
    const run = await cli(['credits', '--min-credits', '100', ...fast()]);
    expect(run.code).toBe(6);
    expect(run.stdout).toBe('60.62\n');
    expect(run.stderr).toContain(
      "kie-task: The Kie.ai balance is 60.62 credits, below '--min-credits' (100).",
    );
    expect((await cli(['credits', '--min-credits', '60', ...fast()])).code).toBe(0);
  });

  it('rejects task ids and bad values as usage errors', async () => {
    expect((await cli(['credits', 't1', ...fast()])).code).toBe(2);
    const bad = await cli(['credits', '--min-credits', 'x', ...fast()]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Option '--min-credits' must be a number of credits");
  });

  it('wait --json carries the credit fields; --min-credits stops wait with exit 6', async () => {
    kie.script('t1', [running, { state: 'success', record: { creditsConsumed: 3 } }]);
    const run = await cli(['wait', 't1', '--json', '--report-credits', ...fast()]);
    expect(run.code).toBe(0);
    const fields = JSON.parse(run.stdout);
    expect(fields).toMatchObject({ creditsBefore: 60.62, creditsAfter: 57.62, creditsUsed: 3 });
    expect(fields.tasks[0]).toMatchObject({ creditsConsumed: 3 });
    const guarded = await cli(['wait', 't1', '--min-credits', '100', ...fast()]);
    expect(guarded.code).toBe(6);
    expect(guarded.stderr).toContain("below '--min-credits' (100).\n");
  });

  it('create --min-credits creates nothing below the minimum', async () => {
    kie.scriptCreate([{ taskId: 'new-1', replies: [{ state: 'success' }] }]);
    const run = await cli(['create', '--model', 'm', '--min-credits', '61', ...fast()]);
    expect(run.code).toBe(6);
    expect(run.stderr).toContain("below '--min-credits' (61). Nothing was created.");
    expect(kie.taskRequests()).toEqual([]);
  });

  it('lists the credits command and --min-credits in --help', async () => {
    const { stdout } = await cli(['--help']);
    expect(stdout).toContain('kie-task credits');
    expect(stdout).toContain('--min-credits <n>');
  });
});
