// Settings errors name the input at fault as data, and each surface words them its own way.
import { describe, expect, it } from 'vitest';
import { CLI_NAMES } from '../src/cli/main.js';
import { Inputs } from '../src/settings/constants.js';
import { InputError, parseSettings } from '../src/settings/settings.js';

function problemsOf(
  inputs: Record<string, string>,
  names?: typeof CLI_NAMES,
  env: NodeJS.ProcessEnv = { KIE_API_KEY: 'key' },
) {
  try {
    parseSettings((name) => inputs[name] ?? '', env, names);
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

describe('each input’s rule', () => {
  const settings = (inputs: Record<string, string>, env = { KIE_API_KEY: 'key' }) => {
    const all: Record<string, string> = { 'task-id': 't', ...inputs };
    return parseSettings((name) => all[name] ?? '', env);
  };
  const problems = (inputs: Record<string, string>) => problemsOf({ 'task-id': 't', ...inputs });
  const only = (input: string, message: string) => [{ input, message }];

  it('reads task-id as ids separated by new lines, commas or spaces', () => {
    expect(settings({ 'task-id': 'a, b\nc  d,,e' }).taskIds).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it.each(['42', '"text"', 'null', 'true', '[1, 2]', '- a'])(
    'takes only a mapping as input, not %j',
    (input) => {
      expect(problemsOf({ model: 'm', input })).toEqual(
        only(
          Inputs.Input,
          "Input 'input' must be a JSON object or a YAML mapping of the model's parameters.",
        ),
      );
    },
  );

  it('reads input as JSON or YAML, and says where YAML went wrong', () => {
    expect(settings({ 'task-id': '', model: 'm', input: '{"a": 1}' }).create?.input).toEqual({
      a: 1,
    });
    expect(settings({ 'task-id': '', model: 'm', input: 'a: 1\nb: [x]' }).create?.input).toEqual({
      a: 1,
      b: ['x'],
    });
    expect(settings({ 'task-id': '', model: 'm' }).create?.input).toEqual({});
    expect(problemsOf({ model: 'm', input: 'a: 1\na: 2' })).toEqual(
      only(
        Inputs.Input,
        "Input 'input' is not valid JSON or YAML (line 2, column 1: map keys must be unique).",
      ),
    );
  });

  it('says where YAML went wrong past line and column 9, and what it is without a position', () => {
    const keys = Array.from({ length: 11 }, (_, i) => `k${i}: v`).join('\n');
    const nested = 'x:\n  y:\n    z:\n      w:\n        v:\n          q: 1\n          q: 2';
    expect(problemsOf({ model: 'm', input: `${keys}\n${nested}` })).toEqual(
      only(
        Inputs.Input,
        "Input 'input' is not valid JSON or YAML (line 18, column 11: map keys must be unique).",
      ),
    );
    expect(problemsOf({ model: 'm', input: 'a: &x 1\nb: *y' })).toEqual(
      only(
        Inputs.Input,
        "Input 'input' is not valid JSON or YAML (unresolved alias (the anchor must be set before the alias): y).",
      ),
    );
  });

  it('reports the rules about creating even when another input is wrong', () => {
    expect(problemsOf({ timeout: 'soon', input: 'prompt: x' })).toEqual([
      { input: Inputs.Timeout, message: expect.stringMatching(/^Input 'timeout' must be/) },
      { input: Inputs.TaskId, message: expect.stringMatching(/^Input 'task-id' is required/) },
      { input: Inputs.Input, message: "Inputs 'input' and 'callback-url' need 'model'." },
    ]);
  });

  it('takes callback-url as an http(s) URL, or none', () => {
    expect(
      problems({ 'callback-url': 'ftp://example.com/hook', 'task-id': '', model: 'm' }),
    ).toEqual(
      only(
        Inputs.CallbackUrl,
        "Input 'callback-url' must be an http(s) URL (got 'ftp://example.com/hook').",
      ),
    );
    expect(
      settings({ 'task-id': '', model: 'm', 'callback-url': 'http://example.com/hook' }).create,
    ).toMatchObject({ callBackUrl: 'http://example.com/hook' });
  });

  it('requires an API key of printable ASCII, naming the first character that is not', () => {
    expect(problemsOf({ 'task-id': 't' }, undefined, {})).toEqual(
      only(
        Inputs.ApiKey,
        "Input 'api-key' is required (or set the KIE_API_KEY environment variable).",
      ),
    );
    expect(problems({ 'api-key': 'ab\u200Bcd' })).toEqual(
      only(
        Inputs.ApiKey,
        "Input 'api-key' (or KIE_API_KEY) must be printable ASCII without spaces, as Kie.ai API keys are (character 3, U+200B, is not).",
      ),
    );
    expect(problems({ 'api-key': 'a b' })[0]!.message).toContain('(character 2, U+0020, is not)');
    expect(problems({ 'api-key': 'a\u007F' })[0]!.message).toContain('U+007F');
    expect(settings({ 'api-key': '!~az09' }).apiKey).toBe('!~az09');
  });

  it('takes base-url as an http(s) URL without credentials', () => {
    expect(problems({ 'base-url': 'api.kie.ai' })).toEqual(
      only(
        Inputs.BaseUrl,
        "Input 'base-url' must be an http(s) URL such as https://api.kie.ai (got 'api.kie.ai').",
      ),
    );
    expect(problems({ 'base-url': 'https://me:secret@kie.example/v1' })).toEqual(
      only(
        Inputs.BaseUrl,
        "Input 'base-url' must not hold a user name or password; the API key is all Kie.ai needs (got 'https://kie.example/v1' with them).",
      ),
    );
    expect(problems({ 'base-url': 'https://me@kie.example' })[0]!.message).toContain(
      "(got 'https://kie.example' with them)",
    );
    expect(problems({ 'base-url': 'https://:secret@kie.example' })).toHaveLength(1);
    expect(settings({ 'base-url': 'http://127.0.0.1:8080/' }).baseUrl).toBe(
      'http://127.0.0.1:8080',
    );
  });

  it('lets timeout be 0, but no other duration, and no duration be negative', () => {
    expect(settings({ timeout: '0' }).timeoutMs).toBe(0);
    expect(problems({ 'poll-interval': '0s' })).toEqual(
      only(Inputs.PollInterval, "Input 'poll-interval' must be more than 0 (got '0s')."),
    );
    expect(problems({ 'max-download-size': '0' })).toEqual(
      only(Inputs.MaxDownloadSize, "Input 'max-download-size' must be more than 0 (got '0')."),
    );
    expect(problems({ timeout: '-1s' })).toEqual(
      only(
        Inputs.Timeout,
        "Input 'timeout' must be a duration such as 90 (seconds), 250ms, 90s, 15m, 1h or 1h30m (got '-1s').",
      ),
    );
    expect(problems({ 'max-download-size': '1 GiB' })).toEqual(
      only(
        Inputs.MaxDownloadSize,
        "Input 'max-download-size' must be a size in bytes or with KB, MB or GB, such as 500MB or 2GB (got '1 GiB').",
      ),
    );
    expect(settings({ 'max-download-size': '1KB' }).maxDownloadBytes).toBe(1_024);
  });

  it('holds poll-interval and max-poll-interval to an hour, download-timeout to a day', () => {
    expect(settings({ 'poll-interval': '1h', 'max-poll-interval': '1h' })).toMatchObject({
      pollIntervalMs: 3_600_000,
      maxPollIntervalMs: 3_600_000,
    });
    expect(problems({ 'poll-interval': '1h1s', 'max-poll-interval': '2h' })).toEqual([
      { input: Inputs.PollInterval, message: "Input 'poll-interval' must be at most 1h." },
      { input: Inputs.MaxPollInterval, message: "Input 'max-poll-interval' must be at most 1h." },
    ]);
    expect(settings({ 'download-timeout': '24h' }).downloadTimeoutMs).toBe(86_400_000);
    expect(settings({ timeout: '48h' }).timeoutMs).toBe(172_800_000);
  });

  it('takes max-poll-interval equal to poll-interval, not shorter', () => {
    expect(settings({ 'poll-interval': '5s', 'max-poll-interval': '5s' })).toMatchObject({
      pollIntervalMs: 5_000,
      maxPollIntervalMs: 5_000,
    });
    expect(problems({ 'poll-interval': '5s', 'max-poll-interval': '4999ms' })).toEqual(
      only(
        Inputs.MaxPollInterval,
        "Input 'max-poll-interval' must not be shorter than 'poll-interval'.",
      ),
    );
  });

  it.each([
    ['true', true],
    ['True', true],
    ['TRUE', true],
    ['false', false],
    ['False', false],
    ['FALSE', false],
  ])('reads %s as %s', (text, value) => {
    expect(
      settings({ 'fail-on-task-failure': text, download: text, 'upload-artifact': 'false' }),
    ).toMatchObject({ failOnTaskFailure: value, download: value, uploadArtifact: false });
  });

  it.each(['yes', 'tRUE', '1'])('refuses %j as a boolean', (text) => {
    expect(problems({ 'upload-artifact': text })).toEqual(
      only(Inputs.UploadArtifact, `Input 'upload-artifact' must be true or false (got '${text}').`),
    );
  });

  it('downloads whenever it uploads an artifact', () => {
    expect(settings({ download: 'false', 'upload-artifact': 'true' }).download).toBe(true);
  });

  it.each([
    ['0.001', 0.001],
    ['1.5', 1.5],
    ['100', 100],
  ])('takes max-requests-per-second %s', (text, rate) => {
    expect(settings({ 'max-requests-per-second': text }).maxRequestsPerSecond).toBe(rate);
  });

  it.each(['0.0009', '100.01', 'fast'])('refuses max-requests-per-second %s', (text) => {
    expect(problems({ 'max-requests-per-second': text })).toEqual(
      only(
        Inputs.MaxRequestsPerSecond,
        `Input 'max-requests-per-second' must be a number from 0.001 to 100, such as 1.5 (got '${text}').`,
      ),
    );
  });

  it.each([
    ['', undefined],
    ['1', 1],
    ['9', 9],
    ['10', 10],
    ['45', 45],
    ['89', 89],
    ['90', 90],
  ])('takes artifact-retention-days %j', (text, days) => {
    expect(settings({ 'artifact-retention-days': text }).artifactRetentionDays).toBe(days);
  });

  it.each(['0', '91', '100', 'x5', '5x', '09', '1.5', '900'])(
    'refuses artifact-retention-days %j',
    (text) => {
      expect(problems({ 'artifact-retention-days': text })).toEqual(
        only(
          Inputs.ArtifactRetentionDays,
          `Input 'artifact-retention-days' must be a whole number of days from 1 to 90 (got '${text}').`,
        ),
      );
    },
  );

  it.each([
    ['', undefined],
    ['50', 50],
    ['12.5', 12.5],
    ['12.25', 12.25],
    ['0', 0],
  ])('takes min-credits %j', (text, credits) => {
    expect(settings({ 'min-credits': text }).minCredits).toBe(credits);
  });

  it.each(['x50', '50x', '12.', '.5', '1.5.1'])('refuses min-credits %j', (text) => {
    expect(problems({ 'min-credits': text })).toEqual(
      only(
        Inputs.MinCredits,
        `Input 'min-credits' must be a number of credits, such as 50 or 12.5 (got '${text}').`,
      ),
    );
  });

  it.each([
    ['', undefined],
    ['0', 0],
    ['6', 6],
    ['9', 9],
  ])('takes compression-level %j', (text, level) => {
    expect(settings({ 'compression-level': text }).compressionLevel).toBe(level);
  });

  it.each(['10', '-1', 'x5', '5x', '6.5'])('refuses compression-level %j', (text) => {
    expect(problems({ 'compression-level': text })).toEqual(
      only(
        Inputs.CompressionLevel,
        `Input 'compression-level' must be a whole number from 0 (no compression) to 9 (best) (got '${text}').`,
      ),
    );
  });

  it('keeps model, download-dir and artifact-name as given, and the defaults otherwise', () => {
    expect(settings({}, { KIE_API_KEY: 'key' })).toMatchObject({
      baseUrl: 'https://api.kie.ai',
      timeoutMs: 1_800_000,
      maxPollIntervalMs: 30_000,
      maxRequestsPerSecond: 1.5,
      failOnTaskFailure: true,
      download: false,
      maxDownloadBytes: 2 * 1024 ** 3,
      artifactName: undefined,
      artifactRetentionDays: undefined,
      minCredits: undefined,
      create: undefined,
    });
    expect(settings({ 'artifact-name': 'pics' }).artifactName).toBe('pics');
  });
});
