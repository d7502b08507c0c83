// The Actions cache as the re-run store, through the toolkit's @actions/cache: entries are scoped
// to the run's ref, outlive a failed attempt and need no permission. Loaded only when a task is
// created or a re-run looks, as @actions/artifact is only when uploading.
//
// An entry cannot be overwritten, so each attempt records under its own key,
//   kie-task-action/<run id>/<job>/<step>/<request hash>/<attempt>
// and a re-run restores the newest earlier one by prefix (the service answers a prefix with its
// most recent match). The record is a small JSON file under RUNNER_TEMP; its path is part of the
// entry's version, so it is the same on every attempt.
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { Logger } from '../logger.js';
import { recordedTaskId, type EarlierTask, type RerunStore } from '../run/resume.js';

/** How long a re-run waits for the lookup before it creates a task after all. */
const LOOKUP_LIMIT_MS = 30_000;

const recordSchema = z.object({
  taskId: recordedTaskId,
  attempt: z.number().int().positive(),
});

/** The store for this job's step, from the runner's variables. */
export function actionsCacheStore(env: NodeJS.ProcessEnv, logger: Logger): RerunStore {
  const { GITHUB_RUN_ID: runId, GITHUB_JOB: job, GITHUB_ACTION: step } = env;
  const attempt = Number(env.GITHUB_RUN_ATTEMPT) || 1;
  // Said once: a step that looks and then records would otherwise say it twice.
  let unavailable = !env.ACTIONS_RUNTIME_TOKEN
    ? 'ACTIONS_RUNTIME_TOKEN is not set'
    : !runId || !job || !step
      ? 'GITHUB_RUN_ID, GITHUB_JOB or GITHUB_ACTION is not set'
      : undefined;
  let told = false;
  // After a failed lookup the save would most likely fail too: one debug line is enough.
  let failed = false;
  /** The cache client, or undefined (after one debug line) when there is no cache service. */
  const client = async () => {
    if (!unavailable) {
      const cache = await import('@actions/cache');
      if (cache.isFeatureAvailable()) return cache;
      unavailable = 'no cache service URL is set';
    }
    if (!told) logger.debug(`Re-run record: no Actions cache service here (${unavailable}).`);
    told = true;
    return undefined;
  };
  const prefix = (request: string) =>
    `kie-task-action/${runId}/${job}/${step}/${request}/`.replaceAll(',', '_');
  const file = (request: string) =>
    path.join(env.RUNNER_TEMP || tmpdir(), 'kie-task-action-rerun', `${request}.json`);

  return {
    async find(request) {
      if (attempt === 1) return undefined;
      const lookupFailed = (why: string) => {
        failed = true;
        logger.debug(`Re-run record: lookup failed (${why}).`);
        return undefined;
      };
      const found = lookUp(request, lookupFailed).catch((error: unknown) =>
        lookupFailed((error as Error).message),
      );
      const timer = new AbortController();
      const gaveUp = delay(LOOKUP_LIMIT_MS, timer.signal).then(() =>
        lookupFailed(`no answer within ${LOOKUP_LIMIT_MS / 1000}s`),
      );
      return Promise.race([found, gaveUp]).finally(() => timer.abort());
    },
    async save(request, taskId) {
      const key = `${prefix(request)}${attempt}`;
      if (failed) return;
      try {
        const cache = await client();
        if (!cache) return;
        await mkdir(path.dirname(file(request)), { recursive: true });
        await writeFile(file(request), JSON.stringify({ taskId, attempt }));
        const { value: id, problem } = await quietly(() => cache.saveCache([file(request)], key));
        logger.debug(
          id !== undefined && id > 0
            ? `Re-run record: task ${taskId} saved as cache entry ${key}.`
            : `Re-run record: task ${taskId} not saved (${problem ?? 'the cache refused it'}).`,
        );
      } catch (error) {
        logger.debug(`Re-run record: task ${taskId} not saved (${(error as Error).message}).`);
      }
    },
  };

  async function lookUp(
    request: string,
    lookupFailed: (why: string) => undefined,
  ): Promise<EarlierTask | undefined> {
    const cache = await client();
    if (!cache) return undefined;
    const where = file(request);
    // Only what this restore brings back may be read.
    await rm(where, { force: true });
    const earlier = `${prefix(request)}${attempt - 1}`;
    const { value: matched, problem } = await quietly(() =>
      cache.restoreCache([where], earlier, [prefix(request)]),
    );
    if (!matched) {
      if (problem) return lookupFailed(problem);
      logger.debug(
        `Re-run record: no earlier attempt recorded a task for this request (${prefix(request)}).`,
      );
      return undefined;
    }
    const record = recordSchema.safeParse(JSON.parse(await readFile(where, 'utf8')));
    if (!record.success) {
      logger.debug(`Re-run record: cache entry ${matched} holds no task record.`);
      return undefined;
    }
    return { taskId: record.data.taskId, createdBy: `attempt ${record.data.attempt}` };
  }
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  });
}

// @actions/cache logs through @actions/core straight to stdout: a notice per save, and a warning
// or error annotation when the service fails. The record is a convenience, so what the toolkit
// says while handling it is kept aside (by async context, so the step's own lines still go out)
// and summed up in one debug line.
const aside = new AsyncLocalStorage<string[]>();
let filteredWrite: typeof process.stdout.write | undefined;
/** Number of cache calls still running: index.ts ends the process rather than wait for them. */
let running = 0;

export function cacheCallsRunning(): boolean {
  return running > 0;
}

async function quietly<T>(work: () => Promise<T>): Promise<{ value?: T; problem?: string }> {
  if (process.stdout.write !== filteredWrite) {
    const write = process.stdout.write.bind(process.stdout) as (...args: unknown[]) => boolean;
    filteredWrite = (chunk: unknown, ...rest: unknown[]) => {
      const said = aside.getStore();
      if (!said) return write(chunk, ...rest);
      said.push(String(chunk));
      return true;
    };
    process.stdout.write = filteredWrite;
  }
  const said: string[] = [];
  running++;
  try {
    const value = await aside.run(said, work);
    return { value, problem: lastProblem(said) };
  } catch (error) {
    return { problem: (error as Error).message };
  } finally {
    running--;
  }
}

/** The last warning or error the toolkit gave, or its "Failed to …" notice. */
function lastProblem(said: string[]): string | undefined {
  const lines = said.flatMap((chunk) => chunk.split(/\r?\n/));
  const annotated = lines.findLast((line) => /^::(?:warning|error)\b/.test(line));
  // A command's message has its line breaks and % escaped (%0A, %25).
  const message = annotated
    ?.replace(/^::[^:]*::/, '')
    .replace(/%0D|%0A/g, ' ')
    .replace(/%25/g, '%');
  return message ?? lines.findLast((line) => line.startsWith('Failed to '));
}
