// The poll loop. Clock, sleep and randomness come in as arguments so tests and the benchmark run
// it in virtual time.
import { ACTION_NAMES, Inputs, type InputNames } from '../settings/constants.js';
import type { Logger } from '../logger.js';
import { KieApiError } from '../kie/client.js';
import { apiStateLabel, isTerminal, type TaskRecord } from '../kie/schema.js';
import { formatDuration, plural } from '../settings/units.js';
import { modelClass } from './model-class.js';
import { nextDelay, type ScheduleOptions } from './schedule.js';

export interface TaskSource {
  /**
   * `deadline` (epoch ms): a source that has to queue the request gives up then, and cuts a
   * request in flight off shortly after. A task's `first` poll may still take a slot free just
   * after it, so the time spent before the wait cannot leave the task unasked.
   */
  getTaskRecord(taskId: string, deadline?: number, first?: boolean): Promise<TaskRecord>;
}

export interface WaitDeps {
  source: TaskSource;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  logger: Logger;
  /** How messages name inputs; the action's names by default. */
  names?: InputNames;
  /** Called each time the task's state changes. */
  onProgress?: (progress: TaskProgress) => void;
  /** Aborted when the run is cancelled: the loop ends with what it has seen. */
  signal?: AbortSignal;
}

/** A task's state as it changes: structured, so a display never has to read log text. */
export interface TaskProgress {
  taskId: string;
  state: string;
  /** The family's own value (`FIRST_SUCCESS`, `1` …). */
  apiState: string;
  /** The field it is in (`status`, `successFlag`), where not Market's `state`. */
  apiStateField?: string;
  polls: number;
  elapsedMs: number;
}

export interface WaitOptions extends ScheduleOptions {
  taskId: string;
  timeoutMs: number;
  /** How long an id may stay unknown (422 "recordInfo is null") before we give up on it. */
  notReadyGraceMs?: number;
  /** The step's API family (`veo`, `suno` ...): what the task makes, before its record names the model. */
  api?: { name: string };
}

interface Progress {
  /** The last record seen, if any poll succeeded. */
  record?: TaskRecord;
  /** Why the last poll got no record, if it did not: what a timeout with no record is about. */
  lastFault?: KieApiError;
  polls: number;
  elapsedMs: number;
}

export type WaitOutcome =
  | (Progress & { ending: 'finished'; record: TaskRecord })
  | (Progress & { ending: 'timeout' })
  | (Progress & { ending: 'error'; error: KieApiError })
  | (Progress & { ending: 'cancelled' });

export const DEFAULT_NOT_READY_GRACE_MS = 60_000;
const HEARTBEAT_MS = 60_000;

