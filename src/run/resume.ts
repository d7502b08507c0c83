// A re-run must not buy the task again. When a job that created a task fails afterwards (a
// download, the artifact, a later step) and is re-run, the step finds the task its earlier
// attempt created for the same request and waits for that one; only a task that failed (or that
// Kie.ai no longer knows) is replaced. Where the record lives is the store's business: the Actions
// cache (action/rerun-cache.ts) or the CLI's --state-file (cli/state-file.ts).
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ApiFamily, CreateRequest } from '../kie/apis/index.js';
import { KieApiError, type KieClient } from '../kie/client.js';
import type { Failure } from '../report/report.js';
import type { RequestBudget } from '../wait/budget.js';
import type { TaskSource } from '../wait/wait.js';
import { CancelledError, untilCancelled } from './cancel.js';
import { CANCELLED_BEFORE_CREATING, createTask, type CreateDeps } from './create.js';

/** A recorded id, as read back from a cache entry or a file: one line, of a sane length. */
// eslint-disable-next-line no-control-regex
export const recordedTaskId = z.string().regex(/^[^\x00-\x1f\x7f]{1,200}$/);

/** A task an earlier attempt created for the same request. */
export interface EarlierTask {
  taskId: string;
  /** What created it, as a message names it: "attempt 1", "an earlier run". */
  createdBy: string;
}

/**
 * Where the task a step created is kept for a re-run of that step to find. Neither method
 * rejects: a store that cannot be reached says so in one debug line and finds nothing.
 */
export interface RerunStore {
  find(request: string): Promise<EarlierTask | undefined>;
  save(request: string, taskId: string): Promise<void>;
}

/**
 * What was asked, as a hash: the same request finds the earlier task, a changed one (another
 * model, input, callback URL or API) does not. Key order in `input` does not matter.
 */
export function requestHash(api: ApiFamily, request: CreateRequest): string {
  const asked = [api.name, request.model ?? '', sorted(request.input), request.callBackUrl ?? ''];
  return createHash('sha256').update(JSON.stringify(asked)).digest('hex').slice(0, 32);
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sorted((value as Record<string, unknown>)[key])]),
  );
}

export interface ChosenTask {
  taskId: string;
  /** What a re-run did about the earlier attempt's task, for the summary. */
  rerun?: string;
  /** Records the new task: started once (after the first poll), its promise the same each call. */
  record?: () => Promise<void>;
}

/** In create mode: the earlier attempt's task when there is a usable one, else a new (recorded) task. */
export async function taskToWaitFor(
  client: KieClient,
  budget: RequestBudget,
  source: TaskSource,
  request: CreateRequest,
  deadline: number,
  deps: CreateDeps & { store?: RerunStore },
): Promise<ChosenTask | { failure: Failure }> {
  const { store, logger } = deps;
  const hash = store && requestHash(client.api, request);
  let earlier: EarlierTask | undefined;
  try {
    // The lookup takes no signal: a cancellation ends the wait for it.
    const lookup = store && hash ? store.find(hash) : undefined;
    earlier = lookup && (await (deps.signal ? untilCancelled(lookup, deps.signal) : lookup));
  } catch (error) {
    if (!(error instanceof CancelledError)) throw error;
    return { failure: CANCELLED_BEFORE_CREATING };
  }
  let unusable: string | undefined;
  if (earlier) {
    unusable = await whyUnusable(source, earlier.taskId, deadline);
    if (!unusable) {
      const which = `task ${earlier.taskId} that ${earlier.createdBy} created`;
      logger.info(`Re-run: waiting for ${which}; nothing new is billed.`);
      // The summary is read once the step is over.
      return {
        taskId: earlier.taskId,
        rerun: `Re-run: waited for ${which}; nothing new was billed.`,
      };
    }
    logger.info(
      `Re-run: task ${earlier.taskId} that ${earlier.createdBy} created ${unusable}; creating a new one.`,
    );
  }
  const created = await createTask(client, budget, request, deadline, deps);
  if ('failure' in created) return created;
  const { taskId } = created;
  let saving: Promise<void> | undefined;
  const record = store && hash ? () => (saving ??= store.save(hash, taskId)) : undefined;
  const rerun =
    earlier &&
    `Re-run: task ${earlier.taskId} that ${earlier.createdBy} created ${unusable}; created task ${taskId}.`;
  return { taskId, ...(record && { record }), ...(rerun && { rerun }) };
}

/**
 * `source`, starting `record` once the first poll has been answered: loading the cache client
 * holds the main thread for a moment (100-200 ms), which must not hold back the first poll, and
 * the wait before the next poll has room for it.
 */
export function recordingAfterFirstPoll(source: TaskSource, record: () => unknown): TaskSource {
  return {
    getTaskRecord(...args) {
      const reply = source.getTaskRecord(...args);
      reply.then(record, record);
      return reply;
    },
  };
}

/** Why the earlier task is no use, or undefined to wait for it. */
async function whyUnusable(
  source: TaskSource,
  taskId: string,
  deadline: number,
): Promise<string | undefined> {
  try {
    const record = await source.getTaskRecord(taskId, deadline, true);
    return record.state === 'fail' ? 'had failed' : undefined;
  } catch (error) {
    // Unknown to the account (the key was changed, or the record is gone): nothing to wait for.
    if (error instanceof KieApiError && error.kind === 'not-ready') return 'is unknown to Kie.ai';
    // Any other fault the wait handles as it would for task-id: creating on a passing fault
    // could bill twice, and a cancelled step waits for nothing.
    if (error instanceof KieApiError || error instanceof CancelledError) return undefined;
    throw error;
  }
}
