// The action's work, free of any runner: (create ->) wait -> results -> artifact, returning a
// Report. The GitHub Action (main.ts) and the CLI (cli.ts) both run this and only differ in how they
// report. One task or hundreds take the same path: each is waited for by its own loop, all of them
// drawing on one request budget.
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { CreateRequest } from './kie/apis/index.js';
import { KieApiError, KieClient } from './kie/client.js';
import { compactResultJson, KNOWN_STATES, resultOf, type TaskResult } from './kie/schema.js';
import type { Logger } from './logger.js';
import { artifactNameFor, uploadArtifact, type UploadedArtifact } from './results/artifact.js';
import { transcriptOf, writeResults, type TaskFiles, type WrittenFile } from './results/results.js';
import { Outputs, type Settings } from './settings.js';
import { formatDuration } from './units.js';
import { budgetedSource, RequestBudget } from './wait/budget.js';
import { waitForTask, type TaskSource, type WaitOutcome } from './wait/wait.js';

export type FailureKind = 'task-failed' | 'timeout' | 'api' | 'results';

export interface Failure {
  kind: FailureKind;
  message: string;
}

export interface TaskReport {
  taskId: string;
  outcome: WaitOutcome;
  result: TaskResult;
  files: WrittenFile[];
  /** Set when results were written. */
  downloadDir?: string;
  transcript?: TaskFiles['transcript'];
  /** Why this task did not succeed, if it did not (a `fail` state included). */
  problem?: Failure;
}

export interface Report {
  tasks: TaskReport[];
  /** Where the files of all tasks are (each task's own directory when there is one task). */
  downloadDir?: string;
  artifact?: UploadedArtifact & { name: string };
  /** Why the run failed, if it did. */
  failure?: Failure;
}

export interface PipelineDeps {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
}

export async function runPipeline(settings: Settings, deps: PipelineDeps): Promise<Report> {
  const { logger } = deps;
  const client = new KieClient({
    baseUrl: settings.baseUrl,
    apiKey: settings.apiKey,
    logger,
    now: deps.now,
  });
  const budget = new RequestBudget(settings.maxRequestsPerSecond, deps);
  try {
    let taskIds = unique(settings.taskIds, logger);
    if (settings.create) {
      try {
        taskIds = [await createTask(client, budget, settings.create, deps)];
      } catch (error) {
        if (!(error instanceof KieApiError)) throw error;
        // A timeout, reset or 5xx leaves it open whether Kie.ai created (and charged for) a task.
        const unsure = error.kind === 'transient' && !error.neverSent && error.code !== 429;
        const message =
          `Could not create a task for model ${settings.create.model}: ${error.message}` +
          (unsure
            ? " A task may have been created anyway: check Kie.ai's logs before running again."
            : '');
        return { tasks: [], failure: { kind: 'api', message } };
      }
    }
    const source = budgetedSource(client, budget);
    const many = taskIds.length > 1;
    logger.info(
      `Waiting for ${many ? `${taskIds.length} Kie.ai tasks` : `Kie.ai task ${taskIds[0]}`} (timeout ${formatDuration(settings.timeoutMs)}).`,
    );
    const tasks = await Promise.all(
      taskIds.map((taskId) =>
        runTask(taskId, resultsDir(settings, taskId, many), settings, source, deps),
      ),
    );
    const report: Report = { tasks };
    if (settings.download) report.downloadDir = many ? baseDir(settings) : tasks[0]!.downloadDir;
    const failure = overallFailure(tasks, settings, logger);
    // What the tasks that did succeed produced is kept even when others failed.
    if (settings.uploadArtifact) {
      try {
        const artifact = await upload(report, taskIds, settings, deps);
        if (artifact) report.artifact = artifact;
      } catch (error) {
        const message = (error as Error).message;
        return {
          ...report,
          failure: failure
            ? { ...failure, message: `${failure.message}\n${message}` }
            : { kind: 'results', message },
        };
      }
    }
    return failure ? { ...report, failure } : report;
  } finally {
    client.dispose();
  }
}

const MAX_CREATE_ATTEMPTS = 5;

