// Creating the task, under the step's budget and timeout. Creating costs credits, so a request is
// repeated only when it surely created nothing, and a failure says whether a task may exist.
import { ACTION_NAMES, type InputNames } from '../settings/constants.js';
import { CancelledError } from './cancel.js';
import type { CreateRequest } from '../kie/apis/index.js';
import { KieApiError, type KieClient } from '../kie/client.js';
import type { Logger } from '../logger.js';
import type { Failure } from '../report/report.js';
import type { Runtime } from '../runtime.js';
import { noSlot, type RequestBudget } from '../wait/budget.js';
import { formatDuration } from '../settings/units.js';

const MAX_CREATE_ATTEMPTS = 5;

export const CANCELLED_BEFORE_CREATING: Failure = {
  kind: 'cancelled',
  message: 'Cancelled before a task was created: nothing was created.',
};

export interface CreateDeps extends Pick<Runtime, 'now' | 'sleep'> {
  logger: Logger;
  names?: InputNames;
  signal?: AbortSignal;
}

/** The new task's id, or why there is none (the report's failure). */
export async function createTask(
  client: KieClient,
  budget: RequestBudget,
  request: CreateRequest,
  deadline: number,
  deps: CreateDeps,
): Promise<{ taskId: string } | { failure: Failure }> {
  try {
    return { taskId: await sendCreate(client, budget, request, deadline, deps) };
  } catch (error) {
    if (error instanceof CancelledError) return { failure: CANCELLED_BEFORE_CREATING };
    if (!(error instanceof KieApiError)) throw error;
    // A timeout, reset or 5xx leaves it open whether Kie.ai created (and charged for) a task.
    const unsure = error.kind === 'transient' && !error.neverSent && error.code !== 429;
    const message =
      `Could not create a task ${creating(client, request)}: ${error.message}` +
      (unsure
        ? " A task may have been created anyway: check Kie.ai's logs before running again."
        : error.more.queued || error.neverSent
          ? ' Nothing was created.'
          : '');
    return { failure: { kind: error.more.queued ? 'timeout' : 'api', message } };
  }
}

async function sendCreate(
  client: KieClient,
  budget: RequestBudget,
  request: CreateRequest,
  deadline: number,
  deps: CreateDeps,
): Promise<string> {
  let lastError: KieApiError | undefined;
  for (let attempt = 1; ; attempt++) {
    // No slot before the timeout (the balance read took the time, or a retry waited for a 429)
    // means nothing was sent: the last fault says why, else the timeout does.
    if (!(await budget.acquire(deadline))) {
      if (deps.signal?.aborted) throw new CancelledError();
      throw lastError ?? noSlot(deps.names ?? ACTION_NAMES);
    }
    try {
      const taskId = await client.createTask(request, deadline);
      deps.logger.info(`Created task ${taskId} ${creating(client, request)}.`);
      return taskId;
    } catch (error) {
      if (!(error instanceof KieApiError)) throw error;
      // Creating a task costs credits, so repeat the request only when it surely created nothing:
      // it never left this machine (refused, no DNS), or it was rate-limited (Kie.ai does not queue
      // a 429'd request). A timeout, reset or 5xx may have created the task: not retried.
      const rateLimited = error.code === 429;
      if (rateLimited) budget.rateLimited(error.retryAfterMs);
      const remaining = deadline - deps.now();
      if (!(rateLimited || error.neverSent) || attempt === MAX_CREATE_ATTEMPTS || remaining <= 0) {
        throw error;
      }
      lastError = error;
      // As with polls, the last try lands on the deadline.
      const delay = Math.min(1_000 * 2 ** attempt, remaining);
      deps.logger.info(
        `${error.message} Nothing was created; trying again in ${formatDuration(delay)}.`,
      );
      await deps.sleep(delay);
    }
  }
}

/** "for model X", or "on Runway" for a family whose request has no model. */
function creating(client: KieClient, request: CreateRequest): string {
  return request.model ? `for model ${request.model}` : `on ${client.api.label}`;
}
