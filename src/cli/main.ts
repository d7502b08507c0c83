// `kie-task`: the action's pipeline from a terminal or any other CI system. Same settings checks,
// same waiting, same results; only the reporting differs. `main(argv, io)` is the whole program;
// index.ts runs it on the real process.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { API_KEY_ENV, Inputs, type InputName, type InputNames } from '../settings/constants.js';
import { balanceClient, belowMinimum, readBalance } from '../run/credits.js';
import { KieApiError } from '../kie/client.js';
import { runPipeline } from '../run/pipeline.js';
import { reportFields, type FailureKind } from '../report/report.js';
import { systemRuntime } from '../runtime.js';
import { InputError, parseSettings, type Settings } from '../settings/settings.js';
import { commandError, parseCommandLine } from './args.js';
import { startDisplay } from './display.js';
import { stateFileStore } from './state-file.js';
import { guard, type CliIo, type RunIo } from './io.js';
import { jsonFields } from './json.js';
import { HELP } from './help.js';
import { VERSION } from '../version.js';
import { RequestBudget } from '../wait/budget.js';

export const ExitCode = {
  Success: 0,
  TaskFailed: 1,
  Usage: 2,
  Timeout: 3,
  Api: 4,
  Results: 5,
  /** The balance is below --min-credits: nothing was created, or the wait stopped (apart from 4, a refusal). */
  LowBalance: 6,
  Internal: 70,
  // 128 + SIGINT, as a shell reports a command stopped by Ctrl-C.
  Cancelled: 130,
} as const;

const EXIT_FOR: Record<FailureKind, number> = {
  'task-failed': ExitCode.TaskFailed,
  timeout: ExitCode.Timeout,
  api: ExitCode.Api,
  balance: ExitCode.LowBalance,
  results: ExitCode.Results,
  cancelled: ExitCode.Cancelled,
};

/** The option each input is given by, for messages; inputs without one keep their own name. */
const OPTION_OF: Partial<Record<InputName, string>> = {
  [Inputs.DownloadDir]: `'--download'`,
  [Inputs.Download]: `'--download'`,
  [Inputs.FailOnTaskFailure]: `'--no-fail'`,
  [Inputs.ApiKey]: API_KEY_ENV,
  [Inputs.TaskId]: 'the task id',
};

export const CLI_NAMES: InputNames = {
  noun: 'Option',
  of: (input) => OPTION_OF[input] ?? `'--${input}'`,
};

/** Runs one command; resolves to the exit code, never rejects. */
export async function main(argv: string[], given: CliIo): Promise<number> {
  const secret = given.env[API_KEY_ENV]?.trim();
  const stdout = guard(given.stdout, secret);
  const io: RunIo = { ...given, stdout, stderr: guard(given.stderr, secret) };
  let code: number;
  try {
    code = await command(argv, io);
  } catch (error) {
    io.stderr.write(`kie-task: unexpected error: ${(error as Error).message}\n`);
    if (io.env.KIE_DEBUG) io.stderr.write(`${(error as Error).stack}\n`);
    code = ExitCode.Internal;
  }
  // A reader that stopped reading (`| head`) is no failure; a stdout that lost the results is.
  const failure = await stdout.settled();
  if (!failure || failure.code === 'EPIPE') return code;
  io.stderr.write(`kie-task: Could not write the output to stdout: ${failure.message}\n`);
  return code === ExitCode.Success ? ExitCode.Results : code;
}

