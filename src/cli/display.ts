// What the CLI shows while it runs: log lines on stderr and, on a terminal, a live state line.
import type { RunIo } from './io.js';
import type { Logger } from '../logger.js';
import { formatDuration } from '../settings/units.js';

/** Log lines on stderr (stdout is for results); on a terminal, a live line with the elapsed time. */
export function startDisplay(io: Pick<RunIo, 'stderr' | 'env'>) {
  const { stderr } = io;
  const tty = stderr.isTTY;
  const started = Date.now();
  let state = 'starting';
  const clearLine = () => tty && stderr.control('\r\x1b[K');
  const drawLine = () =>
    tty && stderr.write(`  ${state} · ${formatDuration(Date.now() - started)}`);
  const ticker = tty ? setInterval(() => (clearLine(), drawLine()), 1_000) : undefined;
  const line = (text: string) => {
    clearLine();
    stderr.write(`${text}\n`);
    drawLine();
  };
  const logger: Logger = {
    info: (message) => line(message),
    warning: (message) => line(`warning: ${message}`),
    debug: (message) => io.env.KIE_DEBUG && line(`debug: ${message}`),
  };
  return {
    logger,
    // A state change is always logged too; the live line shows it from then on.
    show: (newState: string) => (state = newState),
    stop: () => {
      clearInterval(ticker);
      clearLine();
    },
  };
}
