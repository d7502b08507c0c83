// The runner's clock, sleep and randomness: the one real set, shared by the action (action/main.ts) and
// the CLI. Core code takes them as arguments, so tests and benchmarks run in virtual time.
import { setTimeout as delay } from 'node:timers/promises';
import type { Resolver } from './net/address-policy.js';

export interface Runtime {
  now: () => number;
  /** Resolves after `ms`, or as soon as `signal` aborts (its timer cleared, so the process can exit). */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  /** How download hosts' names are resolved; the system's DNS by default (tests map names). */
  resolve?: Resolver;
}

/**
 * A signal of one's own that aborts with `signal`. The step's signal is shared by everything in
 * flight at once (a poll, a sleep and downloads for each of dozens of tasks); each listening on a
 * dependent signal of its own, the shared one collects no listeners, and Node does not warn of a
 * leak that is none (MaxListenersExceededWarning, past 10 listeners on one signal).
 */
export function ownSignal(signal: AbortSignal): AbortSignal {
  return AbortSignal.any([signal]);
}

export const systemRuntime: Runtime = {
  now: Date.now,
  sleep: (ms, signal) =>
    delay(ms, undefined, { signal: signal && ownSignal(signal) }).catch(() => {}),
  random: Math.random,
};

/**
 * Aborts the returned signal on the first SIGINT or SIGTERM, so the run can end cleanly and
 * report; a second signal means "now", and exits with `exitCode` at once.
 */
export function cancelOnSignals(exitCode: number): AbortSignal {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(exitCode);
    controller.abort(new Error(`Received ${signal}.`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}