async function command(argv: string[], io: RunIo): Promise<number> {
  const usageError = (message: string) => {
    // One line a problem, each pointing to the help.
    const lines = message.split('\n').map((line) => `kie-task: ${line} See 'kie-task --help'.`);
    io.stderr.write(`${lines.join('\n')}\n`);
    return ExitCode.Usage;
  };
  const parsed = parseCommandLine(argv);
  if (typeof parsed === 'string') return usageError(parsed);
  const { values, positionals } = parsed;
  if (values.help) return print(io, HELP, ExitCode.Success);
  if (values.version) return print(io, `${VERSION}\n`, ExitCode.Success);
  const [command, ...args] = positionals;
  const taskIds = args.flatMap((arg) => arg.split(/[\s,]+/)).filter(Boolean);
  const problem = commandError(command, args, taskIds, values);
  if (problem) return usageError(problem);
  let input = values.input;
  if (input?.startsWith('@')) {
    try {
      input = await readFile(path.resolve(io.cwd, input.slice(1)), 'utf8');
    } catch (error) {
      const reason =
        (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'unreadable';
      return usageError(
        `Option '--input' names a file that cannot be read (${reason}): ${input.slice(1)}`,
      );
    }
  }

  const given: Partial<Record<InputName, string>> = {
    // `credits` waits for no task: a placeholder id passes the check that wait needs one.
    [Inputs.TaskId]: command === 'credits' ? '-' : taskIds.join(','),
    [Inputs.Api]: values.api,
    [Inputs.Model]: values.model,
    [Inputs.Input]: input,
    [Inputs.CallbackUrl]: values['callback-url'],
    [Inputs.Timeout]: values.timeout,
    [Inputs.PollInterval]: values['poll-interval'],
    [Inputs.MaxPollInterval]: values['max-poll-interval'],
    [Inputs.BaseUrl]: values['base-url'],
    [Inputs.MaxDownloadSize]: values['max-download-size'],
    [Inputs.DownloadTimeout]: values['download-timeout'],
    [Inputs.AllowPrivateDownloads]: values['allow-private-downloads'] ? 'true' : 'false',
    [Inputs.MaxRequestsPerSecond]: values['max-requests-per-second'],
    [Inputs.Download]: values.download === undefined ? 'false' : 'true',
    [Inputs.DownloadDir]: values.download,
    [Inputs.FailOnTaskFailure]: values['no-fail'] ? 'false' : 'true',
    [Inputs.MinCredits]: values['min-credits'],
    [Inputs.ReportCredits]: values['report-credits'] ? 'true' : 'false',
  };
  if (!io.env[API_KEY_ENV]?.trim()) {
    return usageError(`Set the ${API_KEY_ENV} environment variable to your Kie.ai API key.`);
  }
  let settings;
  try {
    // The key only from the environment: a flag would leave it in shell history and `ps`.
    settings = parseSettings(
      (name) => given[name] ?? '',
      { ...io.env, GITHUB_WORKSPACE: io.cwd },
      CLI_NAMES,
    );
  } catch (error) {
    if (error instanceof InputError) return usageError(error.message);
    throw error;
  }

  if (command === 'credits') return printCredits(io, settings, Boolean(values.json));
  const display = startDisplay(io, command === 'create' ? 1 : taskIds.length);
  const report = await runPipeline(settings, {
    ...(io.runtime ?? systemRuntime),
    logger: display.logger,
    names: CLI_NAMES,
    // The id first, on stdout, as soon as there is one: `id=$(kie-task create … | head -n1)`.
    onCreated: (taskId) => !values.json && io.stdout.write(`${taskId}\n`),
    onProgress: display.show,
    signal: io.signal,
    ...(values['state-file'] && {
      rerunStore: stateFileStore(path.resolve(io.cwd, values['state-file']), display.logger),
    }),
  }).finally(display.stop);

  const fields = reportFields(report);
  // JSON escapes every control character but DEL; escaped too, the output stays lossless.
  const json = () => JSON.stringify(jsonFields(fields)).replaceAll('\x7f', '\\u007f');
  if (values.json) io.stdout.write(`${json()}\n`);
  else printHuman(io, fields, report.failure?.message);
  if (report.failure) {
    io.stderr.write(`kie-task: ${report.failure.message}\n`);
    return EXIT_FOR[report.failure.kind];
  }
  return ExitCode.Success;
}

/** The fields worth a line; the step's failure is told on stderr, so not again as failMsg. */
function printHuman(io: RunIo, fields: ReturnType<typeof reportFields>, failure?: string): void {
  const shown = (value: unknown) => (Array.isArray(value) ? value.join('\n  ') : String(value));
  const names = [
    ...['state', 'apiState', 'model', 'resultUrls', 'files', 'failMsg', 'transcript'],
    ...['creditsUsed', 'creditsAfter'],
  ] as const;
  for (const name of names) {
    const value = fields[name];
    // The family's own value, where it says more than the state.
    if (name === 'apiState' && value === fields.state) continue;
    if (name === 'failMsg' && value === failure) continue;
    if (value === '' || (Array.isArray(value) && value.length === 0)) continue;
    io.stdout.write(`${name}:${Array.isArray(value) ? '\n  ' : ' '}${shown(value)}\n`);
  }
}

/** `kie-task credits`: the balance on stdout; unreadable exits 4, below --min-credits 6. */
async function printCredits(io: RunIo, settings: Settings, json: boolean): Promise<number> {
  const display = startDisplay(io);
  const deps = { ...(io.runtime ?? systemRuntime), logger: display.logger, names: CLI_NAMES };
  const client = balanceClient(settings, deps);
  let credits: number;
  try {
    const budget = new RequestBudget(settings.maxRequestsPerSecond, deps);
    credits = await readBalance(client, budget, deps, settings.pollIntervalMs);
  } catch (error) {
    if (!(error instanceof KieApiError)) throw error;
    io.stderr.write(`kie-task: Could not read the Kie.ai credit balance: ${error.message}\n`);
    return ExitCode.Api;
  } finally {
    client.dispose();
    display.stop();
  }
  // A bare number without --json, for `balance=$(kie-task credits)`.
  io.stdout.write(json ? `${JSON.stringify({ credits })}\n` : `${credits}\n`);
  const below = belowMinimum(credits, settings.minCredits, CLI_NAMES);
  if (!below) return ExitCode.Success;
  io.stderr.write(`kie-task: ${below}\n`);
  return ExitCode.LowBalance;
}

function print(io: RunIo, text: string, code: number): number {
  io.stdout.write(text);
  return code;
}
