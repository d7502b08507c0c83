// The action's work, free of any runner: (create ->) wait -> results -> artifact, returning a
// Report. The GitHub Action (action/main.ts) and the CLI (cli/main.ts) both run this and only differ in how they
// report. One task or hundreds take the same path: each is waited for by its own loop, all of them
// drawing on one request budget.
import { ACTION_NAMES, Inputs, type InputNames } from '../settings/constants.js';
import { readsBalance, StepBalance } from './credits.js';
import { KieClient } from '../kie/client.js';
import { sendsKeyInClearText } from '../kie/replies.js';
import { freshLinkFor } from '../kie/fresh-links.js';
import { resultOf } from '../kie/schema.js';
import { overallFailure, taskProblem } from './failures.js';
import { recordingAfterFirstPoll, taskToWaitFor, type RerunStore } from './resume.js';
import type { Logger } from '../logger.js';
import { addressPolicy } from '../net/address-policy.js';
import type { Failure, Report, TaskReport } from '../report/report.js';
import { artifactNameFor, uploadArtifact } from '../results/artifact.js';
import { baseDir, resultsDir } from '../results/locations.js';
import {
  DownloadDirError,
  DownloadError,
  DownloadPool,
  prepareDownloadDir,
  transcriptOf,
  writeResults,
  type DownloadControls,
} from '../results/results.js';
import { taskResultsLog } from './task-log.js';
import { abortableSleep, CancelledError, cancellableSource, untilCancelled } from './cancel.js';
import type { Runtime } from '../runtime.js';
import { DEFAULT_REQUESTS_PER_SECOND, type Settings } from '../settings/settings.js';
import { formatDuration } from '../settings/units.js';
import { budgetedSource, RequestBudget } from '../wait/budget.js';
import { waitForTask, type TaskProgress, type TaskSource } from '../wait/wait.js';

export interface PipelineDeps extends Runtime {
  logger: Logger;
  /** How messages name inputs; the action's names by default. */
  names?: InputNames;
  /** Called once a task is created, before the wait (the CLI prints its id at once). */
  onCreated?: (taskId: string) => void;
  /** Each task's state as it changes, for a live display (the CLI's). */
  onProgress?: (progress: TaskProgress) => void;
  /** Aborted when the run is cancelled (SIGINT, SIGTERM): the report says what was seen. */
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** Where a created task is recorded for a re-run to find (the Actions cache, a state file). */
  rerunStore?: RerunStore;
}

/** How long the end of the step waits for the re-run record still being saved. */
const RECORD_GRACE_MS = 5_000;

