// The only reader of the action's inputs. Every input is read and checked here, once, so the rest
// of the code gets typed values and a user gets one clear line for each mistake. The rules are in
// schema.ts.
import * as core from '@actions/core';
import { z } from 'zod';
import path from 'node:path';
import { ACTION_NAMES, API_KEY_ENV, Inputs, type InputName, type InputNames } from './constants.js';
import { creates } from './create-inputs.js';
import { apiFamily, DEFAULT_API, type ApiFamily, type CreateRequest } from '../kie/apis/index.js';
import { settingsSchema } from './schema.js';

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
  /** Download from private and loopback addresses even when base-url is on none. */
  allowPrivateDownloads: boolean;
  uploadArtifact: boolean;
  /** The artifact-name input; undefined for the default. */
  artifactName?: string;
  /** undefined: the repository's setting. */
  artifactRetentionDays?: number;
  /** Fail when the balance is below this (before creating anything); undefined: no check. */
  minCredits?: number;
  /** Read the balance even when neither creating nor guarding, for the credit outputs. */
  reportCredits: boolean;
  /** The artifact's zip level, 0-9; undefined: chosen by what the files are. */
  compressionLevel?: number;
  /** false: a single result file is uploaded as it is, not zipped. */
  archive: boolean;
  /** On a re-run, wait for the task an earlier attempt created instead of creating another. */
  resumeOnRerun: boolean;
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
    allowPrivateDownloads: raw[Inputs.AllowPrivateDownloads],
    uploadArtifact,
    artifactName: raw[Inputs.ArtifactName] || undefined,
    artifactRetentionDays: raw[Inputs.ArtifactRetentionDays],
    minCredits: raw[Inputs.MinCredits],
    reportCredits: raw[Inputs.ReportCredits],
    compressionLevel: raw[Inputs.CompressionLevel],
    archive: raw[Inputs.Archive],
    resumeOnRerun: raw[Inputs.ResumeOnRerun],
  };
}

export const DEFAULT_REQUESTS_PER_SECOND = 1.5;

export const DEFAULTS = {
  [Inputs.Api]: DEFAULT_API,
  [Inputs.BaseUrl]: 'https://api.kie.ai',
  [Inputs.Timeout]: '30m',
  [Inputs.PollInterval]: '2s',
  [Inputs.MaxPollInterval]: '30s',
  [Inputs.FailOnTaskFailure]: 'true',
  [Inputs.Download]: 'false',
  [Inputs.MaxDownloadSize]: '2GB',
  [Inputs.DownloadTimeout]: '10m',
  [Inputs.AllowPrivateDownloads]: 'false',
  [Inputs.UploadArtifact]: 'false',
  [Inputs.ResumeOnRerun]: 'true',
  // Kie.ai allows 20 requests per 10 s per account (2/s); status queries may count, so stay under.
  [Inputs.MaxRequestsPerSecond]: String(DEFAULT_REQUESTS_PER_SECOND),
  [Inputs.ReportCredits]: 'false',
  [Inputs.Archive]: 'true',
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
