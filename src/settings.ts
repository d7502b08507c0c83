// The only reader of the action's inputs. Every input is read and checked here, once, so the rest
// of the code gets typed values and a user gets one clear line for each mistake.
import * as core from '@actions/core';
import { z } from 'zod';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ACTION_NAMES, API_KEY_ENV, Inputs, type InputName, type InputNames } from './constants.js';
import { createProblems, creates } from './create-inputs.js';
import {
  API_NAMES,
  apiFamily,
  DEFAULT_API,
  type ApiFamily,
  type CreateRequest,
} from './kie/apis/index.js';
import { parseDuration, parseSize } from './units.js';

export interface Settings {
  /** The tasks to wait for, in the order given; empty when `create` is set. */
  taskIds: string[];
  /** The Kie.ai API family every task of the step belongs to (default Market). */
  api: ApiFamily;
  /** Create the task first (model and/or input given instead of task-id). */
  create?: CreateRequest;
  apiKey: string;
  baseUrl: string;
  timeoutMs: number;
  pollIntervalMs: number;
  maxPollIntervalMs: number;
  /** One budget for every request the step makes. */
  maxRequestsPerSecond: number;
  failOnTaskFailure: boolean;
  /** Download results (and write transcripts) after success; true whenever uploadArtifact is. */
  download: boolean;
  /** The download-dir input, resolved; undefined for the default. */
  downloadDir?: string;
  /** Where relative paths and the default download-dir live (GITHUB_WORKSPACE). */
  workspace: string;
  maxDownloadBytes: number;
  /** For all of a task's downloads together, from when its results phase starts. */
  downloadTimeoutMs: number;
  uploadArtifact: boolean;
  /** The artifact-name input; undefined for the default. */
  artifactName?: string;
  /** undefined: the repository's setting. */
  artifactRetentionDays?: number;
  /** Fail before creating or waiting when the balance is below this; undefined: no check. */
  minCredits?: number;
}

export interface InputProblem {
  /** The input at fault, so each surface can name it its own way. */
  input: InputName;
  message: string;
}

/** Mistakes in the inputs: the message is the whole story (a line each), so no stack is shown. */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(readonly problems: InputProblem[]) {
    super(problems.map((problem) => problem.message).join('\n'));
  }
}

const DURATION_HELP = 'a duration such as 90 (seconds), 250ms, 90s, 15m, 1h or 1h30m';
const SIZE_HELP = 'a size in bytes or with KB, MB or GB, such as 500MB or 2GB';
const MAX_REQUESTS_PER_SECOND = 100;
/** The longest value, in hours, of the durations that have a limit below Node's timers'. */
const LONGEST = [
  [Inputs.PollInterval, 1],
  [Inputs.MaxPollInterval, 1],
  [Inputs.DownloadTimeout, 24],
] as const;

/**
 * The schema of the raw inputs, keyed by input name so that every issue's path is the input at
 * fault; its messages name inputs as `names` says (the action's inputs, or the CLI's options).
 */