export async function runPipeline(settings: Settings, given: PipelineDeps): Promise<Report> {
  const signal = given.signal ?? new AbortController().signal;
  // Every sleep ends early on cancellation, so no loop or queue sleeps through it.
  const deps = { ...given, signal, sleep: abortableSleep(given.sleep, signal) };
  const { logger, names = ACTION_NAMES } = deps;
  // `timeout` holds for the whole step: creating the task, then waiting for it.
  const deadline = deps.now() + settings.timeoutMs;
  if (sendsKeyInClearText(settings.baseUrl)) {
    logger.warning(
      `${names.of(Inputs.BaseUrl)} is plain http to ${new URL(settings.baseUrl).host}: the API key would travel in clear text. Use https.`,
    );
  }
  const client = new KieClient({
    baseUrl: settings.baseUrl,
    apiKey: settings.apiKey,
    api: settings.api,
    logger,
    now: deps.now,
    names: deps.names,
  });
  const budget = new RequestBudget(settings.maxRequestsPerSecond, deps, {
    random: deps.random,
    slowStart: settings.maxRequestsPerSecond === DEFAULT_REQUESTS_PER_SECOND,
  });
  const balance = new StepBalance(settings, budget, deps);
  // Left out of the report when not read at all: no credit outputs, no summary line.
  const credits = readsBalance(settings) ? balance.credits : undefined;
  signal.addEventListener('abort', () => budget.cancel(), { once: true });
  let record: (() => Promise<void>) | undefined;
  try {
    // Before any request (and before a task is created and paid for): a bad folder fails at once.
    const unusable = settings.download && (await unusableDownloadDir(settings, deps));
    // The ids are told in the summary when the step stops before the wait.
    if (unusable) return { tasks: [], notWaitedFor: settings.taskIds, failure: unusable };
    let taskIds = unique(settings.taskIds, logger);
    // A wait for tasks that exist reads the balance beside its polls, never before them; a
    // min-credits refusal stops the polls (not the downloads of tasks that ended).
    const refusal = new AbortController();
    const waitSignal = AbortSignal.any([signal, refusal.signal]);
    let source = cancellableSource(budgetedSource(client, budget, deps.names), waitSignal);
    let rerun: string | undefined;
    if (settings.create) {
      // What the task costs is measured from here, and min-credits must pass before it is paid for.
      const refused = await balance.before(deadline);
      if (refused) return { tasks: [], credits, failure: refused };
      const store = settings.resumeOnRerun ? deps.rerunStore : undefined;
      const chosen = await taskToWaitFor(client, budget, source, settings.create, deadline, {
        ...deps,
        store,
      });
      if ('failure' in chosen) return { tasks: [], credits, failure: chosen.failure };
      ({ rerun, record } = chosen);
      if (record) source = recordingAfterFirstPoll(source, record);
      taskIds = [chosen.taskId];
      deps.onCreated?.(chosen.taskId);
    }
    const many = taskIds.length > 1;
    // One pool for the step: however many tasks finish together, a few connections at a time.
    const downloads: DownloadControls = {
      pool: new DownloadPool(),
      timeoutMs: settings.downloadTimeoutMs,
      timeoutName: names.of(Inputs.DownloadTimeout),
      maxBytesName: names.of(Inputs.MaxDownloadSize),
      signal,
      root: baseDir(settings),
      addresses: addressPolicy({
        allowPrivate: settings.allowPrivateDownloads,
        baseUrl: settings.baseUrl,
        allowName: names.of(Inputs.AllowPrivateDownloads),
        resolve: deps.resolve,
      }),
    };
    logger.info(
      `Waiting for ${many ? `${taskIds.length} Kie.ai tasks` : `Kie.ai task ${taskIds[0]}`} (timeout ${formatDuration(settings.timeoutMs)}).`,
    );
    const waiting = { ...settings, timeoutMs: Math.max(0, deadline - deps.now()) };
    const running = taskIds.map((taskId) =>
      runTask(
        taskId,
        resultsDir(settings, taskId, many),
        waiting,
        source,
        // An expired Kie-hosted link is renewed once through the task's own API.
        { ...downloads, refreshUrl: freshLinkFor({ client, budget, taskId, logger }) },
        // A min-credits refusal ends the waits between polls too, not only the next poll.
        { ...deps, signal: waitSignal, sleep: abortableSleep(given.sleep, waitSignal) },
        many,
      ),
    );
    // Started once every first poll has asked the budget for its slot (they ask at once, in
    // runTask's first synchronous steps), so the read queues behind them.
    if (!settings.create && readsBalance(settings)) {
      void balance.before(deadline).then((refused) => {
        // A cancelled run is the tasks' to report, with the ids still running.
        if (refused && refused.kind !== 'cancelled') {
          refusal.abort();
          budget.cancel();
        }
      });
    }
    const tasks = await Promise.all(running);
    const refused = await balance.after();
    const report: Report = { tasks, credits, ...(rerun && { rerun }) };
    if (settings.download) report.downloadDir = many ? baseDir(settings) : tasks[0]!.downloadDir;
    const stopped = refused?.kind === 'cancelled' || signal.aborted ? undefined : refused;
    const failure = stopped ?? overallFailure(tasks, settings, deps);
    // What the tasks that did succeed produced is kept even when others failed.
    if (settings.uploadArtifact && !signal.aborted) {
      try {
        // @actions/artifact's upload takes no AbortSignal, so it is raced: on SIGINT the outputs
        // and summary are written before GitHub kills the step, however long the upload hangs.
        const artifact = await untilCancelled(upload(report, taskIds, settings, deps), signal);
        if (artifact) report.artifact = artifact;
      } catch (error) {
        const cancelled = error instanceof CancelledError;
        const message = cancelled
          ? `Cancelled while uploading the artifact; the downloaded files stay in ${report.downloadDir}.`
          : (error as Error).message;
        const kind = cancelled ? 'cancelled' : (failure?.kind ?? 'results');
        const both = failure ? `${failure.message}\n${message}` : message;
        return { ...report, failure: { kind, message: both } };
      }
    }
    return failure ? { ...report, failure } : report;
  } finally {
    // Bounded: a cache service that hangs must not hold the step open.
    // Started here if no poll was answered (a cancellation): the task exists, and is paid for.
    if (record) {
      const grace = new AbortController();
      const saved = await Promise.race([
        record().then(() => true),
        given.sleep(RECORD_GRACE_MS, grace.signal).then(() => false),
      ]);
      grace.abort();
      if (!saved)
        logger.debug(`Re-run record: not saved within ${formatDuration(RECORD_GRACE_MS)}.`);
    }
    client.dispose();
    balance.dispose();
  }
}

