// When to ask again. Pure, so the benchmark runs exactly the code the action runs.
//
// The wait grows with the task's age: 2.5 s for a task just created, +0.3 s per second of age, so
// a task is asked about at 0, 2.5, 5.8, 10 ... s, which notices images and speech within a second
// or two. Waits then hold at ~9 s while most tasks end (a poller that waits longer than ~10 s in
// the first two minutes is late for them all), and only after two minutes creep up to 13.5 s, the
// longest wait whose average delay (~6.8 s) still beats a fixed 15 s poller's 7.5 s. `npm run
// bench:poll` shows it against fixed 3, 5 and 15 s pollers and BuildersGate's 3 s x1.25 to 10 s.
import type { ModelClass } from './model-class.js';

export interface ScheduleOptions {
  /** The shortest wait (poll-interval): the schedule never asks faster. */
  pollIntervalMs: number;
  /** The longest wait (max-poll-interval, the backoff cap). */
  maxPollIntervalMs: number;
}

/** The wait after the first poll of a task just created, unless poll-interval is longer. */
export const FIRST_WAIT_MS = 2_500;
/** Seconds added to the wait per second of the task's age. */
export const GROWTH = 0.34;
/** The wait held while most tasks end, until SETTLED_AGE_MS. */
export const EARLY_CAP_MS = 8_600;
export const SETTLED_AGE_MS = 120_000;
/** How fast the cap creeps up after that (ms of wait per ms of age), and how far. */
const CAP_GROWTH = 0.04;
export const STEADY_CAP_MS = 13_500;
/** +/- share of the wait above poll-interval chosen at random, so runners started together drift
 * apart. Symmetric and never clamped, so it never lengthens waits on average. */
export const JITTER = 0.1;
/** Video and music take minutes: their tasks are treated as this much older, so the first polls of
 * a video are ~8.5 s apart instead of 2.5 s. Images and speech take seconds: no head start. */
export const HEAD_START_MS: Record<ModelClass, number> = {
  image: 0,
  speech: 0,
  unknown: 0,
  music: 10_000,
  video: 20_000,
};

export interface DelayInput {
  /** How long ago the task was created (or, when unknown, how long we have waited). */
  taskAgeMs: number;
  /** Transient faults in a row (0 after a good reply): each doubles the wait. */
  consecutiveFaults: number;
  /** A number in [0, 1), e.g. Math.random(). */
  random: number;
  /** What the task makes, when its model or API family tells. */
  modelClass?: ModelClass;
}

/** The wait before jitter: what the schedule aims at. */
export function baseDelay(input: Omit<DelayInput, 'random'>, options: ScheduleOptions): number {
  const { pollIntervalMs, maxPollIntervalMs } = options;
  const start = Math.max(FIRST_WAIT_MS, pollIntervalMs);
  const age = input.taskAgeMs + HEAD_START_MS[input.modelClass ?? 'unknown'];
  const cap = Math.min(
    EARLY_CAP_MS + CAP_GROWTH * Math.max(0, age - SETTLED_AGE_MS),
    STEADY_CAP_MS,
  );
  const byAge = Math.min(start + GROWTH * age, cap);
  // Without faults this is `start`, which the wait by age or poll-interval already reaches.
  const byFaults = start * 2 ** input.consecutiveFaults;
  // poll-interval and max-poll-interval are promises to users: they bound everything.
  return Math.min(Math.max(pollIntervalMs, byAge, byFaults), maxPollIntervalMs);
}

export function nextDelay(input: DelayInput, options: ScheduleOptions): number {
  const base = baseDelay(input, options);
  const spread = Math.min(
    JITTER * (base - options.pollIntervalMs),
    options.maxPollIntervalMs - base,
  );
  return Math.round(base + spread * (2 * input.random - 1));
}
