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

/** A 429 never slows us below this share of the configured rate: ten jobs at the default 1.5/s
 * all at this floor (0.19/s each) still fit under Kie.ai's 2/s per account. */
const FLOOR_SHARE = 1 / 8;
/** On a 429 the rate is cut to this share of what we were really sending (measured), as AWS SDK's
 * adaptive mode does: a job sending little has little to give back. A 429 during slow start cuts
 * to the floor instead (TCP's restart): every job started together is over its share then. */
const CUT = 0.7;
/** Time for the rate to climb back to where the last 429 came, along a cubic: fast at first (2/3
 * of the way in 3 minutes), slow near that rate, where the limit is, faster again past it (the
 * other jobs may have ended). Slow on purpose: ten jobs that each probe often keep 429s coming
 * (3 minutes: 7% of requests answered 429 in `npm run bench:many`; 10 minutes: 3%). */
const RECOVERY_MS = 600_000;
/** Slow start, as TCP's: the rate starts here and doubles every MEASURE_MS until a 429 or the
 * configured rate, so jobs started together reach the account's limit over half a minute instead
 * of in its first second. 0.4/s is one request every FIRST_WAIT_MS: a lone task's schedule is
 * untouched by it. */
const SLOW_START_RATE = 0.4;
/** The window in which the sending rate is measured: the account limit's own (20 per 10 s). */
const MEASURE_MS = 10_000;

export interface BudgetOptions {
  /** Shifts every request after the first by up to half a spacing later, so jobs started together
   * do not send in step; the first still goes at once (a task already done is answered at once). */
  random?: () => number;
  /** Start slow (see SLOW_START_RATE): for the default rate, which knows nothing of other jobs on
   * the account. A rate the user chose (a manual split) is used from the first request. */
  slowStart?: boolean;
}

interface Caller {
  grant: (granted: boolean) => void;
  deadline: number;
}

/** Strict spacing: at most one request every 1/rate seconds, so no window of W seconds ever holds
 * more than ceil(W * rate) requests (no bursts). Slots go out in the order asked for, so the task
 * that has been due longest goes first. */
export class RequestBudget {
  private readonly waiting: Caller[] = [];
  private lastGrantedAt = -Infinity;
  private firstGrantAt?: number;
  private pausedUntil = -Infinity;
  private dispatching = false;
  private cancelled = false;
  /** While the dispatcher sleeps: when it wakes. It grants nothing before then. */
  private sleepingUntil?: number;
  /** Wakes the dispatcher once no one waits: its timer (a 429's minute) must not hold the process. */
  private wake?: AbortController;

  /** Grants in the last MEASURE_MS: what we really send, which may be far below the rate. */
  private readonly recentGrants: number[] = [];
  private readonly startedAt: number;
  private readonly random?: () => number;
  private readonly slowStart: boolean;
  private throttledAt = -Infinity;
  private lastRateLimitedAt = -Infinity;
  private rateAtThrottle = 0;
  private rateAfterCut = 0;

  constructor(
    private readonly configuredRate: number,
    private readonly clock: Clock,
    options: BudgetOptions = {},
  ) {
    // NaN would space nothing, so unlimited; 0 would wait forever.
    if (!(configuredRate > 0)) throw new RangeError(`Not a request rate: ${configuredRate}.`);
    this.startedAt = clock.now();
    this.random = options.random;
    this.slowStart = options.slowStart ?? false;
  }

  /** The rate allowed now: the configured one, or on its way back to it after a 429. */
  rate(now = this.clock.now()): number {
    if (this.throttledAt === -Infinity) return this.slowStartRate(now);
    const x = (now - this.throttledAt) / RECOVERY_MS - 1; // -1 at the 429, 0 at RECOVERY_MS
    const rate = this.rateAtThrottle + (this.rateAtThrottle - this.rateAfterCut) * x ** 3;
    return Math.min(Math.max(rate, this.configuredRate * FLOOR_SHARE), this.configuredRate);
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
    // The next slot free of other callers: a spacing after the last grant (as shifted), or now.
    const nextFree = Math.max(this.clock.now(), this.lastGrantedAt + this.spacingMs());
    if (first) deadline = Math.max(deadline, nextFree);
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

  /** A 429: pause everyone (for Retry-After, else the new spacing) and cut the rate (see CUT). The account's other users (other jobs) are invisible to us: a
   * 429 is the only sign of them, so each job settles near its share by itself. */
  rateLimited(retryAfterMs?: number): void {
    const now = this.clock.now();
    // A 429 during a pause answers a request sent before it, and one within a window of the last
    // 429 belongs to the same episode (a storm outlasting its Retry-After, say): neither tells us
    // anything new, and the rate measured across a pause would be no measure at all.
    const sameEpisode = now < this.pausedUntil || now < this.lastRateLimitedAt + MEASURE_MS;
    this.lastRateLimitedAt = now;
    if (!sameEpisode) {
      const slowStart =
        this.throttledAt === -Infinity && this.slowStartRate(now) < this.configuredRate;
      this.rateAtThrottle = Math.min(this.rate(now), this.measuredRate(now));
      this.rateAfterCut = slowStart ? 0 : CUT * this.rateAtThrottle;
      this.throttledAt = now;
    }
    this.pausedUntil = Math.max(this.pausedUntil, now + (retryAfterMs ?? this.spacingMs()));
  }

  private slowStartRate(now: number): number {
    if (!this.slowStart) return this.configuredRate;
    const doublings = (now - this.startedAt) / MEASURE_MS;
    return Math.min(SLOW_START_RATE * 2 ** doublings, this.configuredRate);
  }

  /** True when a 429's pause lasts past `at` (epoch ms): no slot can come before it. */
  pausedPast(at: number): boolean {
    return !this.cancelled && this.pausedUntil > at;
  }

  // Requests per second over the last MEASURE_MS, counting the window from the first request.
  private measuredRate(now: number): number {
    if (this.firstGrantAt === undefined) return this.configuredRate;
    this.forgetOldGrants(now);
    const span = Math.min(MEASURE_MS, now - this.firstGrantAt + this.spacingMs());
    return this.recentGrants.length / (span / 1_000);
  }

  private forgetOldGrants(now: number): void {
    while (this.recentGrants[0]! <= now - MEASURE_MS) this.recentGrants.shift();
  }

  // Whole milliseconds, rounded up: float slots could squeeze one extra request into a window.
  private spacingMs(): number {
    return Math.ceil(1_000 / this.rate());
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
        if (this.firstGrantAt === undefined && this.random) {
          this.lastGrantedAt += (this.spacingMs() * this.random()) / 2;
        }
        this.firstGrantAt ??= now;
        this.recentGrants.push(now);
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
      // Once base-url is given up on the budget is cancelled too: it says no at once.
      if (!(await budget.acquire(deadline, undefined, first))) {
        stopIfUnreachable();
        throw noSlot(names, ` for task ${taskId}`);
      }
      try {
        // The deadline bounds the request in flight too, not only the wait for its slot.
        return await source.getTaskRecord(taskId, deadline);
      } catch (error) {
        // The rate recovers with time since the last 429 (like AWS's cubic), not per reply, so
        // jobs sending little recover as fast as busy ones: only a 429 tells the budget anything.
        if (error instanceof KieApiError) {
          if (error.more.unreachable && !unreachable) {
            unreachable = error;
            budget.cancel();
          }
          if (error.code === 429) budget.rateLimited(error.retryAfterMs);
        }
        throw error;
      }
    },
  };
}