/** Why download-dir cannot be used, if it cannot. */
async function unusableDownloadDir(
  settings: Settings,
  deps: PipelineDeps,
): Promise<Failure | undefined> {
  try {
    await prepareDownloadDir(baseDir(settings));
    return undefined;
  } catch (error) {
    if (!(error instanceof DownloadDirError)) throw error;
    const names = deps.names ?? ACTION_NAMES;
    const message = `${names.noun} ${names.of(Inputs.DownloadDir)}: ${error.message}`;
    return { kind: 'results', message };
  }
}

async function runTask(
  taskId: string,
  dir: string,
  settings: Settings,
  source: TaskSource,
  downloads: DownloadControls,
  deps: PipelineDeps,
  /** Several tasks run at once: each one's result lines are held and written together. */
  holdLog: boolean,
): Promise<TaskReport> {
  const { logger } = deps;
  const outcome = await waitForTask({ ...settings, taskId }, { ...deps, source });
  // Some APIs' records name no model (Veo's) or echo no request: the ones it was created with.
  if (outcome.record && settings.create) {
    outcome.record.model ||= settings.create.model ?? '';
    outcome.record.param ??= { input: settings.create.input };
  }
  const result = resultOf(outcome.record);
  for (const warning of result.warnings) logger.warning(`Task ${taskId}: ${warning}`);
  const report: TaskReport = { taskId, outcome, result, files: [] };
  const problem = taskProblem(taskId, outcome, deps.names ?? ACTION_NAMES);
  if (problem) return { ...report, problem };

  const transcript = transcriptOf(outcome.record!, result);
  if (transcript) report.transcript = { text: transcript.text, language: transcript.language };
  if (!settings.download) return report;
  const log = taskResultsLog(logger, taskId, holdLog);
  try {
    const written = await writeResults({
      result,
      transcript,
      dir,
      maxDownloadBytes: settings.maxDownloadBytes,
      downloads,
      logger: log.logger,
    });
    return { ...report, files: written.files, downloadDir: dir };
  } catch (error) {
    if (downloads.signal?.aborted) {
      const message = `Cancelled while downloading the results of task ${taskId}; nothing partial was kept.`;
      return { ...report, problem: { kind: 'cancelled', message } };
    }
    // The files that did download stay listed (and go into the artifact): nothing is lost.
    const files = error instanceof DownloadError ? error.completed : [];
    const kept = files.length > 0 ? { files, downloadDir: dir } : {};
    return { ...report, ...kept, problem: { kind: 'results', message: (error as Error).message } };
  } finally {
    log.done();
  }
}

async function upload(
  report: Report,
  taskIds: string[],
  settings: Settings,
  deps: PipelineDeps,
): Promise<Report['artifact']> {
  const files = report.tasks.flatMap((task) => task.files.map((file) => file.path));
  if (files.length === 0) {
    deps.logger.info('No files to upload: the tasks produced none.');
    return undefined;
  }
  const [first, ...rest] = taskIds;
  const name = artifactNameFor(
    settings.artifactName ??
      (rest.length ? `kie-${first}-and-${rest.length}-more` : `kie-${first}`),
  );
  const uploaded = await uploadArtifact({
    name,
    files,
    rootDirectory: report.downloadDir!,
    retentionDays: settings.artifactRetentionDays,
    compressionLevel: settings.compressionLevel,
    archive: settings.archive,
    logger: deps.logger,
    env: deps.env,
  });
  return uploaded;
}

function unique(taskIds: string[], logger: Logger): string[] {
  const once = [...new Set(taskIds)];
  const repeated = once.filter((id) => taskIds.indexOf(id) !== taskIds.lastIndexOf(id));
  if (repeated.length > 0) {
    logger.warning(
      `Task ids listed more than once: ${repeated.join(', ')}. Waiting for each once.`,
    );
  }
  return once;
}