export async function waitForTask(options: WaitOptions, deps: WaitDeps): Promise<WaitOutcome> {
  const { taskId, timeoutMs, notReadyGraceMs = DEFAULT_NOT_READY_GRACE_MS } = options;
  const { source, now, sleep, random, logger, names = ACTION_NAMES } = deps;
  const startedAt = now();
  const deadline = startedAt + timeoutMs;
  const progress: Progress = { polls: 0, elapsedMs: 0 };
  let consecutiveFaults = 0;
  let notReadySince: number | undefined;
  let lastLogAt = startedAt;
  const unknownStatesSeen = new Set<string>();

  const cancelled = () => ({
    ...progress,
    elapsedMs: now() - startedAt,
    ending: 'cancelled' as const,
  });
  for (;;) {
    if (deps.signal?.aborted) return cancelled();
    let retryAfterMs = 0;
    let retryBy = Infinity;
    try {
      const record = await source.getTaskRecord(taskId, deadline, progress.polls === 0);
      progress.polls++;
      progress.elapsedMs = now() - startedAt;
      // The family's own value changes more often than the common state (Suno's FIRST_SUCCESS is
      // still generating): each change is news.
      if (record.apiState !== progress.record?.apiState || record.state !== progress.record.state) {
        deps.onProgress?.({
          taskId,
          state: record.state,
          apiState: record.apiState,
          apiStateField: record.apiStateField,
          polls: progress.polls,
          elapsedMs: progress.elapsedMs,
        });
        logger.info(
          `Task ${taskId}: ${describeState(record)} after ${formatDuration(progress.elapsedMs)}.`,
        );
        lastLogAt = now();
        if (!record.stateDocumented && !unknownStatesSeen.has(record.apiState)) {
          unknownStatesSeen.add(record.apiState);
          logger.warning(
            `Task ${taskId} reports an undocumented state "${record.apiState}"; still waiting.`,
          );
        }
      }
      progress.record = record;
      progress.lastFault = undefined;
      consecutiveFaults = 0;
      notReadySince = undefined;
      if (isTerminal(record.state)) return { ...progress, ending: 'finished', record };
    } catch (error) {
      // A poll the budget never sent is not one.
      if (!(error instanceof KieApiError && error.more.queued)) progress.polls++;
      // A request cut short by the cancellation is no fault of the API's.
      if (deps.signal?.aborted) return cancelled();
      if (!(error instanceof KieApiError)) throw error;
      progress.elapsedMs = now() - startedAt;
      // A request the budget never sent says less than the reply before it.
      if (!error.more.queued || !progress.lastFault) progress.lastFault = error;
      if (error.kind === 'fatal') return { ...progress, ending: 'error', error };
      if (error.kind === 'not-ready') {
        if (notReadySince === undefined) {
          // Said once; the heartbeat tells that it goes on.
          logger.info(
            `${error.message} Waiting up to ${formatDuration(notReadyGraceMs)} for it to appear.`,
          );
          lastLogAt = now();
        }
        notReadySince ??= now();
        if (now() - notReadySince >= notReadyGraceMs) {
          const gaveUp = new KieApiError(
            'fatal',
            `${error.message} It was still unknown after ${formatDuration(now() - notReadySince)}. ${error.more.hint ?? `Check ${names.of(Inputs.TaskId)}.`}`,
            error.code,
          );
          return { ...progress, ending: 'error', error: gaveUp };
        }
      } else {
        consecutiveFaults++;
        retryAfterMs = error.retryAfterMs ?? 0;
        retryBy = error.more.retryBy ?? Infinity;
      }
    }

    const remaining = deadline - now();
    if (remaining <= 0) {
      progress.elapsedMs = now() - startedAt;
      return { ...progress, ending: 'timeout' };
    }
    const createdAt = progress.record?.createTime;
    // The task's age from its createTime knows about time spent before this step started; a
    // createTime in the future (clock skew) is ignored rather than trusted.
    const taskAgeMs = Math.max(
      now() - startedAt,
      createdAt && createdAt <= now() ? now() - createdAt : 0,
    );
    // The last poll lands on the deadline, so a task finishing just before it is not missed.
    const delay = Math.min(
      Math.max(
        nextDelay(
          {
            taskAgeMs,
            consecutiveFaults,
            random: random(),
            modelClass: modelClass(progress.record?.model, options.api?.name),
          },
          options,
        ),
        retryAfterMs,
      ),
      remaining,
      Math.max(0, retryBy - now()),
    );
    const fault = progress.lastFault;
    // A Retry-After past the deadline leaves no try before it: the wait ends there, at the timeout.
    const pausedPastDeadline = fault?.kind === 'transient' && retryAfterMs > remaining;
    if (pausedPastDeadline) {
      logger.info(
        `${fault.message} Its pause of ${formatDuration(retryAfterMs)} outlasts the timeout: no more tries in the ${formatDuration(remaining)} left.`,
      );
      lastLogAt = now();
    } else if (fault?.kind === 'transient') {
      // Info, not a warning: each warning is an annotation, and a retry that works needs no one.
      logger.info(`${fault.message} Trying again in ${formatDuration(delay)}.`);
      lastLogAt = now();
    } else if (now() - lastLogAt >= HEARTBEAT_MS) {
      const state = progress.record
        ? describeState(progress.record)
        : fault?.kind === 'not-ready'
          ? 'not known yet'
          : 'no reply yet';
      logger.info(
        `Still waiting for task ${taskId}: ${state} after ${formatDuration(now() - startedAt)} (${plural(progress.polls, 'poll')}).`,
      );
      lastLogAt = now();
    }
    logger.debug(`Next poll in ${formatDuration(delay)}.`);
    await sleep(delay);
    if (pausedPastDeadline && !deps.signal?.aborted) {
      return { ...progress, elapsedMs: now() - startedAt, ending: 'timeout' };
    }
  }
}

/** `generating`, or `generating (status FIRST_SUCCESS)` when the family's own value says more. */
export function describeState(record: {
  state: string;
  apiState: string;
  apiStateField?: string;
}): string {
  return record.apiState === record.state
    ? record.state
    : `${record.state} (${apiStateLabel(record)})`;
}
