// The whole action, in process, against the local Kie server: inputs in, outputs and verdict out.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localInputs, REPO_ROOT, runInProcess } from './support/action.js';
import { startKieServer, type KieServer } from './support/kie-server.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/fixtures', `${name}.json`), 'utf8')).data;

let kie: KieServer;
beforeEach(async () => {
  kie = await startKieServer();
});
afterEach(() => kie.close());

const inputs = (extra: Record<string, string> = {}) =>
  localInputs(kie, { 'task-id': 'task-1', ...extra });

describe('the action', () => {
  it('sets every output for a successful video task (seed 000)', async () => {
    const video = fixture('video');
    kie.script(
      'task-1',
      [{ state: 'queuing' }, { state: 'generating' }, { state: 'success' }],
      video,
    );
    const run = await runInProcess(inputs());
    expect(run.failed).toBe(false);
    expect(run.outputs).toMatchObject({
      taskId: 'task-1',
      state: 'success',
      model: 'bytedance/v1-pro-fast-image-to-video',
      resultUrls: '["https://example.com/generated-image.jpg"]',
      resultJson: '{"resultUrls":["https://example.com/generated-image.jpg"]}',
      failCode: '',
      failMsg: '',
      createTime: '1698765400000',
      pollCount: '3',
    });
    // Three polls, two waits of at least poll-interval (10ms) between them.
    expect(Number(run.outputs.elapsedMs)).toBeGreaterThanOrEqual(20);
    expect(Number(run.outputs.completeTime)).toBeGreaterThan(1698765400000);
    expect(run.log).toContain('Task task-1: generating after');
    expect(run.summary).toContain('✅ Kie.ai task `task-1`: succeeded');
  });

  it('reads the unquoted-key speech-to-text result (seed 002) into compact JSON', async () => {
    kie.script('task-1', [{ state: 'success' }], fixture('speech-to-text'));
    const run = await runInProcess(inputs());
    expect(run.failed).toBe(false);
    const result = JSON.parse(run.outputs.resultJson!);
    expect(result.resultObject.language_code).toBe('eng');
    expect(result.resultObject.words).toHaveLength(51);
    expect(run.outputs.resultUrls).toBe('[]');
    expect(run.log).not.toContain('::warning::');
  });

  it('keeps an unreadable resultJson raw and warns instead of crashing', async () => {
    kie.script('task-1', [{ state: 'success' }], { resultJson: '<<not json>>' });
    const run = await runInProcess(inputs());
    expect(run.failed).toBe(false);
    expect(run.outputs.resultJson).toBe('<<not json>>');
    expect(run.outputs.resultUrls).toBe('[]');
    expect(run.log).toMatch(/::warning::Task task-1: resultJson is not JSON/);
  });

  it('warns about a resultJson of an unexpected shape', async () => {
    kie.script('task-1', [{ state: 'success' }], { resultJson: '["https://x/a.png"]' });
    const run = await runInProcess(inputs());
    expect(run.failed).toBe(false);
    expect(run.outputs.resultUrls).toBe('[]');
    expect(run.log).toMatch(/::warning::Task task-1: resultJson has an unexpected shape/);
  });

  it('reads a lone URL string in resultUrls as that one URL', async () => {
    kie.script('task-1', [{ state: 'success' }], {
      resultJson: '{"resultUrls":"https://x/a.png"}',
    });
    const run = await runInProcess(inputs());
    expect(run.outputs.resultUrls).toBe('["https://x/a.png"]');
    expect(run.log).not.toContain('::warning::');
  });

  it('reads a record whose fields have surprising types instead of retrying it forever', async () => {
    kie.script('task-1', [
      {
        state: 'success',
        record: {
          resultJson: { resultUrls: ['https://cdn.example/a.png'] } as unknown as string,
          param: { input: {} } as unknown as string,
          failMsg: { nested: true } as unknown as string,
        },
      },
    ]);
    const run = await runInProcess(inputs());
    expect(run.failed).toBe(false);
    expect(run.outputs).toMatchObject({ resultUrls: '["https://cdn.example/a.png"]', failMsg: '' });
    expect(kie.taskRequests()).toHaveLength(1);
  });

  it('keeps a result nested too deep to write back as its raw text, without crashing', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    kie.script('task-1', [{ state: 'success' }], { resultJson: deep });
    const run = await runInProcess(inputs());
    expect(run.failed).toBe(false);
    expect(run.outputs.resultJson).toBe(deep);
  });

  it('fails the step when the task fails, with its reason', async () => {
    kie.script('task-1', [{ state: 'fail', record: { failCode: '400', failMsg: 'NSFW content' } }]);
    const run = await runInProcess(inputs());
    expect(run.failed).toBe(true);
    expect(run.log).toContain('::error::Task task-1 failed (400): NSFW content');
    expect(run.outputs).toMatchObject({ state: 'fail', failCode: '400', failMsg: 'NSFW content' });
    expect(run.summary).toContain('NSFW content');
  });

  it('only warns about a failed task when fail-on-task-failure is false', async () => {
    kie.script('task-1', [{ state: 'fail', record: { failMsg: 'NSFW content' } }]);
    const run = await runInProcess(inputs({ 'fail-on-task-failure': 'false' }));
    expect(run.failed).toBe(false);
    expect(run.log).toMatch(
      /::warning::Task task-1 failed.*Not failing the step, as 'fail-on-task-failure' says/,
    );
    expect(run.outputs.state).toBe('fail');
  });

  it('fails on timeout with how long it waited and the last state, outputs set', async () => {
    kie.script('task-1', [{ state: 'generating' }]);
    // A budget that leaves room for polls within 200ms after the balance read's slot.
    const run = await runInProcess(inputs({ timeout: '200ms', 'max-requests-per-second': '100' }));
    expect(run.failed).toBe(true);
    expect(run.log).toMatch(
      /::error::Timed out after \d+ms waiting for task task-1 \(last state: generating\)\. Raise 'timeout' if the model needs longer/,
    );
    expect(run.outputs.state).toBe('generating');
    expect(Number(run.outputs.pollCount)).toBeGreaterThan(1);
    expect(run.summary).toContain('timed out');
  });

  it.each([
    ['0', { timeout: '0' }, 1],
    [
      'shorter than poll-interval',
      {
        timeout: '300ms',
        'poll-interval': '5s',
        'max-poll-interval': '5s',
        'max-requests-per-second': '100',
      },
      2,
    ],
  ])('takes a timeout of %s: polls until it, then ends as a timeout', async (_, given, polls) => {
    kie.script('task-1', [{ state: 'generating' }]);
    const run = await runInProcess(inputs(given));
    expect(run.failed).toBe(true);
    expect(run.log).toMatch(
      /::error::Timed out after \d+ms waiting for task task-1 \(last state: generating\)/,
    );
    expect(run.outputs).toMatchObject({ state: 'generating', pollCount: String(polls) });
    expect(kie.taskRequests()).toHaveLength(polls);
  });

  it('warns that an http base-url off this machine would send the key in clear text', async () => {
    const run = await runInProcess(inputs({ 'base-url': 'http://0.0.0.0:9', timeout: '0' }));
    expect(run.log).toContain(
      "::warning::'base-url' is plain http to 0.0.0.0:9: the API key would travel in clear text. Use https.",
    );
    // Never answered: the advice is about base-url, not a longer timeout.
    const [error] = run.log.split('\n').filter((line) => line.startsWith('::error::'));
    expect(error).toMatch(
      /^::error::Timed out after \d+ms waiting for task task-1, with no state seen\. Last try: Request to Kie\.ai failed: .*ECONNREFUSED.* \(no answer from 'base-url' yet\)\. Check 'base-url'\.$/,
    );
  });

  it.each([
    'http://localhost:9',
    'http://127.8.9.10:9',
    'http://[::1]:9',
    'http://[::ffff:127.0.0.1]:9',
  ])('does not warn about plain http to the loopback address %s', async (baseUrl) => {
    const run = await runInProcess(inputs({ 'base-url': baseUrl, timeout: '0' }));
    expect(run.log).not.toContain('::warning::');
  });

  it('says so when the tries after the last state seen failed', async () => {
    kie.script('task-1', [
      { state: 'generating' },
      { status: 500, body: { code: 500, msg: 'down' } },
    ]);
    const run = await runInProcess(inputs({ timeout: '200ms', 'max-requests-per-second': '100' }));
    const [error] = run.log.split('\n').filter((line) => line.startsWith('::error::'));
    expect(error).toMatch(
      /\(last state: generating\)\. The tries since failed: Kie\.ai server error \(500: "down"\)\. Raise 'timeout'/,
    );
  });

  it('advises checking task-id, not a longer timeout, for an id Kie.ai never knew', async () => {
    const run = await runInProcess(inputs({ 'task-id': 'ghost', timeout: '100ms' }));
    const [error] = run.log.split('\n').filter((line) => line.startsWith('::error::'));
    expect(error).toMatch(
      /Timed out after .* waiting for task ghost, with no state seen\. Last try: Kie\.ai does not know task ghost yet .* Check 'task-id'\.$/,
    );
    expect(error).not.toContain('Raise');
  });

  it('fails at once on a bad key, naming what to fix', async () => {
    kie.script('task-1', [{ state: 'success' }]);
    const run = await runInProcess(inputs({ 'api-key': 'wrong-key' }));
    expect(run.failed).toBe(true);
    expect(run.log).toMatch(/::error::Kie\.ai rejected the API key/);
    expect(kie.taskRequests()).toHaveLength(1);
  });

  it('takes the key from KIE_API_KEY when the input is empty', async () => {
    kie.script('task-1', [{ state: 'success' }]);
    const run = await runInProcess(inputs({ 'api-key': '' }), { env: { KIE_API_KEY: kie.apiKey } });
    expect(run.failed).toBe(false);
    expect(kie.requests[0]!.headers.authorization).toBe(`Bearer ${kie.apiKey}`);
  });

  it('never lets API text start a line the runner would read as a workflow command', async () => {
    kie.script('task-1', [{ state: 'wai\n::warning::injected' }, { state: 'success' }]);
    const run = await runInProcess(inputs());
    expect(run.failed).toBe(false);
    const lines = run.log.split('\n');
    expect(lines.filter((line) => line.includes('injected'))).not.toHaveLength(0);
    expect(lines.filter((line) => line.startsWith('::warning::injected'))).toEqual([]);
  });

  it('masks the key and never prints it, even with debug logging on', async () => {
    kie.script('task-1', [{ body: { code: 500, msg: 'oops' } }, { state: 'success' }]);
    const run = await runInProcess(inputs(), {
      env: { RUNNER_DEBUG: '1', ACTIONS_STEP_DEBUG: 'true' },
    });
    expect(run.log).toContain('::debug::GET ');
    const [first, ...rest] = run.log.split('\n');
    expect(first).toBe(`::add-mask::${kie.apiKey}`);
    expect(rest.join('\n')).not.toContain(kie.apiKey);
  });
});

