// The only reader of the action's inputs. Every input is read and checked here, once, so the rest
// of the code gets typed values and a user gets one clear line for each mistake.
import * as core from '@actions/core';
import { z } from 'zod';
import path from 'node:path';
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
} as const;

export const API_KEY_ENV = 'KIE_API_KEY';

export interface Settings {
  taskId: string;
  apiKey: string;
  baseUrl: string;
  timeoutMs: number;
  pollIntervalMs: number;
  maxPollIntervalMs: number;
  failOnTaskFailure: boolean;
  /** Download results (and write transcripts) after success; true whenever uploadArtifact is. */
  download: boolean;
  downloadDir: string;
  maxDownloadBytes: number;
  uploadArtifact: boolean;
  artifactName: string;
  /** undefined: the repository's setting. */
  artifactRetentionDays?: number;
}

/** A mistake in the inputs: its message is the whole story, so no stack is shown. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

const DURATION_HELP = 'a duration such as 90 (seconds), 250ms, 90s, 15m, 1h or 1h30m';

const duration = (input: string) =>
  z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined || ms <= 0) {
      ctx.addIssue({
        code: 'custom',
        message: `Input '${input}' must be ${DURATION_HELP} (got '${text}').`,
      });
      return z.NEVER;
    }
    return ms;
  });

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

const SIZE_HELP = 'a size in bytes or with KB, MB or GB, such as 500MB or 2GB';

const size = (input: string) =>
  z.string().transform((text, ctx) => {
    const bytes = parseSize(text);
    if (bytes === undefined || bytes <= 0) {
      ctx.addIssue({
        code: 'custom',
        message: `Input '${input}' must be ${SIZE_HELP} (got '${text}').`,
      });
      return z.NEVER;
    }
    return bytes;
  });

const settingsSchema = z
  .object({
    taskId: z
      .string()
      .min(1, `Input '${Inputs.TaskId}' is required: the id returned by createTask.`),
    apiKey: z
      .string()
      .min(
        1,
        `Input '${Inputs.ApiKey}' is required (or set the ${API_KEY_ENV} environment variable).`,
      ),
    baseUrl: z.string().refine(isHttpUrl, {
      message: `Input '${Inputs.BaseUrl}' must be an http(s) URL such as https://api.kie.ai.`,
    }),
    timeoutMs: duration(Inputs.Timeout),
    pollIntervalMs: duration(Inputs.PollInterval),
    maxPollIntervalMs: duration(Inputs.MaxPollInterval),
    failOnTaskFailure: boolean(Inputs.FailOnTaskFailure),
    download: boolean(Inputs.Download),
    downloadDir: z.string(),
    maxDownloadBytes: size(Inputs.MaxDownloadSize),
    uploadArtifact: boolean(Inputs.UploadArtifact),
    artifactName: z.string(),
    artifactRetentionDays: z
      .string()
      .transform((text) => (text === '' ? undefined : Number(text)))
      .refine((days) => days === undefined || (Number.isInteger(days) && days >= 1 && days <= 90), {
        message: `Input '${Inputs.ArtifactRetentionDays}' must be a whole number of days from 1 to 90.`,
      }),
  })
  .transform(({ download, ...s }) => ({ ...s, download: download || s.uploadArtifact }))
  .superRefine((s, ctx) => {
    if (s.maxPollIntervalMs < s.pollIntervalMs) {
      ctx.addIssue({
        code: 'custom',
        message: `Input '${Inputs.MaxPollInterval}' must not be shorter than '${Inputs.PollInterval}'.`,
      });
    }
    if (s.timeoutMs < s.pollIntervalMs) {
      ctx.addIssue({
        code: 'custom',
        message: `Input '${Inputs.Timeout}' must not be shorter than '${Inputs.PollInterval}'.`,
      });
    }
  });

/** A task id as one directory name: ids are opaque and may hold anything. */
function safeSegment(taskId: string): string {
  return taskId.replace(/[^\w.-]+/g, '_').replace(/^\.+/, '_') || 'task';
}

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
  const parsed = settingsSchema.safeParse({
    taskId: get(Inputs.TaskId),
    apiKey: get(Inputs.ApiKey) || env[API_KEY_ENV]?.trim() || '',
    baseUrl: get(Inputs.BaseUrl).replace(/\/+$/, ''),
    timeoutMs: get(Inputs.Timeout),
    pollIntervalMs: get(Inputs.PollInterval),
    maxPollIntervalMs: get(Inputs.MaxPollInterval),
    failOnTaskFailure: get(Inputs.FailOnTaskFailure),
    download: get(Inputs.Download),
    downloadDir: path.resolve(
      env.GITHUB_WORKSPACE ?? process.cwd(),
      get(Inputs.DownloadDir) || path.join('kie-results', safeSegment(get(Inputs.TaskId))),
    ),
    maxDownloadBytes: get(Inputs.MaxDownloadSize),
    uploadArtifact: get(Inputs.UploadArtifact),
    artifactName: get(Inputs.ArtifactName) || `kie-${get(Inputs.TaskId)}`,
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
