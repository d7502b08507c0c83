// The request budget shared by many poll loops, in virtual time: every figure here is exact.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KieApiError, KieClient } from '../src/kie/client.js';
import type { TaskRecord } from '../src/kie/schema.js';
import { silentLogger } from '../src/logger.js';
import { ACTION_NAMES } from '../src/settings/constants.js';
import { budgetedSource, noSlot, RequestBudget } from '../src/wait/budget.js';
import { waitForTask, type TaskSource } from '../src/wait/wait.js';
import { startKieServer, type KieServer } from './support/kie-server.js';
import { VirtualClock } from './support/virtual-clock.js';
import { peakInWindow } from './support/request-rate.js';
import { seededRandom } from './support/seeded-random.js';

const gaps = (times: number[]) => times.slice(1).map((t, i) => t - times[i]!);

/** Callers that each take `count` slots in turn, calling `after(i)` once slot i is granted. */
async function takeSlots(
  clock: VirtualClock,
  budget: RequestBudget,
  count: number,
  after: (i: number) => void = () => {},
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    await budget.acquire();
    times.push(clock.now());
    after(i);
  }
  return times;
}

/** One request a second for 10 s (11 requests, 0 to 10 s), ending as the 10th second does. */
async function sendOnePerSecond(clock: VirtualClock, budget: RequestBudget): Promise<void> {
  for (let i = 0; i <= 10; i++) {
    await budget.acquire();
    if (i < 10) await clock.sleep(1_000);
  }
}

/** A budget of 1/s that granted a request at 0, then got a 429 asking for a minute's pause; its
 * callers record `name:granted@time`. */
async function pausedForAMinute(sameMoment?: 'newest first') {
  const clock = new VirtualClock(0, sameMoment);
  const budget = new RequestBudget(1, clock);
  const answers: string[] = [];
  const caller = async (name: string, deadline: number, signal?: AbortSignal) => {
    answers.push(`${name}:${await budget.acquire(deadline, signal)}@${clock.now()}`);
  };
  await clock.run(budget.acquire());
  budget.rateLimited(60_000);
  return { clock, budget, answers, caller };
}

