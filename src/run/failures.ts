// Why a task did not succeed, and what the step's failure says about all of them: the advice
// fits the cause, and the counts agree with the job summary's.
import { ACTION_NAMES, Inputs, type InputNames } from '../settings/constants.js';
import type { Logger } from '../logger.js';
import type { Failure, FailureKind, TaskReport } from '../report/report.js';
import type { Settings } from '../settings/settings.js';
import { formatDuration } from '../settings/units.js';
import type { WaitOutcome } from '../wait/wait.js';

export function taskProblem(
  taskId: string,
  outcome: WaitOutcome,
  names: InputNames,
): Failure | undefined {
  switch (outcome.ending) {
    case 'error':
      return { kind: 'api', message: outcome.error.message };
    case 'timeout':
      return { kind: 'timeout', message: timeoutMessage(taskId, outcome, names) };
    case 'cancelled':
      return {
        kind: 'cancelled',
        message: `Cancelled after ${formatDuration(outcome.elapsedMs)} while task ${taskId} was still ${outcome.record?.state ?? 'unseen'}.`,
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

/** Advice that fits the cause: a longer timeout only helps a task that was running. */
function timeoutMessage(taskId: string, outcome: WaitOutcome, names: InputNames): string {
  const waited = `Timed out after ${formatDuration(outcome.elapsedMs)} waiting for task ${taskId}`;
  const fault = outcome.lastFault;
  if (outcome.record) {
    // Still running when last seen; if the tries since then failed, that is worth knowing too.
    const since = fault && !fault.more.queued ? ` The tries since failed: ${fault.message}` : '';
    return (
      `${waited} (last state: ${outcome.record.state}).${since} ` +
      `Raise ${names.of(Inputs.Timeout)} if the model needs longer.`
    );
  }
  const advice =
    fault?.kind === 'not-ready'
      ? ` Check ${names.of(Inputs.TaskId)}.`
      : fault?.more.retryBy !== undefined
        ? ` Check ${names.of(Inputs.BaseUrl)}.`
        : '';
  return `${waited}, with no state seen. Last try: ${fault?.message ?? 'none'}${advice}`;
}

// When tasks fail in different ways, the exit code names the one a person must act on first.
const SEVERITY: FailureKind[] = ['cancelled', 'api', 'results', 'timeout', 'task-failed'];

export function overallFailure(
  tasks: TaskReport[],
  settings: Settings,
  { logger, names = ACTION_NAMES }: { logger: Logger; names?: InputNames },
): Failure | undefined {
  const problems = tasks.flatMap(({ problem }) => (problem ? [problem] : []));
  const tolerated = (problem: Failure) =>
    problem.kind === 'task-failed' && !settings.failOnTaskFailure;
  const failing = problems.filter((problem) => !tolerated(problem));
  const because = `as ${names.of(Inputs.FailOnTaskFailure)} says`;
  if (failing.length === 0) {
    if (problems.length > 0) {
      logger.warning(
        tasks.length === 1
          ? `${problems[0]!.message}. Not failing the step, ${because}.`
          : counted(problems, tasks, ` (not failing the step, ${because})`),
      );
    }
    return undefined;
  }
  const unfinished = tasks.filter((task) => task.outcome.ending === 'cancelled');
  if (unfinished.length > 0 && tasks.length > 1) {
    // The ids to wait for again, in the form the task-id input takes.
    const ids = unfinished.map((task) => task.taskId).join(',');
    return {
      kind: 'cancelled',
      message: `Cancelled with ${unfinished.length} of ${tasks.length} tasks still running: ${ids}. To wait for them again, give ${names.of(Inputs.TaskId)}: ${ids}`,
    };
  }
  const kind = SEVERITY.find((severity) => failing.some((problem) => problem.kind === severity))!;
  if (tasks.length === 1) return failing[0];
  // Every task that did not succeed is counted, so the count agrees with the summary's; those
  // that fail the step are told apart from those that do not.
  const note =
    failing.length < problems.length
      ? `; ${failing.length} of them ${failing.length === 1 ? 'fails' : 'fail'} the step (a failed task alone does not, ${because})`
      : '';
  return { kind, message: counted(problems, tasks, note) };
}

/** "2 of 3 tasks did not succeed:" and a line per reason; a reason shared by many, once. */
function counted(problems: Failure[], tasks: TaskReport[], note = ''): string {
  const times = new Map<string, number>();
  for (const { message } of problems) times.set(message, (times.get(message) ?? 0) + 1);
  const list = [...times].map(([message, n]) => `- ${message}${n > 1 ? ` (${n} tasks)` : ''}`);
  return [`${problems.length} of ${tasks.length} tasks did not succeed${note}:`, ...list].join(
    '\n',
  );
}
