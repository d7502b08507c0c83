// The only reader of the action's inputs. Every input is read and checked here, once, so the rest
// of the code gets typed values and a user gets one clear line for each mistake.
import * as core from '@actions/core';
import { z } from 'zod';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { CreateTaskRequest } from './kie/client.js';
import { parseDuration, parseSize } from './units.js';

export const Inputs = {
  TaskId: 'task-id',
  ApiKey: 'api-key',
  BaseUrl: 'base-url',
  Timeout: 'timeout',
  PollInterval: 'poll-interval',
  MaxPollInterval: 'max-poll-interval',
  FailOnTaskFailure: 'fail-on-task-failure',
  Download: 'download',
  DownloadDir: 'download-dir',
  MaxDownloadSize: 'max-download-size',
  UploadArtifact: 'upload-artifact',
  ArtifactName: 'artifact-name',
  ArtifactRetentionDays: 'artifact-retention-days',
  MaxRequestsPerSecond: 'max-requests-per-second',
  Model: 'model',
  Input: 'input',
  CallbackUrl: 'callback-url',
} as const;

export const Outputs = {
  TaskId: 'taskId',
  State: 'state',
  Model: 'model',
  ResultUrls: 'resultUrls',
  ResultJson: 'resultJson',
  FailCode: 'failCode',
  FailMsg: 'failMsg',
  CreateTime: 'createTime',
  CompleteTime: 'completeTime',
  PollCount: 'pollCount',
  ElapsedMs: 'elapsedMs',
  Files: 'files',
  DownloadDir: 'downloadDir',
  ArtifactId: 'artifactId',
  ArtifactUrl: 'artifactUrl',
  ArtifactDigest: 'artifactDigest',
  Transcript: 'transcript',
  Language: 'language',
  Tasks: 'tasks',
  Succeeded: 'succeeded',
  Failed: 'failed',
} as const;

export const API_KEY_ENV = 'KIE_API_KEY';

export interface Settings {
  /** The tasks to wait for, in the order given; empty when `create` is set. */
  taskIds: string[];
  /** Create the task first (model given instead of task-id). */
  create?: CreateTaskRequest;
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
  uploadArtifact: boolean;
  /** The artifact-name input; undefined for the default. */
  artifactName?: string;
  /** undefined: the repository's setting. */
  artifactRetentionDays?: number;
}

/** A mistake in the inputs: its message is the whole story, so no stack is shown. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

const DURATION_HELP = 'a duration such as 90 (seconds), 250ms, 90s, 15m, 1h or 1h30m';
const SIZE_HELP = 'a size in bytes or with KB, MB or GB, such as 500MB or 2GB';

/** An input in human units, read by `parse`; only positive values make sense, but for `timeout`. */
const positiveAmount = (
  input: string,
  parse: (text: string) => number | undefined,
  help: string,
  allowZero = false,
) =>
  z.string().transform((text, ctx) => {
    const value = parse(text);
    if (value === undefined || value < 0 || (value === 0 && !allowZero)) {
      ctx.addIssue({
        code: 'custom',
        message: `Input '${input}' must be ${help} (got '${text}').`,
      });
      return z.NEVER;
    }
    return value;
  });
const duration = (input: string) => positiveAmount(input, parseDuration, DURATION_HELP);
const size = (input: string) => positiveAmount(input, parseSize, SIZE_HELP);

// YAML 1.2 core booleans, as @actions/core's getBooleanInput accepts, with our own message.
const boolean = (input: string) =>
  z.string().transform((text, ctx) => {
    if (['true', 'True', 'TRUE'].includes(text)) return true;
    if (['false', 'False', 'FALSE'].includes(text)) return false;
    ctx.addIssue({
      code: 'custom',
      message: `Input '${input}' must be true or false (got '${text}').`,
    });
    return z.NEVER;
  });

const MAX_REQUESTS_PER_SECOND = 100;
const MAX_POLL_INTERVAL_MS = 3_600_000;

