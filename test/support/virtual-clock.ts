// Discrete-event virtual time for tests and benchmarks with many async loops at once: a sleep is
// a timer on a virtual timeline, and `run` moves to the next timer only once every promise chain
// has gone as far as it can. Runs are deterministic, and hours of waiting take milliseconds.
import { setImmediate as nextTurn } from 'node:timers/promises';

interface Timer {
  at: number;
  wake: () => void;
}

export class VirtualClock {
  private time: number;
  /** Sorted by `at`; timers due at the same instant in registration order, or its reverse. */
  private readonly timers: Timer[] = [];
  private outsideInFlight = 0;

  constructor(
    startMs = 0,
    /** Real timers due at the same moment can fire in either order: tests can take the other one. */
    private readonly sameMoment: 'oldest first' | 'newest first' = 'oldest first',
  ) {
    this.time = startMs;
  }

  readonly now = (): number => this.time;

  /** As the real one: ends at once, its timer removed, when `signal` aborts. */
  readonly sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise((wake) => {
      if (signal?.aborted) return wake();
      const at = this.time + Math.max(0, ms);
      let index = this.timers.length;
      const before = (timer: Timer) =>
        this.sameMoment === 'newest first' ? timer.at >= at : timer.at > at;
      while (index > 0 && before(this.timers[index - 1]!)) index--;
      const timer = { at, wake };
      this.timers.splice(index, 0, timer);
      signal?.addEventListener(
        'abort',
        () => {
          const position = this.timers.indexOf(timer);
          if (position !== -1) this.timers.splice(position, 1);
          wake();
        },
        { once: true },
      );
    });

  /** Timers set and not yet due: what would keep a real process alive. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Real work (HTTP to a local server) that virtual time waits for, so it takes no virtual time. */
  outside<T>(work: Promise<T>): Promise<T> {
    this.outsideInFlight++;
    return work.finally(() => this.outsideInFlight--);
  }

  /** Advances virtual time, timer by timer, until `work` settles; throws if it never can. */
  async run<T>(work: Promise<T>): Promise<T> {
    let settled = false;
    work.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (;;) {
      // Node runs every queued promise reaction, including those they queue, before the next
      // macrotask: after one turn, all chains have gone as far as they can without a timer.
      await nextTurn();
      if (settled) return work;
      if (this.outsideInFlight > 0) continue;
      const first = this.timers[0];
      if (!first) throw new Error('Virtual clock: the work is pending but no timer is set.');
      this.time = first.at;
      while (this.timers[0]?.at === this.time) this.timers.shift()!.wake();
    }
  }
}

/**
 * Virtual time for code that waits for one thing at a time (a task's poll loop, a create's
 * retries), over real HTTP: each sleep ends at once and moves the time on by its length, and is
 * recorded. Code with many loops sleeping at once needs VirtualClock, which wakes the earliest.
 */
export function instantClock(startMs = Date.now()) {
  let time = startMs;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => time,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      time += ms;
    },
    random: () => 0.5,
  };
}
