#!/usr/bin/env node
// `kie-task`: the action's pipeline from a terminal or any other CI system. Same settings checks,
// same waiting, same results; only the reporting differs.
import { parseArgs } from 'node:util';
import type { Logger } from './logger.js';
import { reportFields, runPipeline, type FailureKind } from './pipeline.js';
import { API_KEY_ENV, InputError, Inputs, parseSettings } from './settings.js';
import { formatDuration } from './units.js';
import { VERSION } from './version.js';

const ExitCode = {
  Success: 0,
  TaskFailed: 1,
  Usage: 2,
  Timeout: 3,
  Api: 4,
  Results: 5,
  Internal: 70,
} as const;

const EXIT_FOR: Record<FailureKind, number> = {
  'task-failed': ExitCode.TaskFailed,
  timeout: ExitCode.Timeout,
  api: ExitCode.Api,
  results: ExitCode.Results,
};

const HELP = `kie-task ${VERSION}: wait for a Kie.ai task and fetch its results.

Usage: kie-task wait <task-id>... [options]

Options:
  --timeout <duration>            total time to wait (default 30m)
  --poll-interval <duration>      first and shortest wait between polls (default 3s)
  --max-poll-interval <duration>  longest wait between polls (default 30s)
  --download <dir>                download the results (or write the transcript) into <dir>
  --max-download-size <size>      largest file to download (default 2GB)
  --max-requests-per-second <n>   request budget shared by all tasks (default 1.5)
  --base-url <url>                Kie.ai API base URL (default https://api.kie.ai)
  --no-fail                       exit 0 even when the task ends in fail
  --json                          print one JSON object with the action's output fields
  -h, --help                      show this help
  -v, --version                   show the version

Durations: 90 (seconds), 250ms, 90s, 15m, 1h, 1h30m. Sizes: bytes, or 512KB, 500MB, 2GB.
The API key comes from the ${API_KEY_ENV} environment variable.

Exit codes:
  0  the task succeeded (or failed, with --no-fail)
  1  the task failed
  2  usage error: a bad option or value, or no API key
  3  timed out
  4  the Kie.ai API refused: bad key, no credits, unknown task ...
  5  the results could not be downloaded or written
  70 an unexpected internal error
`;

const OPTIONS = {
  timeout: { type: 'string' },
  'poll-interval': { type: 'string' },
  'max-poll-interval': { type: 'string' },
  download: { type: 'string' },
  'max-download-size': { type: 'string' },
  'max-requests-per-second': { type: 'string' },
  'base-url': { type: 'string' },
  'no-fail': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  } catch (error) {
    return usageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return print(HELP, ExitCode.Success);
  if (values.version) return print(`${VERSION}\n`, ExitCode.Success);
  const [command, ...args] = positionals;
  const taskIds = args.flatMap((arg) => arg.split(/[\s,]+/)).filter(Boolean);
  if (command !== 'wait')
    return usageError(command ? `Unknown command '${command}'.` : 'No command given.');
  if (taskIds.length === 0) return usageError('kie-task wait needs a task id.');

  const given: Record<string, string | undefined> = {
    [Inputs.TaskId]: taskIds.join(','),
    [Inputs.Timeout]: values.timeout,
    [Inputs.PollInterval]: values['poll-interval'],
    [Inputs.MaxPollInterval]: values['max-poll-interval'],
    [Inputs.BaseUrl]: values['base-url'],
    [Inputs.MaxDownloadSize]: values['max-download-size'],
    [Inputs.MaxRequestsPerSecond]: values['max-requests-per-second'],
    [Inputs.Download]: values.download === undefined ? 'false' : 'true',
    [Inputs.DownloadDir]: values.download,
    [Inputs.FailOnTaskFailure]: values['no-fail'] ? 'false' : 'true',
  };
  if (!process.env[API_KEY_ENV]?.trim()) {
    return usageError(`Set the ${API_KEY_ENV} environment variable to your Kie.ai API key.`);
  }
  let settings;
  try {
    // The key only from the environment: a flag would leave it in shell history and `ps`.
    settings = parseSettings((name) => given[name] ?? '', {
      ...process.env,
      GITHUB_WORKSPACE: process.cwd(),
    });
  } catch (error) {
    // Ids and the key were checked above, so only options are left to name.
    if (error instanceof InputError) {
      const asOptions = Object.keys(OPTIONS).reduce(
        (message, option) => message.replaceAll(`'${option}'`, `'--${option}'`),
        error.message,
      );
      return usageError(asOptions.replaceAll('Input ', 'Option '));
    }
    throw error;
  }

  const progress = startProgress(process.stderr.isTTY === true);
  const report = await runPipeline(settings, {
    now: Date.now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    random: Math.random,
    logger: progress.logger,
  }).finally(progress.stop);

  if (values.json) {
    process.stdout.write(`${JSON.stringify(reportFields(report))}\n`);
  } else {
    printHuman(reportFields(report));
  }
  if (report.failure) {
    process.stderr.write(`kie-task: ${report.failure.message}\n`);
    return EXIT_FOR[report.failure.kind];
  }
  return ExitCode.Success;
}

/** Log lines on stderr (stdout is for results); on a terminal, a live line with the elapsed time. */
function startProgress(tty: boolean): { logger: Logger; stop: () => void } {
  const started = Date.now();
  let state = 'starting';
  const clearLine = () => tty && process.stderr.write('\r\x1b[K');
  const drawLine = () =>
    tty && process.stderr.write(`  ${state} · ${formatDuration(Date.now() - started)}`);
  const ticker = tty ? setInterval(() => (clearLine(), drawLine()), 1_000) : undefined;
  const line = (text: string) => {
    clearLine();
    process.stderr.write(`${text}\n`);
    drawLine();
  };
  return {
    logger: {
      info: (message) => {
        state = /: (\w+) \(after/.exec(message)?.[1] ?? state;
        line(message);
      },
      warning: (message) => line(`warning: ${message}`),
      debug: (message) => process.env.KIE_DEBUG && line(`debug: ${message}`),
    },
    stop: () => {
      clearInterval(ticker);
      clearLine();
    },
  };
}

function printHuman(fields: ReturnType<typeof reportFields>): void {
  const shown = (value: unknown) => (Array.isArray(value) ? value.join('\n  ') : String(value));
  for (const name of ['state', 'model', 'resultUrls', 'files', 'failMsg', 'transcript'] as const) {
    const value = fields[name];
    if (value === '' || (Array.isArray(value) && value.length === 0)) continue;
    process.stdout.write(`${name}:${Array.isArray(value) ? '\n  ' : ' '}${shown(value)}\n`);
  }
}

function usageError(message: string): number {
  process.stderr.write(`kie-task: ${message}\nRun 'kie-task --help' for usage.\n`);
  return ExitCode.Usage;
}

function print(text: string, code: number): number {
  process.stdout.write(text);
  return code;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: Error) => {
    process.stderr.write(`kie-task: unexpected error: ${error.message}\n`);
    if (process.env.KIE_DEBUG) process.stderr.write(`${error.stack}\n`);
    process.exitCode = ExitCode.Internal;
  },
);
