// When to ask again. Pure, so the benchmark runs exactly the code the action runs.
//
// The wait is a fraction of the task's age: a task 20 s old is asked about every ~3.2 s, one 10
// minutes old every 30 s. Since the age grows by that fraction with each poll, the waits grow
// exponentially (x1.16 a poll), and the time between a task finishing and us noticing stays near
// a fixed share of its duration (~8% on average) instead of a fixed number of seconds. Short tasks
// are noticed within one poll-interval; long tasks cost few requests.

export interface ScheduleOptions {
  /** The first wait, and the shortest. */
  pollIntervalMs: number;
  /** The longest wait (the backoff cap). */
  maxPollIntervalMs: number;
}

/** Share of the task's age to wait before the next poll. */
export const AGE_FRACTION = 0.16;
/** +/- share of each wait chosen at random, so many runners started together drift apart. */
export const JITTER = 0.2;

export interface DelayInput {
  /** How long ago the task was created (or, when unknown, how long we have waited). */
  taskAgeMs: number;
  /** Transient faults in a row (0 after a good reply): each doubles the wait. */
  consecutiveFaults: number;
  /** A number in [0, 1), e.g. Math.random(). */
  random: number;
}

export function nextDelay(input: DelayInput, options: ScheduleOptions): number {
  const { pollIntervalMs, maxPollIntervalMs } = options;
  const byAge = input.taskAgeMs * AGE_FRACTION;
  // Stryker disable next-line ConditionalExpression,EqualityOperator: with no fault it would be poll-interval, the floor anyway
  const byFaults = input.consecutiveFaults > 0 ? pollIntervalMs * 2 ** input.consecutiveFaults : 0;
  const base = Math.min(Math.max(pollIntervalMs, byAge, byFaults), maxPollIntervalMs);
  const jittered = base * (1 + JITTER * (2 * input.random - 1));
  // Never faster than poll-interval nor slower than max-poll-interval: both are promises to users.
  return Math.round(Math.min(Math.max(jittered, pollIntervalMs), maxPollIntervalMs));
}