async function createTask(
  client: KieClient,
  budget: RequestBudget,
  request: CreateRequest,
  deps: PipelineDeps,
): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    await budget.acquire();
    try {
      const taskId = await client.createTask(request);
      budget.succeeded();
      deps.logger.info(`Created task ${taskId} for model ${request.model}.`);
      return taskId;
    } catch (error) {
      if (!(error instanceof KieApiError)) throw error;
      // Creating a task costs credits, so repeat the request only when it surely created nothing:
      // it never left this machine (refused, no DNS), or it was rate-limited (Kie.ai does not queue
      // a 429'd request). A timeout, reset or 5xx may have created the task: not retried.
      const rateLimited = error.code === 429;
      if (rateLimited) budget.rateLimited(error.retryAfterMs);
      if (!(rateLimited || error.neverSent) || attempt === MAX_CREATE_ATTEMPTS) throw error;
      deps.logger.warning(`${error.message} Nothing was created; trying again.`);
      await deps.sleep(1_000 * 2 ** attempt);
    }
  }
}

async function runTask(
  taskId: string,
  dir: string,
  settings: Settings,
  source: TaskSource,
  deps: PipelineDeps,
): Promise<TaskReport> {
  const { logger } = deps;
  const outcome = await waitForTask({ ...settings, taskId }, { ...deps, source });
  const result = resultOf(outcome.record);
  for (const warning of result.warnings) logger.warning(`Task ${taskId}: ${warning}`);
  const report: TaskReport = { taskId, outcome, result, files: [] };
  const problem = taskProblem(taskId, outcome);
  if (problem) return { ...report, problem };
  logger.info(`Task ${taskId} succeeded after ${formatDuration(outcome.elapsedMs)}.`);

  const record = outcome.record!;
  const transcript = transcriptOf(record, result);
  if (transcript) report.transcript = { text: transcript.text, language: transcript.language };
  if (!settings.download) return report;
  try {
    const written = await writeResults({
      record,
      result,
      dir,
      maxDownloadBytes: settings.maxDownloadBytes,
      logger,
    });
    return { ...report, files: written.files, downloadDir: dir };
  } catch (error) {
    return { ...report, problem: { kind: 'results', message: (error as Error).message } };
  }
}

function taskProblem(taskId: string, outcome: WaitOutcome): Failure | undefined {
  switch (outcome.ending) {
    case 'error':
      return { kind: 'api', message: outcome.error.message };
    case 'timeout':
      return {
        kind: 'timeout',
        message:
          `Timed out after ${formatDuration(outcome.elapsedMs)} waiting for task ${taskId} ` +
          `(last state: ${outcome.record?.state ?? 'none seen'}). ` +
          `Raise 'timeout' if the model needs longer.`,
      };
    case 'finished': {
      if (outcome.record.state === 'success') return undefined;
      const { failCode, failMsg } = outcome.record;
      return {
        kind: 'task-failed',
        message: `Task ${taskId} failed${failCode ? ` (${failCode})` : ''}: ${failMsg || 'no reason given'}`,
      };
    }
  }
}

// When tasks fail in different ways, the exit code names the one a person must act on first.
const SEVERITY: FailureKind[] = ['api', 'results', 'timeout', 'task-failed'];

function overallFailure(
  tasks: TaskReport[],
  settings: Settings,
  logger: Logger,
): Failure | undefined {
  const problems = tasks.flatMap(({ problem }) => {
    if (!problem) return [];
    if (problem.kind === 'task-failed' && !settings.failOnTaskFailure) {
      logger.warning(`${problem.message}. Not failing: fail-on-task-failure is false.`);
      return [];
    }
    return [problem];
  });
  if (problems.length === 0) return undefined;
  const kind = SEVERITY.find((severity) => problems.some((problem) => problem.kind === severity))!;
  if (tasks.length === 1) return problems[0];
  const list = problems.map((problem) => `- ${problem.message}`).join('\n');
  return { kind, message: `${problems.length} of ${tasks.length} tasks did not succeed:\n${list}` };
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
    logger: deps.logger,
    env: deps.env,
  });
  return uploaded && { ...uploaded, name };
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

function baseDir(settings: Settings): string {
  return settings.downloadDir ?? path.join(settings.workspace, 'kie-results');
}

/** One task: download-dir itself (default kie-results/<id>); several: download-dir/<id> each. */
function resultsDir(settings: Settings, taskId: string, many: boolean): string {
  if (settings.downloadDir && !many) return settings.downloadDir;
  return path.join(baseDir(settings), safeSegment(taskId));
}

/**
 * A task id as one directory name. Ids are opaque and may hold anything; an id that had to be
 * changed gets a hash of itself, so `a/b` and `a:b` never share a directory.
 */
