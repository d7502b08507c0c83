// One request budget shared by every poll loop of a step. Kie.ai's limit is per account (20
// requests per 10 s), so waiting for hundreds of tasks must not multiply our request rate.
import { ACTION_NAMES, Inputs, type InputNames } from '../settings/constants.js';
import { KieApiError } from '../kie/client.js';
import type { TaskSource } from './wait.js';

export interface Clock {
  now(): number;
  /** Ends early, its timer cleared, when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** 429s slow us down to this share of the configured rate at most; each success wins it back. */
const RATE_STEP_SHARE = 1 / 16;

interface Caller {
  grant: (granted: boolean) => void;
  deadline: number;
}

/** Strict spacing: at most one request every 1/rate seconds, so no window of W seconds ever holds
 * more than ceil(W * rate) requests (no bursts). Slots go out in the order asked for, so the task
 * that has been due longest goes first. */
export class RequestBudget {
  private rate: number;
  private readonly waiting: Caller[] = [];
  private lastGrantedAt = -Infinity;
  private pausedUntil = -Infinity;
  private dispatching = false;
  private cancelled = false;
  /** While the dispatcher sleeps: when it wakes. It grants nothing before then. */
  private sleepingUntil?: number;
  /** Wakes the dispatcher once no one waits: its timer (a 429's minute) must not hold the process. */
  private wake?: AbortController;

  constructor(
    private readonly configuredRate: number,
    private readonly clock: Clock,
  ) {
    // NaN would space nothing, so unlimited; 0 would wait forever.
    if (!(configuredRate > 0)) throw new RangeError(`Not a request rate: ${configuredRate}.`);
    this.rate = configuredRate;
  }

  /**
   * Resolves true when this caller may send one request, or false at `deadline` (epoch ms) if no
   * slot came before it, so a queue of hundreds of tasks cannot hold a poll past its timeout; false
   * also at once when `signal` aborts (a download's own timeout or cancellation).
   * A task's `first` poll may also take a slot that comes within one spacing of asking, however
   * late: time spent before the wait (a balance read) must not leave a task unasked, and as with
   * `timeout: 0` it is asked once. Only a queue of other tasks, or a 429's pause, can.
   */
  acquire(deadline = Infinity, signal?: AbortSignal, first = false): Promise<boolean> {
    if (this.cancelled || signal?.aborted) return Promise.resolve(false);
    if (first) deadline = Math.max(deadline, this.clock.now() + this.spacingMs());
    return new Promise((resolve) => {
      const abandon = () => this.refuse(caller);
      const timer = new AbortController();
      const grant = (granted: boolean) => {
        // Stryker disable next-line StringLiteral: a listener left behind finds its caller answered and does nothing
        signal?.removeEventListener('abort', abandon);
        timer.abort();
        resolve(granted);
      };
      const caller: Caller = { grant, deadline };
      // Stryker disable next-line ObjectLiteral,BooleanLiteral: an AbortSignal fires its abort once anyway
      signal?.addEventListener('abort', abandon, { once: true });
      this.waiting.push(caller);
      // The dispatcher runs exactly while someone waits: start it for the first in line.
      if (!this.dispatching) {
        void this.dispatch();
      } else if (this.sleepingUntil !== undefined && deadline < this.sleepingUntil) {
        // It sleeps past this deadline (a 429's Retry-After, say), so no slot can come before it:
        // a timer of this caller's own says no right at the deadline, cleared once it is answered.
        void this.clock
          .sleep(deadline - this.clock.now(), timer.signal)
          .then(() => this.refuse(caller));
      }
    });
  }

  /** The run is over (cancelled, or base-url given up on): every caller, queued or to come, is refused. */
  cancel(): void {
    this.cancelled = true;
    for (const caller of this.waiting.splice(0)) caller.grant(false);
    this.wake?.abort();
  }

  /** A 429: pause everyone (for Retry-After, else the new spacing) and halve the rate. */
  rateLimited(retryAfterMs?: number): void {
    const now = this.clock.now();
    // A 429 arriving during a pause answers a request sent before it: it tells us nothing new.
    if (now >= this.pausedUntil) {
      this.rate = Math.max(this.rate / 2, this.configuredRate * RATE_STEP_SHARE);
    }
    this.pausedUntil = Math.max(this.pausedUntil, now + (retryAfterMs ?? this.spacingMs()));
  }