function settingsSchema(names: InputNames) {
  const subject = (input: InputName) => `${names.noun} ${names.of(input)}`;
  const problem = (ctx: z.RefinementCtx, input: InputName, message: string) =>
    ctx.addIssue({ code: 'custom', path: [input], message });

  /** An input in human units, read by `parse`; only positive values make sense, but for timeout. */
  const positiveAmount = (
    input: InputName,
    parse: (text: string) => number | undefined,
    help: string,
    allowZero = false,
  ) =>
    z.string().transform((text, ctx) => {
      const value = parse(text);
      if (value === undefined || value < 0 || (value === 0 && !allowZero)) {
        problem(ctx, input, `${subject(input)} must be ${help} (got '${text}').`);
        return z.NEVER;
      }
      return value;
    });
  const duration = (input: InputName) => positiveAmount(input, parseDuration, DURATION_HELP);
  const size = (input: InputName) => positiveAmount(input, parseSize, SIZE_HELP);

  // YAML 1.2 core booleans, as @actions/core's getBooleanInput accepts, with our own message.
  const boolean = (input: InputName) =>
    z.string().transform((text, ctx) => {
      if (['true', 'True', 'TRUE'].includes(text)) return true;
      if (['false', 'False', 'FALSE'].includes(text)) return false;
      problem(ctx, input, `${subject(input)} must be true or false (got '${text}').`);
      return z.NEVER;
    });

  // YAML is a superset of JSON, so one parser reads both forms of `input`.
  const taskInput = z.string().transform((text, ctx) => {
    if (text === '') return undefined;
    let value: unknown;
    try {
      value = parseYaml(text);
    } catch (error) {
      problem(
        ctx,
        Inputs.Input,
        `${subject(Inputs.Input)} is not valid JSON or YAML (${yamlProblem(error as Error)}).`,
      );
      return z.NEVER;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      problem(
        ctx,
        Inputs.Input,
        `${subject(Inputs.Input)} must be a JSON object or a YAML mapping of the model's parameters.`,
      );
      return z.NEVER;
    }
    return value as Record<string, unknown>;
  });

  /** A string input that `check` must accept; the message echoes what was given. */
  const refined = (input: InputName, check: (text: string) => boolean, allowed: string) =>
    z.string().superRefine((text, ctx) => {
      if (!check(text))
        problem(ctx, input, `${subject(input)} must be ${allowed} (got '${text}').`);
    });

  return (
    z
      .object({
        // One id, or several separated by new lines, commas or spaces.
        [Inputs.TaskId]: z.string().transform((text) => text.split(/[\s,]+/).filter(Boolean)),
        [Inputs.Api]: refined(
          Inputs.Api,
          (name) => apiFamily(name) !== undefined,
          `one of ${API_NAMES.join(', ')}`,
        ),
        [Inputs.Model]: z.string(),
        [Inputs.Input]: taskInput,
        [Inputs.CallbackUrl]: refined(
          Inputs.CallbackUrl,
          (text) => text === '' || isHttpUrl(text),
          'an http(s) URL',
        ),
        [Inputs.ApiKey]: z.string().min(
          1,
          // Only the action gets here: the CLI reads the key from the environment alone.
          `${names.noun} '${Inputs.ApiKey}' is required (or set the ${API_KEY_ENV} environment variable).`,
        ),
        [Inputs.BaseUrl]: refined(
          Inputs.BaseUrl,
          isHttpUrl,
          'an http(s) URL such as https://api.kie.ai',
        ),
        // 0 (or less than poll-interval) is a timeout too: poll once, or until it, then stop.
        [Inputs.Timeout]: positiveAmount(Inputs.Timeout, parseDuration, DURATION_HELP, true),
        [Inputs.PollInterval]: duration(Inputs.PollInterval),
        [Inputs.MaxPollInterval]: duration(Inputs.MaxPollInterval),
        [Inputs.FailOnTaskFailure]: boolean(Inputs.FailOnTaskFailure),
        [Inputs.MaxRequestsPerSecond]: refined(
          Inputs.MaxRequestsPerSecond,
          (text) => Number(text) > 0 && Number(text) <= MAX_REQUESTS_PER_SECOND,
          `a number above 0 and at most ${MAX_REQUESTS_PER_SECOND}, such as 1.5`,
        ).transform(Number),
        [Inputs.Download]: boolean(Inputs.Download),
        [Inputs.DownloadDir]: z.string(),
        [Inputs.MaxDownloadSize]: size(Inputs.MaxDownloadSize),
        [Inputs.DownloadTimeout]: duration(Inputs.DownloadTimeout),
        [Inputs.UploadArtifact]: boolean(Inputs.UploadArtifact),
        [Inputs.ArtifactName]: z.string(),
        [Inputs.ArtifactRetentionDays]: refined(
          Inputs.ArtifactRetentionDays,
          (text) => text === '' || /^(?:[1-9]|[1-8]\d|90)$/.test(text),
          'a whole number of days from 1 to 90',
        ).transform((text) => (text === '' ? undefined : Number(text))),
        [Inputs.MinCredits]: refined(
          Inputs.MinCredits,
          (text) => text === '' || /^\d+(\.\d+)?$/.test(text),
          'a number of credits, such as 50 or 12.5',
        ).transform((text) => (text === '' ? undefined : Number(text))),
      })
      // These only read strings, so they run even when other inputs are wrong: every mistake is
      // reported at once.
      .superRefine(
        (s, ctx) => {
          for (const { input, message } of createProblems(s, names)) problem(ctx, input, message);
        },
        { when: () => true },
      )
      .superRefine((s, ctx) => {
        // Past these a wait is a mistake, and past 24.8 days Node's timers would fire at once.
        for (const [input, hours] of LONGEST) {
          if (s[input] > hours * 3_600_000) {
            problem(ctx, input, `${subject(input)} must be at most ${hours}h.`);
          }
        }
        if (s[Inputs.MaxPollInterval] < s[Inputs.PollInterval]) {
          problem(
            ctx,
            Inputs.MaxPollInterval,
            `${subject(Inputs.MaxPollInterval)} must not be shorter than ${names.of(Inputs.PollInterval)}.`,
          );
        }
      })
  );
}