function safeSegment(taskId: string): string {
  const safe = taskId
    .replace(/[^\w.-]+/g, '_')
    .replace(/^\.+/, '_')
    .slice(0, 100);
  if (safe === taskId) return safe;
  return `${safe}-${createHash('sha256').update(taskId).digest('hex').slice(0, 8)}`;
}

/** The step's state: success only if every task succeeded, fail if any failed, else the least advanced. */
export function overallState(tasks: TaskReport[]): string {
  if (tasks.length <= 1) return tasks[0]?.outcome.record?.state ?? '';
  const states = tasks.map((task) => task.outcome.record?.state ?? '');
  if (states.length > 0 && states.every((state) => state === 'success')) return 'success';
  if (tasks.some(isFailed)) return 'fail';
  const progress = (state: string) => {
    const known = (KNOWN_STATES as readonly string[]).indexOf(state);
    return known === -1 ? (state === '' ? -1 : KNOWN_STATES.indexOf('generating')) : known;
  };
  return states.reduce(
    (least, state) => (progress(state) < progress(least) ? state : least),
    'success',
  );
}

function isFailed(task: TaskReport): boolean {
  return task.outcome.record?.state === 'fail' || task.outcome.ending === 'error';
}

/** One task as an element of the `tasks` output. */
export function taskFields(task: TaskReport) {
  const record = task.outcome.record;
  return {
    taskId: task.taskId,
    state: record?.state ?? '',
    model: record?.model ?? '',
    resultUrls: task.result.resultUrls,
    failCode: record?.failCode ?? '',
    failMsg:
      record?.failMsg ||
      (task.problem?.kind === 'task-failed' ? '' : (task.problem?.message ?? '')),
    createTime: record?.createTime ?? '',
    completeTime: record?.completeTime ?? '',
    pollCount: task.outcome.polls,
    elapsedMs: task.outcome.elapsedMs,
    files: task.files.map((file) => file.path),
    transcript: task.transcript?.text ?? '',
    language: task.transcript?.language ?? '',
  };
}

/**
 * The report as the action's outputs, by output name: what the action sets and the CLI's --json
 * prints. Missing values are '' (as an unset output reads); arrays stay arrays. With several tasks
 * the single-task fields summarise them and `tasks` holds each one.
 */
export function reportFields(
  report: Report,
): Record<(typeof Outputs)[keyof typeof Outputs], unknown> {
  const tasks = report.tasks.map(taskFields);
  const only = report.tasks.length === 1 ? report.tasks[0] : undefined;
  const models = [...new Set(tasks.map((task) => task.model))];
  const first = only && tasks[0];
  return {
    [Outputs.TaskId]: report.tasks.map((task) => task.taskId).join(','),
    [Outputs.State]: overallState(report.tasks),
    [Outputs.Model]: models.length === 1 ? models[0] : '',
    [Outputs.ResultUrls]: tasks.flatMap((task) => task.resultUrls),
    [Outputs.ResultJson]: only ? compactResultJson(only.result) : '',
    [Outputs.FailCode]: first?.failCode ?? '',
    // With no task at all (creation failed) the reason is the step's failure.
    [Outputs.FailMsg]:
      report.tasks.length === 0 ? (report.failure?.message ?? '') : (first?.failMsg ?? ''),
    [Outputs.CreateTime]: first?.createTime ?? '',
    [Outputs.CompleteTime]: first?.completeTime ?? '',
    [Outputs.PollCount]: tasks.reduce((sum, task) => sum + task.pollCount, 0),
    [Outputs.ElapsedMs]: Math.max(0, ...tasks.map((task) => task.elapsedMs)),
    [Outputs.Files]: tasks.flatMap((task) => task.files),
    [Outputs.DownloadDir]: report.downloadDir ?? '',
    [Outputs.ArtifactId]: report.artifact?.id ?? '',
    [Outputs.ArtifactUrl]: report.artifact?.url ?? '',
    [Outputs.ArtifactDigest]: report.artifact?.digest ?? '',
    [Outputs.Transcript]: first?.transcript ?? '',
    [Outputs.Language]: first?.language ?? '',
    [Outputs.Tasks]: tasks,
    [Outputs.Succeeded]: tasks.filter((task) => task.state === 'success').length,
    [Outputs.Failed]: report.tasks.filter(isFailed).length,
  };
}
