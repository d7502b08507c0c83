// What the CLI shows while it runs: log lines on stderr and, on a terminal, a live state line.
import type { RunIo } from './io.js';
import type { Logger } from '../logger.js';
import { formatDuration } from '../settings/units.js';
import { describeState, type TaskProgress } from '../wait/wait.js';

// How far a running task has come, for "the slowest": the least advanced still-running one.
const PROGRESS = ['waiting', 'queuing', 'generating'];

/**
 * Log lines on stderr (stdout is for results); on a terminal, a live line: the task's state, or
 * with several tasks their counts by state and the slowest one, and the time since the start.
 */
export function startDisplay(io: Pick<RunIo, 'stderr' | 'env'>, taskCount = 1) {
  const { stderr } = io;
  const tty = stderr.isTTY;
  const started = Date.now();
  const tasks = new Map<string, TaskProgress>();
  let indent = '';
  const clearLine = () => tty && stderr.control('\r\x1b[K');
  const drawLine = () =>
    tty &&
    stderr.write(`  ${liveState(tasks, taskCount)} · ${formatDuration(Date.now() - started)}`);
  const ticker = tty ? setInterval(() => (clearLine(), drawLine()), 1_000) : undefined;
  const line = (text: string) => {
    clearLine();
    stderr.write(`${indent}${text}\n`);
    drawLine();
  };
  const logger: Logger = {
    info: (message) => line(message),
    warning: (message) => line(`warning: ${message}`),
    debug: (message) => io.env.KIE_DEBUG && line(`debug: ${message}`),
    // A group is its title, then its lines indented under it.
    startGroup: (title) => (line(`${title}:`), (indent = '  ')),
    endGroup: () => (indent = ''),
  };
  return {
    logger,
    // A state change is always logged too; the live line shows it from then on.
    show: (progress: TaskProgress) => void tasks.set(progress.taskId, progress),
    stop: () => {
      clearInterval(ticker);
      clearLine();
    },
  };
}

/** "generating", or "3 tasks: 1 generating, 2 success · slowest t2 (queuing)". */
export function liveState(tasks: Map<string, TaskProgress>, taskCount: number): string {
  if (taskCount <= 1) {
    const [only] = tasks.values();
    return only ? describeState(only) : 'starting';
  }
  const counts = new Map<string, number>();
  const unseen = taskCount - tasks.size;
  if (unseen > 0) counts.set('not seen yet', unseen);
  for (const { state } of tasks.values()) counts.set(state, (counts.get(state) ?? 0) + 1);
  const byState = [...counts].map(([state, n]) => `${n} ${state}`).join(', ');
  const running = [...tasks.values()].filter((task) => PROGRESS.includes(task.state));
  const slowest = running.reduce<TaskProgress | undefined>(
    (least, task) =>
      !least || PROGRESS.indexOf(task.state) < PROGRESS.indexOf(least.state) ? task : least,
    undefined,
  );
  const slow =
    slowest && unseen === 0 ? ` · slowest ${slowest.taskId} (${describeState(slowest)})` : '';
  return `${taskCount} tasks: ${byState}${slow}`;
}
