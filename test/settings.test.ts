// Settings errors name the input at fault as data, and each surface words them its own way.
import { describe, expect, it } from 'vitest';
import { CLI_NAMES } from '../src/cli/main.js';
import { Inputs } from '../src/settings/constants.js';
import { InputError, parseSettings } from '../src/settings/settings.js';

function problemsOf(inputs: Record<string, string>, names?: typeof CLI_NAMES) {
  try {
    parseSettings((name) => inputs[name] ?? '', { KIE_API_KEY: 'key' }, names);
  } catch (error) {
    if (error instanceof InputError) return error.problems;
    throw error;
  }
  throw new Error('no InputError');
}

describe('settings errors', () => {
  it('carry the input at fault with each message, every mistake at once', () => {
    expect(
      problemsOf({ 'task-id': 't', timeout: 'soon', 'max-download-size': 'big', download: 'yes' }),
    ).toEqual([
      { input: Inputs.Timeout, message: expect.stringMatching(/^Input 'timeout' must be/) },
      { input: Inputs.Download, message: "Input 'download' must be true or false (got 'yes')." },
      {
        input: Inputs.MaxDownloadSize,
        message: expect.stringMatching(/^Input 'max-download-size' must be a size/),
      },
    ]);
  });

  it('name the cross-input rule by the input it is about', () => {
    expect(problemsOf({ 'task-id': 't', model: 'm' })).toEqual([
      {
        input: Inputs.Model,
        message: "Give either 'task-id' (to wait for a task) or 'model' (to create one), not both.",
      },
    ]);
  });

  it("speak of the CLI's options when the CLI asks", () => {
    expect(
      problemsOf({ 'task-id': 't', 'poll-interval': '5s', 'max-poll-interval': '1s' }, CLI_NAMES),
    ).toEqual([
      {
        input: Inputs.MaxPollInterval,
        message: "Option '--max-poll-interval' must not be shorter than '--poll-interval'.",
      },
    ]);
  });

  it('read download-timeout as a duration, 10m by default, at most 24h', () => {
    const settings = (extra: Record<string, string>) => {
      const inputs: Record<string, string> = { 'task-id': 't', ...extra };
      return parseSettings((name) => inputs[name] ?? '', { KIE_API_KEY: 'k' });
    };
    expect(settings({}).downloadTimeoutMs).toBe(600_000);
    expect(settings({ 'download-timeout': '90s' }).downloadTimeoutMs).toBe(90_000);
    expect(problemsOf({ 'task-id': 't', 'download-timeout': 'later' }, CLI_NAMES)).toEqual([
      {
        input: Inputs.DownloadTimeout,
        message: expect.stringMatching(/^Option '--download-timeout' must be a duration/),
      },
    ]);
    expect(problemsOf({ 'task-id': 't', 'download-timeout': '25h' })).toEqual([
      { input: Inputs.DownloadTimeout, message: "Input 'download-timeout' must be at most 24h." },
    ]);
  });
});

describe('creating on each API', () => {
  const settings = (inputs: Record<string, string>) =>
    parseSettings((name) => inputs[name] ?? '', { KIE_API_KEY: 'key' });

  it('defaults to market, which needs a model to create', () => {
    expect(settings({ 'task-id': 't' }).api.name).toBe('market');
    expect(problemsOf({ input: 'prompt: x' })).toEqual([
      { input: Inputs.TaskId, message: expect.stringMatching(/^Input 'task-id' is required/) },
      { input: Inputs.Input, message: "Inputs 'input' and 'callback-url' need 'model'." },
    ]);
  });

  it('creates from input alone on an API whose request has no model', () => {
    expect(settings({ api: 'runway', input: 'prompt: x' }).create).toEqual({
      input: { prompt: 'x' },
    });
    expect(settings({ api: 'veo', model: 'veo3', input: 'prompt: x' }).create).toEqual({
      model: 'veo3',
      input: { prompt: 'x' },
    });
  });

  it('asks for input, not model, where the API has no model', () => {
    expect(problemsOf({ api: 'luma', 'callback-url': 'https://example.com/h' })).toEqual([
      {
        input: Inputs.TaskId,
        message:
          "Input 'task-id' is required: the id returned by createTask (or give 'input' to create the task here).",
      },
      { input: Inputs.Input, message: "Input 'callback-url' needs 'input'." },
    ]);
  });

  it('says nothing else about creating when api itself is wrong', () => {
    expect(problemsOf({ api: 'Veo', model: 'x', 'task-id': 't' })).toEqual([
      { input: Inputs.Api, message: expect.stringMatching(/^Input 'api' must be one of market, /) },
    ]);
  });

  it('requires callback-url on every Suno API', () => {
    for (const api of ['suno', 'suno-lyrics', 'suno-wav', 'suno-midi', 'suno-cover']) {
      expect(problemsOf({ api, input: 'taskId: abc' }).map((p) => p.input)).toEqual([
        Inputs.CallbackUrl,
      ]);
    }
  });
});