describe('the request budget', () => {
  it('spaces requests exactly 1/rate apart, rounded up to the millisecond', async () => {
    const clock = new VirtualClock();
    const budget = new RequestBudget(1.5, clock);
    const granted: number[] = [];
    const caller = async () => {
      await budget.acquire();
      granted.push(clock.now());
    };
    await clock.run(Promise.all([caller(), caller(), caller(), caller()]));
    expect(granted).toEqual([0, 667, 1_334, 2_001]);

    // After a quiet spell the first request goes at once, the next one a spacing later.
    await clock.run(clock.sleep(10_000));
    await clock.run(Promise.all([caller(), caller()]));
    expect(granted.slice(4)).toEqual([12_001, 12_668]);
  });

  it('refuses a rate that is not a positive number', () => {
    const clock = new VirtualClock();
    expect(() => new RequestBudget(0, clock)).toThrow(RangeError);
    expect(() => new RequestBudget(Number.NaN, clock)).toThrow(RangeError);
    expect(() => new RequestBudget(-1, clock)).toThrow('Not a request rate: -1.');
  });

  it("tells whether a 429's pause lasts past a moment, and never once cancelled", () => {
    const clock = new VirtualClock(1_000);
    const budget = new RequestBudget(1, clock);
    expect(budget.pausedPast(1_000)).toBe(false);
    budget.rateLimited(30_000);
    expect(budget.pausedPast(30_999)).toBe(true);
    expect(budget.pausedPast(31_000)).toBe(false);
    expect(budget.pausedPast(31_001)).toBe(false);
    budget.cancel();
    expect(budget.pausedPast(1_000)).toBe(false);
  });

  it('says, when no slot came, that nothing was sent, naming the input that sets the rate', () => {
    const error = noSlot(ACTION_NAMES);
    expect(error.message).toBe(
      "No request slot came free before the timeout (see 'max-requests-per-second').",
    );
    expect(error.kind).toBe('transient');
    expect(error.more).toEqual({ neverSent: true, queued: true });
  });

  it('keeps 500 callers under the rate in every 1 s and 10 s window, first come first served', async () => {
    const clock = new VirtualClock();
    const budget = new RequestBudget(1.5, clock);
    const random = seededRandom(42);
    const asked: string[] = [];
    const granted: { who: string; at: number }[] = [];
    const loop = async (caller: number) => {
      await clock.sleep(Math.round(random() * 60_000));
      for (let request = 0; request < 3; request++) {
        const who = `${caller}/${request}`;
        asked.push(who);
        await budget.acquire();
        granted.push({ who, at: clock.now() });
        await clock.sleep(Math.round(random() * 5_000));
      }
    };
    await clock.run(Promise.all(Array.from({ length: 500 }, (_, caller) => loop(caller))));

    const times = granted.map((grant) => grant.at);
    expect(times).toHaveLength(1_500);
    expect(peakInWindow(times, 1_000)).toBe(2);
    expect(peakInWindow(times, 10_000)).toBe(15);
    expect(Math.min(...gaps(times))).toBe(667);
    // Saturated from the first request on: no slot is wasted.
    expect(times.at(-1)! - times[0]!).toBe(1_499 * 667);
    expect(granted.map((grant) => grant.who)).toEqual(asked);
  });

  it('hands out slots in the order they were asked for', async () => {
    const clock = new VirtualClock();
    const budget = new RequestBudget(1, clock);
    const order: string[] = [];
    const caller = async (name: string, asksAt: number) => {
      await clock.sleep(asksAt);
      await budget.acquire();
      order.push(`${name}@${clock.now()}`);
    };
    await clock.run(
      Promise.all([
        caller('late', 1_500),
        caller('first', 0),
        caller('second', 0),
        caller('mid', 900),
      ]),
    );
    expect(order).toEqual(['first@0', 'second@1000', 'mid@2000', 'late@3000']);
  });

  it('pauses everyone queued for Retry-After after a 429, then cuts the rate', async () => {
    const clock = new VirtualClock();
    const budget = new RequestBudget(1, clock);
    const granted: number[] = [];
    const caller = async (rateLimited: boolean) => {
      await budget.acquire();
      granted.push(clock.now());
      await clock.sleep(300); // the request's round trip
      if (rateLimited) budget.rateLimited(5_000);
    };
    await clock.run(Promise.all([caller(true), caller(false), caller(false), caller(false)]));
    // One request in its first 1.3 s was 0.77/s really sent: cut to 70% of that, 0.54/s (1838 ms
    // apart), then recovering slowly.
    expect(granted).toEqual([0, 5_300, 7_138, 8_969]);
  });

  it('lets a caller give up at its deadline instead of waiting past it', async () => {
    const clock = new VirtualClock();
    const budget = new RequestBudget(1, clock);
    const answers: string[] = [];
    const caller = async (name: string, deadline: number) => {
      const granted = await budget.acquire(deadline);
      answers.push(`${name}:${granted}@${clock.now()}`);
    };
    await clock.run(
      Promise.all([
        caller('a', Infinity),
        caller('b', 500),
        caller('c', 1_000),
        caller('d', 5_000),
      ]),
    );
    // b's deadline comes before the next slot (1000): it is told no at 500. c gets the slot at its
    // deadline exactly; d the one after.
    expect(answers).toEqual(['a:true@0', 'b:false@500', 'c:true@1000', 'd:true@2000']);
  });

  it('says no at a deadline that comes while the budget sleeps through a pause', async () => {
    const clock = new VirtualClock();
    const budget = new RequestBudget(1, clock);
    const answers: string[] = [];
    const caller = async (name: string, joinsAt: number, deadline: number) => {
      await clock.sleep(joinsAt);
      const granted = await budget.acquire(deadline);
      answers.push(`${name}:${granted}@${clock.now()}`);
    };
    await clock.run(
      Promise.all([
        (async () => {
          await budget.acquire();
          budget.rateLimited(60_000); // Retry-After: 60
          await budget.acquire(); // the dispatcher now sleeps until 60 s
          answers.push(`first:true@${clock.now()}`);
        })(),
        caller('late', 1_000, 5_000),
        caller('later', 2_000, 3_000),
        caller('patient', 3_000, 90_000),
      ]),
    );
    expect(answers).toEqual([
      'later:false@3000',
      'late:false@5000',
      'first:true@60000',
      // 1/s was cut to 0.7/s, and a minute later is back to 0.78/s (1280 ms apart).
      'patient:true@61280',
    ]);
  });

  it("gives a task's first request a slot free within one spacing, even past its deadline", async () => {
    const clock = new VirtualClock();
    const budget = new RequestBudget(1, clock);
    const answers: string[] = [];
    const caller = async (name: string, deadline: number, first: boolean) => {
      const granted = await budget.acquire(deadline, undefined, first);
      answers.push(`${name}:${granted}@${clock.now()}`);
    };
    // A balance read took the slot at 0; then three tasks with timeout 0 ask at once. The first
    // is asked a spacing later; the others queue behind it and give up, as do later polls.
    await clock.run(
      Promise.all([
        caller('balance', Infinity, false),
        caller('a', 0, true),
        caller('b', 0, true),
        caller('again', 0, false),
      ]),
    );
    expect(answers).toEqual(['balance:true@0', 'again:false@0', 'a:true@1000', 'b:false@1000']);

    // Nor does a first request wait out a 429's pause: at 11 s a slot would have been free at
    // once but for the pause, so it gives up at its own deadline, 0.5 s later, not at 71 s.
    answers.length = 0;
    await clock.run(clock.sleep(10_000));
    budget.rateLimited(60_000);
    await clock.run(caller('paused', clock.now() + 500, true));
    expect(answers).toEqual(['paused:false@11500']);
  });

  it('lets a caller whose signal aborts leave the line at once, the next taking its slot', async () => {
    const clock = new VirtualClock();
    const budget = new RequestBudget(1, clock);
    const answers: string[] = [];
    const leaving = new AbortController();
    const caller = async (name: string, signal?: AbortSignal) => {
      answers.push(`${name}:${await budget.acquire(Infinity, signal)}@${clock.now()}`);
    };
    await clock.run(
      Promise.all([
        caller('first'),
        caller('leaving', leaving.signal),
        caller('next'),
        clock.sleep(300).then(() => {
          leaving.abort();
          return caller('asks-after', leaving.signal);
        }),
      ]),
    );
    expect(answers).toEqual([
      'first:true@0',
      'leaving:false@300',
      'asks-after:false@300',
      'next:true@1000',
    ]);
  });

  it("leaves no timer behind once the line is empty, however long a 429's pause", async () => {
    const { clock, budget, answers, caller } = await pausedForAMinute();
    // A fresh link's wait, left when its download's own timeout aborts: the dispatcher slept on.
    const download = new AbortController();
    const leaving = caller('download', Infinity, download.signal);
    await clock.run(clock.sleep(1_000).then(() => download.abort()));
    await clock.run(leaving);
    expect(clock.pendingTimers).toBe(0);

    // A poll's own timer for its deadline, and the dispatcher's, once the run is cancelled.
    const queued = Promise.all([caller('patient', 90_000), caller('poll', 5_000)]);
    await clock.run(clock.sleep(1_000).then(() => budget.cancel()));
    await clock.run(queued);
    expect(clock.pendingTimers).toBe(0);
    expect(answers).toEqual(['download:false@1000', 'patient:false@2000', 'poll:false@2000']);
  });

  it('still answers the rest of the line when a caller with a deadline leaves it early', async () => {
    const { clock, answers, caller } = await pausedForAMinute();
    // The budget sleeps through the pause for 'patient': 'leaving' sets a timer for its deadline,
    // then its signal aborts first.
    const leaving = new AbortController();
    const line = Promise.all([
      caller('patient', 90_000),
      caller('leaving', 5_000, leaving.signal),
      clock.sleep(1_000).then(() => leaving.abort()),
    ]);
    await clock.run(line);
    expect(answers).toEqual(['leaving:false@1000', 'patient:true@60000']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('serves a caller whose deadline is the moment a pause ends, whichever timer fires first', async () => {
    // Timers due together fire newest first here: a timer of the caller's own, due as the
    // dispatcher wakes, would say no before the dispatcher could grant the slot.
    const { clock, answers, caller } = await pausedForAMinute('newest first');
    // 'leaving' starts the dispatcher's sleep through the pause, then leaves 'exact' first in line.
    const leaving = new AbortController();
    const line = Promise.all([
      caller('leaving', 90_000, leaving.signal),
      caller('exact', 60_000),
      clock.sleep(1_000).then(() => leaving.abort()),
    ]);
    await clock.run(line);
    expect(answers).toEqual(['leaving:false@1000', 'exact:true@60000']);
  });

  it('refuses every caller once cancelled, those asking later too', async () => {
    const clock = new VirtualClock();
    const budget = new RequestBudget(1, clock);
    const answers: string[] = [];
    const caller = async (name: string, asksAt: number) => {
      await clock.sleep(asksAt);
      answers.push(`${name}:${await budget.acquire()}@${clock.now()}`);
    };
    await clock.run(
      Promise.all([
        caller('first', 0),
        caller('queued', 0),
        clock.sleep(100).then(() => budget.cancel()),
        caller('later', 200),
      ]),
    );
    expect(answers).toEqual(['first:true@0', 'queued:false@100', 'later:false@200']);
  });

  it('pauses one spacing without Retry-After, and cuts once per episode of 429s', async () => {
    const clock = new VirtualClock();
    const budget = new RequestBudget(1, clock);
    // Every request is answered 429, each within 10 s of the last: one episode, one cut (to 70%
    // of the 1/s sent), then time alone brings the rate back.
    const times = await clock.run(takeSlots(clock, budget, 4, () => budget.rateLimited()));
    expect(gaps(times)).toEqual([1_429, 1_425, 1_420]);
  });

  it('cuts to 70% of the rate really sent, and never below 1/8 of the configured one', async () => {
    const clock = new VirtualClock();
    // 1/s sent, though 2/s was allowed.
    const busy = new RequestBudget(2, clock);
    await clock.run(sendOnePerSecond(clock, busy));
    busy.rateLimited();
    expect(busy.rate()).toBeCloseTo(0.7, 5);

    // A budget that sent one request in the last 10 s has nothing to cut but the floor.
    const quiet = new RequestBudget(1, clock);
    await clock.run(quiet.acquire());
    await clock.run(clock.sleep(9_000));
    quiet.rateLimited();
    expect(quiet.rate()).toBe(1 / 8);
  });

  it('recovers along a cubic: quickly at first, slowly near the rate of the 429, then probes past it', async () => {
    const clock = new VirtualClock();
    const budget = new RequestBudget(2, clock);
    await clock.run(sendOnePerSecond(clock, budget));
    budget.rateLimited();
    const at = (minutes: number) => budget.rate(clock.now() + minutes * 60_000);
    expect(at(0)).toBeCloseTo(0.7, 5);
    expect(at(3)).toBeCloseTo(1 - 0.3 * 0.7 ** 3, 5); // 0.90: most of the way
    expect(at(8)).toBeCloseTo(1 - 0.3 * 0.2 ** 3, 5); // 0.998: lingers where the limit was
    expect(at(10)).toBeCloseTo(1, 5);
    expect(at(15)).toBeCloseTo(1 + 0.3 * 0.5 ** 3, 5); // then probes above it
    expect(at(30)).toBe(2); // never past the configured rate
  });

  it('starts slow when asked to, doubling every 10 s, and cuts to the floor on a 429 then', async () => {
    const clock = new VirtualClock();
    const budget = new RequestBudget(1.5, clock, { slowStart: true });
    expect(budget.rate()).toBe(0.4);
    expect(budget.rate(10_000)).toBeCloseTo(0.8, 5);
    expect(budget.rate(20_000)).toBe(1.5);
    // 20 callers at once: 2.5 s apart at first, the configured 667 ms by 20 s.
    const times = await clock.run(takeSlots(clock, budget, 20));
    expect(gaps(times)[0]).toBe(2_500);
    expect(gaps(times).at(-1)).toBe(667);

    // Jobs started together are all over their share while they ramp up: a 429 then cuts to 1/8.
    const ramping = new RequestBudget(1.5, clock, { slowStart: true });
    await clock.run(takeSlots(clock, ramping, 3));
    ramping.rateLimited();
    expect(ramping.rate()).toBe(1.5 / 8);
  });

  it('shifts the requests after the first by up to half a spacing later, by the random it is given', async () => {
    const run = async (random: number) => {
      const clock = new VirtualClock();
      const budget = new RequestBudget(1, clock, { random: () => random });
      return clock.run(takeSlots(clock, budget, 3));
    };
    expect(await run(0)).toEqual([0, 1_000, 2_000]);
    expect(await run(0.5)).toEqual([0, 1_250, 2_250]);
    // Never earlier than the spacing: no window holds more than the rate allows.
    expect(await run(0.998)).toEqual([0, 1_499, 2_499]);
  });
});

describe('the request budget, across 429s', () => {
  /** A budget of 2/s that sent 1/s for 10 s, then a 429 asking `retryAfterMs`: cut to 0.7/s. */
  async function throttled(retryAfterMs?: number) {
    const clock = new VirtualClock();
    const budget = new RequestBudget(2, clock);
    await clock.run(sendOnePerSecond(clock, budget));
    budget.rateLimited(retryAfterMs);
    const throttledAt = clock.now();
    const later = async (ms: number) => clock.run(clock.sleep(throttledAt + ms - clock.now()));
    return { budget, later };
  }
  /** The rate `ms` after the 429, recovering along the cubic from 0.7/s back to 1/s. */
  const recovered = (ms: number) => 1 - 0.3 * (1 - ms / 600_000) ** 3;

  it("counts a 429 during another's pause as the same episode, however long after", async () => {
    const { budget, later } = await throttled(60_000);
    await later(30_000);
    budget.rateLimited(60_000);
    expect(budget.rate()).toBeCloseTo(recovered(30_000), 5);
  });

  it('starts a new episode with a 429 at the very end of the pause, or 10 s after the last', async () => {
    // Nothing was sent in the last 10 s: the new cut goes to the floor, 1/8 of 2/s.
    const paused = await throttled(60_000);
    await paused.later(60_000);
    paused.budget.rateLimited();
    expect(paused.budget.rate()).toBe(0.25);

    const brief = await throttled(1_000);
    await brief.later(9_999);
    brief.budget.rateLimited();
    expect(brief.budget.rate()).toBeCloseTo(recovered(9_999), 5);
    await brief.later(19_999);
    brief.budget.rateLimited();
    expect(brief.budget.rate()).toBe(0.25);
  });

  it('cuts to the floor on the first 429 of a slow start only; a later episode cuts to 70%', async () => {
    const clock = new VirtualClock();
    const budget = new RequestBudget(1.5, clock, { slowStart: true });
    await clock.run(clock.sleep(2_000));
    budget.rateLimited();
    // 13 s later, still short of 1.5/s by the slow start, the rate is at the floor (1.5/8).
    await clock.run(clock.sleep(13_000));
    budget.rateLimited();
    const floor = 1.5 / 8;
    expect(budget.rate()).toBe(floor);
    // Cut to 70% of the floor, it recovers past the floor along the cubic: 20 minutes on it is
    // 0.3 of the floor above it (a cut to nothing would climb twice as fast).
    expect(budget.rate(clock.now() + 1_200_000)).toBeCloseTo(floor * 1.3, 5);
  });
});

describe('a budgeted source', () => {
  let kie: KieServer;
  beforeEach(async () => {
    kie = await startKieServer();
  });
  afterEach(() => kie.close());

  it("delays another task's next request after a 429, over real HTTP", async () => {
    const startedAt = 1_700_000_000_000;
    const clock = new VirtualClock(startedAt);
    kie.script(
      'task-a',
      [
        { status: 429, body: { code: 429, msg: 'x' }, headers: { 'retry-after': '2' } },
        { state: 'success' },
      ],
      { createTime: startedAt },
    );
    kie.script('task-b', [{ state: 'generating' }, { state: 'success' }], {
      createTime: startedAt,
    });
    const client = new KieClient({
      baseUrl: kie.url,
      apiKey: kie.apiKey,
      logger: silentLogger,
      now: clock.now,
      requestTimeoutMs: 2_000,
    });
    const sent: string[] = [];
    const http: TaskSource = {
      getTaskRecord(taskId) {
        sent.push(`${taskId}@${clock.now() - startedAt}`);
        return clock.outside(client.getTaskRecord(taskId));
      },
    };
    const source = budgetedSource(http, new RequestBudget(10, clock));
    const wait = (taskId: string) =>
      waitForTask(
        { taskId, timeoutMs: 60_000, pollIntervalMs: 3_000, maxPollIntervalMs: 30_000 },
        { source, now: clock.now, sleep: clock.sleep, random: () => 0.5, logger: silentLogger },
      );
    try {
      const outcomes = await clock.run(Promise.all([wait('task-a'), wait('task-b')]));
      expect(outcomes.map((outcome) => outcome.ending)).toEqual(['finished', 'finished']);
    } finally {
      client.dispose();
    }
    // task-b was due 100 ms in (10/s), but task-a's 429 said 2 s; task-b then waits its own 3.68 s
    // (poll-interval 3 s, +0.34 s per second of age) and task-a backs off 6 s.
    expect(sent).toEqual(['task-a@0', 'task-b@2000', 'task-b@5680', 'task-a@6000']);
    expect(kie.requests.map((request) => request.taskId)).toEqual([
      'task-a',
      'task-b',
      'task-b',
      'task-a',
    ]);
  });

  it("ends a task with a 5 s timeout at 5 s while another task's 429 pauses the budget for a minute", async () => {
    const startedAt = 1_700_000_000_000;
    const clock = new VirtualClock(startedAt);
    kie.script('slow', [
      { status: 429, body: { code: 429, msg: 'x' }, headers: { 'retry-after': '60' } },
      { state: 'success' },
    ]);
    kie.script('other', [{ state: 'success' }]);
    kie.script('quick', [{ state: 'generating' }]);
    const client = new KieClient({
      baseUrl: kie.url,
      apiKey: kie.apiKey,
      logger: silentLogger,
      now: clock.now,
      requestTimeoutMs: 2_000,
    });
    const http: TaskSource = {
      getTaskRecord: (taskId) => clock.outside(client.getTaskRecord(taskId)),
    };
    const source = budgetedSource(http, new RequestBudget(10, clock));
    const wait = (taskId: string, timeoutMs: number, joinsAt: number) =>
      clock
        .sleep(joinsAt)
        .then(() =>
          waitForTask(
            { taskId, timeoutMs, pollIntervalMs: 1_000, maxPollIntervalMs: 1_000 },
            { source, now: clock.now, sleep: clock.sleep, random: () => 0.5, logger: silentLogger },
          ),
        );
    try {
      // 'other' queues behind the pause first, so the budget is asleep when 'quick' asks.
      const [slow, other, quick] = await clock.run(
        Promise.all([
          wait('slow', 120_000, 0),
          wait('other', 120_000, 5),
          wait('quick', 5_000, 10),
        ]),
      );
      // After the minute, 'other' goes first and 'slow' one spacing later (10/s cut to 7/s,
      // recovered to 7.8/s by then: 128 ms).
      expect(slow).toMatchObject({ ending: 'finished', elapsedMs: 60_128 });
      expect(other).toMatchObject({ ending: 'finished', elapsedMs: 59_995 });
      // Refused by the budget at its deadline, 'quick' sent no request: no poll is counted.
      expect(quick).toMatchObject({ ending: 'timeout', elapsedMs: 5_000, polls: 0 });
    } finally {
      client.dispose();
    }
  });

  it('fails every task together, queued or not, once base-url is given up on', async () => {
    const clock = new VirtualClock(1_700_000_000_000);
    const client = new KieClient({
      baseUrl: 'http://127.0.0.1:9', // nothing listens: refused
      apiKey: 'k',
      logger: silentLogger,
      now: clock.now,
    });
    let sent = 0;
    const http: TaskSource = {
      getTaskRecord: (taskId) => (sent++, clock.outside(client.getTaskRecord(taskId))),
    };
    // 300 tasks at 1.5 requests a second: one round alone would take 200 s.
    const source = budgetedSource(http, new RequestBudget(1.5, clock));
    const outcomes = await clock
      .run(
        Promise.all(
          Array.from({ length: 300 }, (_, i) =>
            waitForTask(
              {
                taskId: `t${i}`,
                timeoutMs: 30 * 60_000,
                pollIntervalMs: 3_000,
                maxPollIntervalMs: 30_000,
              },
              {
                source,
                now: clock.now,
                sleep: clock.sleep,
                random: () => 0.5,
                logger: silentLogger,
              },
            ),
          ),
        ),
      )
      .finally(() => client.dispose());
    expect(new Set(outcomes.map((outcome) => outcome.ending))).toEqual(new Set(['error']));
    for (const outcome of outcomes) {
      if (outcome.ending === 'error')
        expect(outcome.error.message).toMatch(
          /^No answer from http:\/\/127\.0\.0\.1:9 in 1m 30s .*Check 'base-url'/,
        );
    }
    // Only the requests sent count as polls, not those refused once base-url was given up on.
    expect(outcomes.reduce((sum, outcome) => sum + outcome.polls, 0)).toBe(sent);
    expect(sent).toBeLessThan(300);
    // All at the same moment: the first try after the limit, ~1.5 min in.
    const ends = new Set(outcomes.map((outcome) => outcome.elapsedMs));
    expect(ends.size).toBe(1);
    expect([...ends][0]).toBeGreaterThanOrEqual(90_000);
    expect([...ends][0]).toBeLessThan(91_000);
  });

  it('cuts on a 429 only: other replies and failed connections leave the recovery to time', async () => {
    const clock = new VirtualClock();
    const record: TaskRecord = {
      taskId: 'task',
      state: 'generating',
      apiState: 'generating',
      stateDocumented: true,
      model: 'test/model',
      resultJson: '',
      resultUrls: [],
      warnings: [],
      failCode: '',
      failMsg: '',
    };
    const replies = [
      new KieApiError('transient', 'rate limited', 429),
      record,
      new KieApiError('not-ready', 'recordInfo is null', 422),
      new KieApiError('transient', 'connection refused'),
    ];
    const sent: number[] = [];
    const source = budgetedSource(
      {
        async getTaskRecord() {
          const reply = replies[sent.length % replies.length]!;
          sent.push(clock.now());
          if (reply instanceof Error) throw reply;
          return reply;
        },
      },
      new RequestBudget(1, clock),
    );
    await clock.run(
      (async () => {
        for (let i = 0; i <= replies.length; i++) {
          await source.getTaskRecord('task').catch(() => {});
        }
      })(),
    );
    // Cut to 70% of the 1/s sent by the 429, then a little more back with every second that
    // passes, whatever the replies.
    expect(gaps(sent)).toEqual([1_429, 1_425, 1_420, 1_416]);
  });
});

describe('a budgeted source, on its own', () => {
  const record = (taskId: string): TaskRecord => ({
    taskId,
    state: 'generating',
    apiState: 'generating',
    stateDocumented: true,
    model: '',
    resultJson: '',
    resultUrls: [],
    warnings: [],
    failCode: '',
    failMsg: '',
  });

  it('names the task that got no slot', async () => {
    const clock = new VirtualClock();
    const budget = new RequestBudget(1, clock);
    budget.cancel();
    const source = budgetedSource({ getTaskRecord: async (id) => record(id) }, budget);
    await expect(source.getTaskRecord('t1')).rejects.toThrow(
      "No request slot came free for task t1 before the timeout (see 'max-requests-per-second').",
    );
  });

  it("lets no fault but a 429 pause or cut the budget: a 455's 30 s is its own task's wait", async () => {
    const clock = new VirtualClock();
    const budget = new RequestBudget(1, clock);
    const maintenance = new KieApiError('transient', 'maintenance', 455, 30_000);
    const source = budgetedSource(
      {
        getTaskRecord: async () => {
          throw maintenance;
        },
      },
      budget,
    );
    await clock.run(source.getTaskRecord('a').catch(() => {}));
    const times = await clock.run(takeSlots(clock, budget, 2));
    expect(times).toEqual([1_000, 2_000]);
    expect(budget.rate()).toBe(1);
  });

  it('fails a task waiting in line with the unreachable base-url, not with no slot', async () => {
    const clock = new VirtualClock();
    const down = new KieApiError('transient', 'base-url is down', undefined, undefined, {
      unreachable: true,
    });
    const source = budgetedSource(
      {
        getTaskRecord: async () => {
          throw down;
        },
      },
      new RequestBudget(1, clock),
    );
    const results = await clock.run(
      Promise.allSettled([source.getTaskRecord('a'), source.getTaskRecord('b')]),
    );
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    const queued = (results[1] as PromiseRejectedResult).reason as KieApiError;
    expect(queued.message).toBe('base-url is down');
    expect(queued.more).toMatchObject({ unreachable: true, queued: true });
    // Asked later, it fails the same way at once.
    await expect(source.getTaskRecord('c')).rejects.toThrow('base-url is down');
  });
});

describe('the virtual clock', () => {
  it('wakes timers due at the same instant in the order they were set', async () => {
    const clock = new VirtualClock();
    const woke: string[] = [];
    const nap = async (name: string, ms: number) => {
      await clock.sleep(ms);
      woke.push(`${name}@${clock.now()}`);
    };
    await clock.run(Promise.all([nap('a', 20), nap('b', 10), nap('c', 20), nap('d', 10)]));
    expect(woke).toEqual(['b@10', 'd@10', 'a@20', 'c@20']);
  });

  it('fails instead of hanging when the work waits for something that never comes', async () => {
    const clock = new VirtualClock();
    await expect(clock.run(new Promise(() => {}))).rejects.toThrow(/no timer/);
  });
});