describe('bad inputs fail the step with one line naming the input', () => {
  const cases: [string, Record<string, string>, string][] = [
    ['an empty task-id', { 'task-id': ' ' }, "Input 'task-id' is required"],
    ['no key anywhere', { 'api-key': '' }, "Input 'api-key' is required (or set the KIE_API_KEY"],
    [
      'a key with a zero-width space pasted in',
      { 'api-key': 'abc\u200bdef' },
      "Input 'api-key' (or KIE_API_KEY) must be printable ASCII without spaces, as Kie.ai API keys are (character 4, U+200B, is not).",
    ],
    [
      'poll-interval: fast',
      { 'poll-interval': 'fast' },
      "Input 'poll-interval' must be a duration such as 90 (seconds), 250ms, 90s, 15m, 1h or 1h30m (got 'fast').",
    ],
    ['a negative timeout', { timeout: '-1s' }, "Input 'timeout' must be a duration"],
    [
      'a zero poll-interval',
      { 'poll-interval': '0s' },
      "Input 'poll-interval' must be more than 0 (got '0s').",
    ],
    [
      'a zero max-download-size',
      { 'max-download-size': '0MB' },
      "Input 'max-download-size' must be more than 0 (got '0MB').",
    ],
    [
      'max-poll-interval under poll-interval',
      { 'max-poll-interval': '1s', 'poll-interval': '2s' },
      "Input 'max-poll-interval' must not be shorter than 'poll-interval'.",
    ],
    [
      'a poll interval of a day',
      { 'max-poll-interval': '24h' },
      "Input 'max-poll-interval' must be at most 1h.",
    ],
    [
      'a non-URL base-url',
      { 'base-url': 'api.kie.ai' },
      "Input 'base-url' must be an http(s) URL such as https://api.kie.ai (got 'api.kie.ai').",
    ],
    [
      'a base-url with credentials in it',
      { 'base-url': 'https://user:secret@api.kie.ai' },
      "Input 'base-url' must not hold a user name or password; the API key is all Kie.ai needs (got 'https://api.kie.ai' with them).",
    ],
    [
      'an ftp base-url',
      { 'base-url': 'ftp://api.kie.ai' },
      "Input 'base-url' must be an http(s) URL",
    ],
    [
      'a boolean that is not one',
      { 'fail-on-task-failure': 'yes' },
      "Input 'fail-on-task-failure' must be true or false (got 'yes').",
    ],
  ];
  for (const [name, bad, message] of cases) {
    it(`rejects ${name}`, async () => {
      const run = await runInProcess(inputs(bad));
      expect(run.failed).toBe(true);
      const errors = run.log.split('\n').filter((line) => line.startsWith('::error::'));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain(message);
      expect(run.log).not.toMatch(/\n\s+at /);
      expect(kie.requests).toHaveLength(0);
    });
  }

  it('lists every mistake at once', async () => {
    const run = await runInProcess(inputs({ 'task-id': '', timeout: 'soon' }));
    const error = run.log.split('\n').find((line) => line.startsWith('::error::'))!;
    expect(error).toContain("Input 'task-id' is required");
    expect(error).toContain("Input 'timeout' must be a duration");
  });
});