  /** True when a 429's pause lasts past `at` (epoch ms): no slot can come before it. */
  pausedPast(at: number): boolean {
    return !this.cancelled && this.pausedUntil > at;
  }

  /** A reply that was not a 429: win back a fixed step of rate. Like TCP's additive increase, it
   * probes the limit gently yet is back at full rate in 8 replies after one halving. */
  succeeded(): void {
    this.rate = Math.min(this.rate + this.configuredRate * RATE_STEP_SHARE, this.configuredRate);
  }

  // Whole milliseconds, rounded up: float slots could squeeze one extra request into a window.
  private spacingMs(): number {
    return Math.ceil(1_000 / this.rate);
  }

  // One dispatcher hands out every slot and recomputes the next one after each sleep, so a 429
  // also holds back callers already queued, and a timer firing early cannot break the spacing.
  private async dispatch(): Promise<void> {
    this.dispatching = true;
    while (this.waiting.length > 0) {
      const now = this.clock.now();
      const nextSlotAt = Math.max(this.pausedUntil, this.lastGrantedAt + this.spacingMs());
      if (nextSlotAt <= now) {
        this.lastGrantedAt = now;
        this.waiting.shift()!.grant(true);
        continue;
      }
      const expired = this.waiting.filter((caller) => caller.deadline <= now);
      if (expired.length > 0) {
        for (const caller of expired) this.waiting.splice(this.waiting.indexOf(caller), 1);
        for (const caller of expired) caller.grant(false);
        continue;
      }
      const wakeAt = Math.min(nextSlotAt, ...this.waiting.map((caller) => caller.deadline));
      this.sleepingUntil = wakeAt;
      this.wake = new AbortController();
      await this.clock.sleep(wakeAt - now, this.wake.signal);
      this.sleepingUntil = this.wake = undefined;
    }
    this.dispatching = false;
  }

  private refuse(caller: Caller): void {
    const index = this.waiting.indexOf(caller);
    if (index === -1) return; // granted or refused already
    this.waiting.splice(index, 1);
    caller.grant(false);
    // Stryker disable next-line ConditionalExpression: waking the dispatcher early only makes it work out the same slot again
    if (this.waiting.length === 0) this.wake?.abort();
  }
}

/** A TaskSource whose every request first takes a slot from the budget, and tells it about 429s. */
/** The budget had no slot before the deadline: nothing was sent. */
export function noSlot(names: InputNames, forWhat = ''): KieApiError {
  return new KieApiError(
    'transient',
    `No request slot came free${forWhat} before the timeout (see ${names.of(Inputs.MaxRequestsPerSecond)}).`,
    undefined,
    undefined,
    { neverSent: true, queued: true },
  );
}

export function budgetedSource(
  source: TaskSource,
  budget: RequestBudget,
  names: InputNames = ACTION_NAMES,
): TaskSource {
  // Once base-url is given up on, every task fails with that at once, queued or not.
  let unreachable: KieApiError | undefined;
  const stopIfUnreachable = () => {
    if (!unreachable) return;
    const { kind, message, code, more } = unreachable;
    throw new KieApiError(kind, message, code, undefined, { ...more, queued: true });
  };
  return {
    async getTaskRecord(taskId, deadline, first) {
      stopIfUnreachable();
      if (!(await budget.acquire(deadline, undefined, first))) {
        stopIfUnreachable();
        throw noSlot(names, ` for task ${taskId}`);
      }
      try {
        // The deadline bounds the request in flight too, not only the wait for its slot.
        const record = await source.getTaskRecord(taskId, deadline);
        budget.succeeded();
        return record;
      } catch (error) {
        // Any reply but a 429 shows the API takes our requests; a failed connection shows nothing.
        if (error instanceof KieApiError) {
          if (error.more.unreachable && !unreachable) {
            unreachable = error;
            budget.cancel();
          }
          if (error.code === 429) budget.rateLimited(error.retryAfterMs);
          else if (error.code !== undefined) budget.succeeded();
        }
        throw error;
      }
    },
  };
}
