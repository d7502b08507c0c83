// Cancellation. When a run is cancelled, GitHub sends the step SIGINT, then SIGTERM 7.5 s later,
// then kills it; a person at a terminal presses Ctrl-C. One AbortSignal carries that to the
// pipeline, which stops polling and downloading and reports what it had seen.
import { ownSignal, type Runtime } from '../runtime.js';
import type { TaskSource } from '../wait/wait.js';

export class CancelledError extends Error {
  override readonly name = 'CancelledError';
  constructor() {
    super('The run was cancelled.');
  }
}

/** `sleep` that ends early when the signal aborts, so no loop sleeps through a cancellation. */
export function abortableSleep(sleep: Runtime['sleep'], signal: AbortSignal): Runtime['sleep'] {
  const aborted = new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  return (ms, own) =>
    Promise.race([sleep(ms, own ? AbortSignal.any([signal, own]) : signal), aborted]);
}

/**
 * `work`, or a CancelledError as soon as the signal aborts: for work that takes no signal of its
 * own, which is then left to end with the process.
 */
export function untilCancelled<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new CancelledError());
  const own = ownSignal(signal);
  let stop = () => {};
  const cancelled = new Promise<never>((_, reject) => {
    stop = () => reject(new CancelledError());
    own.addEventListener('abort', stop, { once: true });
  });
  return Promise.race([work, cancelled]).finally(() => own.removeEventListener('abort', stop));
}

/** A source whose requests reject at once when the signal aborts, even one already in flight. */
export function cancellableSource(source: TaskSource, signal: AbortSignal): TaskSource {
  return {
    getTaskRecord: (taskId, deadline, first) =>
      signal.aborted
        ? Promise.reject(new CancelledError())
        : untilCancelled(source.getTaskRecord(taskId, deadline, first), signal),
  };
}
