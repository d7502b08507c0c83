// The CLI's command line: node's parseArgs, and each way it can be wrong as one line that echoes
// what was wrong and says what is allowed.
import { parseArgs } from 'node:util';
import { apiFamily, DEFAULT_API } from '../kie/apis/index.js';

export const OPTIONS = {
  model: { type: 'string' },
  input: { type: 'string' },
  'callback-url': { type: 'string' },
  api: { type: 'string' },
  timeout: { type: 'string' },
  'poll-interval': { type: 'string' },
  'max-poll-interval': { type: 'string' },
  download: { type: 'string' },
  'max-download-size': { type: 'string' },
  'download-timeout': { type: 'string' },
  'allow-private-downloads': { type: 'boolean' },
  'max-requests-per-second': { type: 'string' },
  'base-url': { type: 'string' },
  'min-credits': { type: 'string' },
  'report-credits': { type: 'boolean' },
  'state-file': { type: 'string' },
  'no-fail': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

type Parsed = ReturnType<
  typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true }>
>;

/** The options and positionals, or the problem with them. */
export function parseCommandLine(argv: string[]): Parsed | string {
  let parsed: Parsed;
  try {
    parsed = parseArgs({ args: withNegatives(argv), options: OPTIONS, allowPositionals: true });
  } catch (error) {
    return argumentError(error as Error & { code?: string });
  }
  // `--min-credits "$MIN"` with MIN unset must not quietly drop the check for the default.
  const empty = Object.entries(parsed.values).find(
    ([, value]) => typeof value === 'string' && value.trim() === '',
  );
  return empty ? needsValue(`--${empty[0]}`) : parsed;
}

/**
 * `--timeout -5` as `--timeout=-5`: parseArgs reads -5 as an option, and the user would be told
 * the value is missing instead of what values are allowed.
 */
function withNegatives(argv: string[]): string[] {
  const args: string[] = [];
  let joined = false;
  for (const [i, arg] of argv.entries()) {
    if (arg === '--') return [...args, ...argv.slice(i)];
    if (joined) {
      joined = false;
      continue;
    }
    const next = argv[i + 1] ?? '';
    const takesValue = OPTIONS[arg.slice(2) as keyof typeof OPTIONS]?.type === 'string';
    joined = arg.startsWith('--') && takesValue && /^-\.?\d/.test(next);
    args.push(joined ? `${arg}=${next}` : arg);
  }
  return args;
}

const needsValue = (option: string) => `Option '${option}' needs a value: ${option} <value>.`;

// All a balance read uses (poll-interval: its retry wait); --help and --version end before it.
const CREDITS_OPTIONS = new Set([
  'min-credits',
  'json',
  'base-url',
  'poll-interval',
  'max-requests-per-second',
]);

/** What is wrong with this command and its arguments, if anything. */
export function commandError(
  command: string | undefined,
  args: string[],
  taskIds: string[],
  values: Parsed['values'],
): string | undefined {
  if (command !== 'wait' && command !== 'create' && command !== 'credits') {
    return command
      ? `Unknown command '${command}'. The commands are wait, create and credits.`
      : 'No command given.';
  }
  if (command === 'wait' && taskIds.length === 0) return 'kie-task wait needs a task id.';
  // `—timeout` pasted from a page that turned `--` into a dash would be waited for as a task id.
  const dashed = args.find((arg) => /^[\u2012-\u2015\u2212]/.test(arg));
  if (dashed) {
    return `'${dashed}' starts with a dash character, not two hyphens: write --${dashed.slice(1)} for the option.`;
  }
  if (command === 'create') {
    const problems = [
      taskIds.length > 0 &&
        'kie-task create takes no task id: it creates the task (kie-task wait <task-id> waits for one).',
      createNeeds(values),
    ].filter(Boolean);
    if (problems.length > 0) return problems.join('\n');
  }
  if (command === 'credits' && args.length > 0) return 'kie-task credits takes no task id.';
  const unused = Object.keys(values).find((name) => !CREDITS_OPTIONS.has(name));
  if (command === 'credits' && unused) {
    return `kie-task credits takes no --${unused}: it uses only ${[...CREDITS_OPTIONS].map((name) => `--${name}`).join(', ')}.`;
  }
  if (command !== 'create' && (values.model || values.input || values['callback-url'])) {
    return "--model, --input and --callback-url go with 'kie-task create'.";
  }
  if (command !== 'create' && values['state-file']) {
    return "--state-file goes with 'kie-task create': it records the task create makes.";
  }
  return undefined;
}

/** What create lacks to know what to create: Market runs a model, most other APIs take --input alone. */
function createNeeds(values: Parsed['values']): string | undefined {
  const family = apiFamily(values.api ?? DEFAULT_API);
  // An unknown --api is reported with the settings; what it needs depends on it.
  if (!family || values.model || (family.create.model !== 'required' && values.input)) return;
  if (family.create.model === 'required') {
    return `kie-task create needs --model: the ${family.label} API runs a model (the other APIs, chosen with --api, can be created from --input alone).`;
  }
  const api = `kie-task create --api ${family.name}`;
  return family.create.model === 'optional'
    ? `${api} needs --input (and optionally --model).`
    : `${api} needs --input: ${family.label}'s request has no model.`;
}

/** parseArgs' complaint as one line that echoes what was wrong and says what is allowed. */
function argumentError(error: Error & { code?: string }): string {
  const option = /'(-[^' ]+)/.exec(error.message)?.[1] ?? '';
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const known = Object.keys(OPTIONS).map((name) => `--${name}`);
    return `Unknown option '${option}'. The options are ${known.join(', ')}.`;
  }
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const type = OPTIONS[option.replace(/^--/, '') as keyof typeof OPTIONS]?.type;
    return type === 'boolean' ? `Option '${option}' takes no value.` : needsValue(option);
  }
  return error.message;
}