// YAML is a superset of JSON, so one parser reads both forms of `input`.
const taskInput = z.string().transform((text, ctx) => {
  if (text === '') return undefined;
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    ctx.addIssue({
      code: 'custom',
      message: `Input '${Inputs.Input}' is not valid JSON or YAML (${yamlProblem(error as Error)}).`,
    });
    return z.NEVER;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    ctx.addIssue({
      code: 'custom',
      message: `Input '${Inputs.Input}' must be a JSON object or a YAML mapping of the model's parameters.`,
    });
    return z.NEVER;
  }
  return value as Record<string, unknown>;
});

/** "line 2, column 1: map keys must be unique", from the yaml library's multi-line message. */
function yamlProblem(error: Error & { linePos?: { line: number; col: number }[] }): string {
  const [first = ''] = error.message.split('\n');
  const what = first.replace(/ at line \d+, column \d+:?$/, '').replace(/[.:]$/, '');
  const said = what.charAt(0).toLowerCase() + what.slice(1);
  const at = error.linePos?.[0];
  return at ? `line ${at.line}, column ${at.col}: ${said}` : said;
}

const settingsSchema = z
  .object({
    // One id, or several separated by new lines, commas or spaces.
    taskIds: z.string().transform((text) => text.split(/[\s,]+/).filter(Boolean)),
    model: z.string(),
    input: taskInput,
    callbackUrl: z.string().refine((text) => text === '' || isHttpUrl(text), {
      message: `Input '${Inputs.CallbackUrl}' must be an http(s) URL.`,
    }),
    apiKey: z
      .string()
      .min(
        1,
        `Input '${Inputs.ApiKey}' is required (or set the ${API_KEY_ENV} environment variable).`,
      ),
    baseUrl: z.string().refine(isHttpUrl, {
      message: `Input '${Inputs.BaseUrl}' must be an http(s) URL such as https://api.kie.ai.`,
    }),
    // 0 (or less than poll-interval) is a timeout too: poll once, or until it, then stop.
    timeoutMs: positiveAmount(Inputs.Timeout, parseDuration, DURATION_HELP, true),
    pollIntervalMs: duration(Inputs.PollInterval),
    maxPollIntervalMs: duration(Inputs.MaxPollInterval),
    failOnTaskFailure: boolean(Inputs.FailOnTaskFailure),
    maxRequestsPerSecond: z
      .string()
      .transform(Number)
      .refine((rate) => rate > 0 && rate <= MAX_REQUESTS_PER_SECOND, {
        message: `Input '${Inputs.MaxRequestsPerSecond}' must be a number above 0 and at most ${MAX_REQUESTS_PER_SECOND}, such as 1.5.`,
      }),
    download: boolean(Inputs.Download),
    downloadDir: z.string().optional(),
    workspace: z.string(),
    maxDownloadBytes: size(Inputs.MaxDownloadSize),
    uploadArtifact: boolean(Inputs.UploadArtifact),
    artifactName: z.string().optional(),
    artifactRetentionDays: z
      .string()
      .transform((text) => (text === '' ? undefined : Number(text)))
      .refine((days) => days === undefined || (Number.isInteger(days) && days >= 1 && days <= 90), {
        message: `Input '${Inputs.ArtifactRetentionDays}' must be a whole number of days from 1 to 90.`,
      }),
  })
  // These three only read strings, so they run even when other inputs are wrong: every mistake is
  // reported at once.
  .refine((s) => !(s.model && s.taskIds.length > 0), {
    message: `Give either '${Inputs.TaskId}' (to wait for a task) or '${Inputs.Model}' (to create one), not both.`,
    when: () => true,
  })
  .refine((s) => Boolean(s.model) || s.taskIds.length > 0, {
    message: `Input '${Inputs.TaskId}' is required: the id returned by createTask (or give '${Inputs.Model}' and '${Inputs.Input}' to create the task here).`,
    when: () => true,
  })
  .refine((s) => Boolean(s.model) || !(s.input || s.callbackUrl), {
    message: `Inputs '${Inputs.Input}' and '${Inputs.CallbackUrl}' need '${Inputs.Model}'.`,
    when: () => true,
  })
  .superRefine((s, ctx) => {
    // Past an hour a wait is a mistake, and past 24.8 days Node's timers would fire at once.
    for (const [input, ms] of [
      [Inputs.PollInterval, s.pollIntervalMs],
      [Inputs.MaxPollInterval, s.maxPollIntervalMs],
    ] as const) {
      if (ms > MAX_POLL_INTERVAL_MS) {
        ctx.addIssue({ code: 'custom', message: `Input '${input}' must be at most 1h.` });
      }
    }
    if (s.maxPollIntervalMs < s.pollIntervalMs) {
      ctx.addIssue({
        code: 'custom',
        message: `Input '${Inputs.MaxPollInterval}' must not be shorter than '${Inputs.PollInterval}'.`,
      });
    }
  })
  .transform(({ model, input, callbackUrl, download, ...s }): Settings => ({
    ...s,
    download: download || s.uploadArtifact,
    create: model
      ? { model, input: input ?? {}, ...(callbackUrl && { callBackUrl: callbackUrl }) }
      : undefined,
  }));

