// A task's result lines (downloads, files written) in the log: each names the task, and they sit
// together in one group. Several tasks download at once, so with more than one task a task's lines
// are held until its results are done, then written as one group: a group is a span of the log,
// and another task's lines would otherwise land inside it.
import type { Logger } from '../logger.js';

export interface TaskLog {
  logger: Logger;
  /** Closes the group (writing the held lines first). */
  done(): void;
}

export function taskResultsLog(logger: Logger, taskId: string, hold: boolean): TaskLog {
  const title = `Task ${taskId}: results`;
  const named = (message: string) => `Task ${taskId}: ${message}`;
  if (!hold) {
    let opened = false;
    const open = () => {
      if (!opened) logger.startGroup?.(title);
      opened = true;
    };
    return {
      logger: {
        info: (message) => (open(), logger.info(named(message))),
        warning: (message) => (open(), logger.warning(named(message))),
        debug: (message) => logger.debug(named(message)),
      },
      done: () => opened && logger.endGroup?.(),
    };
  }
  const held: ['info' | 'warning', string][] = [];
  return {
    logger: {
      info: (message) => void held.push(['info', named(message)]),
      warning: (message) => void held.push(['warning', named(message)]),
      // Debug lines are for following the run as it happens.
      debug: (message) => logger.debug(named(message)),
    },
    done: () => {
      if (held.length === 0) return;
      logger.startGroup?.(title);
      for (const [level, message] of held.splice(0)) logger[level](message);
      logger.endGroup?.();
    },
  };
}
