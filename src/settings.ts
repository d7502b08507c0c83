// The only reader of the action's inputs. Every input is read and checked here, once, so the rest
// of the code gets typed values and a user gets one clear line for each mistake.
import * as core from '@actions/core';
import { z } from 'zod';
import { parseDuration } from './units.js';

export const Inputs = {
  TaskId: 'task-id',
  ApiKey: 'api-key',
  BaseUrl: 'base-url',
  Timeout: 'timeout',
  PollInterval: 'poll-interval',
  MaxPollInterval: 'max-poll-interval',
  FailOnTaskFailure: 'fail-on-task-failure',
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
  })
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