function isHttpUrl(text: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

export const DEFAULTS = {
  [Inputs.BaseUrl]: 'https://api.kie.ai',
  [Inputs.Timeout]: '30m',
  [Inputs.PollInterval]: '3s',
  [Inputs.MaxPollInterval]: '30s',
  [Inputs.FailOnTaskFailure]: 'true',
  [Inputs.Download]: 'false',
  [Inputs.MaxDownloadSize]: '2GB',
  [Inputs.UploadArtifact]: 'false',
  // Kie.ai allows 20 requests per 10 s per account (2/s); status queries may count, so stay under.
  [Inputs.MaxRequestsPerSecond]: '1.5',
} as const;

/**
 * Settings from raw input text (empty = not given) and the environment. Pure, for tests and the
 * CLI; throws InputError listing every problem, one per line.
 */
export function parseSettings(
  input: (name: string) => string,
  env: NodeJS.ProcessEnv = process.env,
): Settings {
  const get = (name: string) =>
    input(name).trim() || (DEFAULTS as Record<string, string>)[name] || '';
  const workspace = path.resolve(env.GITHUB_WORKSPACE ?? process.cwd());
  const parsed = settingsSchema.safeParse({
    taskIds: get(Inputs.TaskId),
    model: get(Inputs.Model),
    input: get(Inputs.Input),
    callbackUrl: get(Inputs.CallbackUrl),
    maxRequestsPerSecond: get(Inputs.MaxRequestsPerSecond),
    apiKey: get(Inputs.ApiKey) || env[API_KEY_ENV]?.trim() || '',
    baseUrl: get(Inputs.BaseUrl).replace(/\/+$/, ''),
    timeoutMs: get(Inputs.Timeout),
    pollIntervalMs: get(Inputs.PollInterval),
    maxPollIntervalMs: get(Inputs.MaxPollInterval),
    failOnTaskFailure: get(Inputs.FailOnTaskFailure),
    download: get(Inputs.Download),
    downloadDir: get(Inputs.DownloadDir)
      ? path.resolve(workspace, get(Inputs.DownloadDir))
      : undefined,
    workspace,
    maxDownloadBytes: get(Inputs.MaxDownloadSize),
    uploadArtifact: get(Inputs.UploadArtifact),
    artifactName: get(Inputs.ArtifactName) || undefined,
    artifactRetentionDays: get(Inputs.ArtifactRetentionDays),
  });
  if (!parsed.success) throw new InputError(parsed.error.issues.map((i) => i.message).join('\n'));
  return parsed.data;
}

/** Reads the action's inputs. The key is masked before anything can log it. */
export function readSettings(): Settings {
  const apiKey = (core.getInput(Inputs.ApiKey) || process.env[API_KEY_ENV] || '').trim();
  if (apiKey) core.setSecret(apiKey);
  return parseSettings((name) => core.getInput(name));
}