/** "line 2, column 1: map keys must be unique", from the yaml library's multi-line message. */
function yamlProblem(error: Error & { linePos?: { line: number; col: number }[] }): string {
  const [first = ''] = error.message.split('\n');
  const what = first.replace(/ at line \d+, column \d+:?$/, '').replace(/[.:]$/, '');
  const said = what.charAt(0).toLowerCase() + what.slice(1);
  const at = error.linePos?.[0];
  return at ? `line ${at.line}, column ${at.col}: ${said}` : said;
}

type RawInputs = z.output<ReturnType<typeof settingsSchema>>;

function toSettings(raw: RawInputs, workspace: string): Settings {
  const api = apiFamily(raw[Inputs.Api])!;
  const model = raw[Inputs.Model];
  const callbackUrl = raw[Inputs.CallbackUrl];
  const uploadArtifact = raw[Inputs.UploadArtifact];
  return {
    taskIds: raw[Inputs.TaskId],
    api,
    create: creates(raw, api)
      ? {
          ...(model && { model }),
          input: raw[Inputs.Input] ?? {},
          ...(callbackUrl && { callBackUrl: callbackUrl }),
        }
      : undefined,
    apiKey: raw[Inputs.ApiKey],
    baseUrl: raw[Inputs.BaseUrl],
    timeoutMs: raw[Inputs.Timeout],
    pollIntervalMs: raw[Inputs.PollInterval],
    maxPollIntervalMs: raw[Inputs.MaxPollInterval],
    maxRequestsPerSecond: raw[Inputs.MaxRequestsPerSecond],
    failOnTaskFailure: raw[Inputs.FailOnTaskFailure],
    download: raw[Inputs.Download] || uploadArtifact,
    downloadDir: raw[Inputs.DownloadDir]
      ? path.resolve(workspace, raw[Inputs.DownloadDir])
      : undefined,
    workspace,
    maxDownloadBytes: raw[Inputs.MaxDownloadSize],
    downloadTimeoutMs: raw[Inputs.DownloadTimeout],
    uploadArtifact,
    artifactName: raw[Inputs.ArtifactName] || undefined,
    artifactRetentionDays: raw[Inputs.ArtifactRetentionDays],
    minCredits: raw[Inputs.MinCredits],
  };
}

function isHttpUrl(text: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

export const DEFAULTS = {
  [Inputs.Api]: DEFAULT_API,
  [Inputs.BaseUrl]: 'https://api.kie.ai',
  [Inputs.Timeout]: '30m',
  [Inputs.PollInterval]: '3s',
  [Inputs.MaxPollInterval]: '30s',
  [Inputs.FailOnTaskFailure]: 'true',
  [Inputs.Download]: 'false',
  [Inputs.MaxDownloadSize]: '2GB',
  [Inputs.DownloadTimeout]: '10m',
  [Inputs.UploadArtifact]: 'false',
  // Kie.ai allows 20 requests per 10 s per account (2/s); status queries may count, so stay under.
  [Inputs.MaxRequestsPerSecond]: '1.5',
} as const;

/**
 * Settings from raw input text (empty = not given) and the environment. Pure, for tests and the
 * CLI; throws InputError listing every problem, one per line, naming inputs as `names` says.
 */
export function parseSettings(
  input: (name: InputName) => string,
  env: NodeJS.ProcessEnv = process.env,
  names: InputNames = ACTION_NAMES,
): Settings {
  const get = (name: InputName) =>
    input(name).trim() || (DEFAULTS as Partial<Record<InputName, string>>)[name] || '';
  const raw = Object.fromEntries(Object.values(Inputs).map((name) => [name, get(name)])) as Record<
    InputName,
    string
  >;
  raw[Inputs.ApiKey] ||= env[API_KEY_ENV]?.trim() ?? '';
  raw[Inputs.BaseUrl] = raw[Inputs.BaseUrl].replace(/\/+$/, '');
  const parsed = settingsSchema(names).safeParse(raw);
  if (!parsed.success) {
    throw new InputError(
      parsed.error.issues.map((issue) => ({
        input: issue.path[0] as InputName,
        message: issue.message,
      })),
    );
  }
  return toSettings(parsed.data, path.resolve(env.GITHUB_WORKSPACE ?? process.cwd()));
}

/** Reads the action's inputs. The key is masked before anything can log it. */
export function readSettings(): Settings {
  const apiKey = (core.getInput(Inputs.ApiKey) || process.env[API_KEY_ENV] || '').trim();
  if (apiKey) core.setSecret(apiKey);
  return parseSettings((name) => core.getInput(name));
}
