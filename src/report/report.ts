// The Report: what a run of the pipeline found, and the output fields it becomes. action/main.ts sets
// these as the action's outputs, the CLI prints them, the summary renders the Report.
import { compactResultJson, KNOWN_STATES, type TaskResult } from '../kie/schema.js';
import { Outputs, type OutputName } from '../settings/constants.js';
import { creditsUsed, taskCost, type CreditReport } from './credits.js';
import type { UploadedArtifact } from '../results/artifact.js';
import type { TaskFiles, WrittenFile } from '../results/results.js';
import type { WaitOutcome } from '../wait/wait.js';

/** `balance`: below min-credits, so nothing started; `api`: Kie.ai refused (a bad key, an unknown id). */
export type FailureKind = 'task-failed' | 'timeout' | 'api' | 'balance' | 'results' | 'cancelled';

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
  /** Set when the step read (or tried to read) the balance. */
  credits?: CreditReport;
  /** Where the files of all tasks are (each task's own directory when there is one task). */
  downloadDir?: string;
  artifact?: UploadedArtifact & { name: string };
  /** Why the run failed, if it did. */
  failure?: Failure;
  /** The ids given to wait for, when the step stopped before waiting (none when creating). */
  notWaitedFor?: string[];
  /** What a re-run did about the task its earlier attempt created (waited for it, or replaced it). */
  rerun?: string;
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

/**
 * Tasks that succeeded end to end, their results written too: the count the summary heading and
 * the failure message ("2 of 3 tasks did not succeed") agree with.
 */
export function succeededCount(tasks: TaskReport[]): number {
  return tasks.filter((task) => !task.problem).length;
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
    apiState: record?.apiState ?? '',
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
    ...taskCost(record),
  };
}

/**
 * The report as the action's outputs, by output name: what the action sets and the CLI's --json
 * prints. Missing values are '' (as an unset output reads); arrays stay arrays. With several tasks
 * the single-task fields summarise them and `tasks` holds each one.
 */
export function reportFields(report: Report): Record<OutputName, unknown> {
  // With several tasks, each element carries its result object too: the only place one with no
  // files (lyrics, a character id) is kept. With one, the resultJson output has it, once.
  const tasks = report.tasks.map((task) =>
    report.tasks.length > 1
      ? { ...taskFields(task), resultJson: compactResultJson(task.result) }
      : taskFields(task),
  );
  const only = report.tasks.length === 1 ? report.tasks[0] : undefined;
  const models = [...new Set(tasks.map((task) => task.model))];
  const apiStates = [...new Set(tasks.map((task) => task.apiState))];
  const first = only && tasks[0];
  return {
    // The ids given, even when the step stopped before waiting: a later step can wait for them.
    [Outputs.TaskId]: (report.tasks.length > 0
      ? report.tasks.map((task) => task.taskId)
      : (report.notWaitedFor ?? [])
    ).join(','),
    [Outputs.State]: overallState(report.tasks),
    // With several tasks, the family's own value only when they all share it.
    [Outputs.ApiState]: apiStates.length === 1 ? apiStates[0] : '',
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
    [Outputs.Succeeded]: succeededCount(report.tasks),
    [Outputs.Failed]: report.tasks.filter(isFailed).length,
    [Outputs.CreditsBefore]: report.credits?.before ?? '',
    [Outputs.CreditsAfter]: report.credits?.after ?? '',
    [Outputs.CreditsUsed]: (report.credits && creditsUsed(report.credits)) ?? '',
    // Filled in by boundOutputs (action/limits.ts) when an output had to be cut.
    [Outputs.Truncated]: '',
  };
}
