// The CLI's main(argv, io), run in-process as a user or another CI would run the command; the
// bundle itself has its smoke test in dist.test.ts.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { scratchDir } from './support/action.js';
import { type KieServer } from './support/kie-server.js';
import type { MediaServer } from './support/media-server.js';
import { useLocalServers } from './support/servers.js';

let kie: KieServer;
let media: MediaServer;
useLocalServers((started) => ({ kie, media } = started));

async function cli(
  args: string[],
  env: Record<string, string | undefined> = {},
  { tty = false } = {},
) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text), isTTY: tty },
    env: { KIE_API_KEY: kie.apiKey, ...env },
    cwd: process.cwd(),
  });
  return { code, stdout, stderr };
}

const fast = () => [
  '--base-url',
  kie.url,
  '--poll-interval',
  '20ms',
  '--max-poll-interval',
  '50ms',
  '--max-requests-per-second',
  '100',
];

describe('kie-task wait', () => {
  it('prints the action output fields as one JSON object with --json', async () => {
    kie.script('t1', [{ state: 'generating' }, { state: 'success' }], {
      model: 'nano-banana-pro',
      resultJson: '{"resultUrls":["https://cdn.example/a.png"]}',
    });
    const run = await cli(['wait', 't1', '--json', ...fast()]);
    expect(run.code).toBe(0);
    const fields = JSON.parse(run.stdout);
    expect(fields).toMatchObject({
      taskId: 't1',
      state: 'success',
      model: 'nano-banana-pro',
      resultUrls: ['https://cdn.example/a.png'],
      pollCount: 2,
      files: [],
    });
    expect(run.stderr).toContain('Task t1: generating (after');
    expect(run.stderr).not.toContain('\x1b'); // no live line when stderr is not a terminal
    expect(run.stderr).not.toContain(kie.apiKey);
  });

  it('shows a live state line on a terminal', async () => {
    kie.script('t1', [{ state: 'generating' }, { state: 'generating' }, { state: 'success' }]);
    const {
      code,
      stderr: screen,
      stdout,
    } = await cli(['wait', 't1', ...fast()], {}, { tty: true });
    expect(code).toBe(0);
    // After each log line, the live line with the state and elapsed time, cleared before the next.
    expect(screen).toMatch(/Task t1: generating \(after \d+ms\)\.\r?\n {2}generating · \d+ms/);
    expect(screen).toContain('\r\x1b[K');
    expect(stdout).toContain('state: success');
  });

  it('prints readable lines without --json', async () => {
    kie.script('t1', [{ state: 'success' }], {
      resultJson: '{"resultUrls":["https://cdn.example/a.png"]}',
    });
    const run = await cli(['wait', 't1', ...fast()]);
    expect(run.stdout).toBe(
      'state: success\nmodel: test/model\nresultUrls:\n  https://cdn.example/a.png\n' +
        'creditsUsed: 1\ncreditsAfter: 59.62\n',
    );
  });

  it('downloads the results into --download', async () => {
    const dir = await scratchDir('kie-cli-');
    kie.script('t1', [{ state: 'success' }], {
      resultJson: JSON.stringify({
        resultUrls: [media.route('/x.png', { body: 'png', contentType: 'image/png' })],
      }),
    });
    const run = await cli(['wait', 't1', '--download', dir, '--json', ...fast()]);
    expect(run.code).toBe(0);
    expect(await readdir(dir)).toEqual(['x.png']);
    expect(JSON.parse(run.stdout).files).toEqual([path.join(dir, 'x.png')]);
  });

  it('exits 1 when the task fails, 0 with --no-fail', async () => {
    kie.script('t1', [{ state: 'fail', record: { failMsg: 'flagged' } }]);
    const failed = await cli(['wait', 't1', ...fast()]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('kie-task: Task t1 failed');
    const tolerated = await cli(['wait', 't1', '--no-fail', ...fast()]);
    expect(tolerated.code).toBe(0);
  });

  it('exits 3 on timeout', async () => {
    kie.script('t1', [{ state: 'generating' }]);
    const run = await cli([
      'wait',
      't1',
      ...fast(),
      '--timeout',
      '200ms',
      '--max-requests-per-second',
      '100',
    ]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/Timed out after .* \(last state: generating\)/);
  });

  it('exits 3 for a timeout shorter than the poll interval (--timeout 1s, polls every 3s)', async () => {
    kie.script('t1', [{ state: 'generating' }]);
    const run = await cli(['wait', 't1', '--base-url', kie.url, '--timeout', '1s', '--json']);
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout)).toMatchObject({ state: 'generating', pollCount: 2 });
    expect(run.stderr).toMatch(/Timed out after 1\.\ds .* \(last state: generating\)/);
  });

  it('exits 4 when the API refuses the key', async () => {
    const run = await cli(['wait', 't1', ...fast()], { KIE_API_KEY: 'wrong' });
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('rejected the API key');
  });

  it('exits 5 when a download fails', async () => {
    const dir = await scratchDir('kie-cli-');
    const gone = media.route('/gone.png', { status: 404 });
    kie.script('t1', [{ state: 'success' }], {
      resultJson: JSON.stringify({ resultUrls: [gone] }),
    });
    const run = await cli(['wait', 't1', '--download', dir, ...fast()]);
    expect(run.code).toBe(5);
    expect(run.stderr).toContain(gone);
  });
});

describe('a --timeout that holds', () => {
  // Each run raced against a limit many times its timeout: without the bound it took 30 s.
  const within = <T>(run: Promise<T>, ms: number) =>
    Promise.race([run, sleep(ms).then(() => 'still running' as const)]);

  it('cuts a poll in flight off shortly after the deadline: exit 3, base-url not blamed', async () => {
    kie.script('t1', [{ state: 'generating', delayMs: 120_000 }]);
    const run = await within(cli(['wait', 't1', '--base-url', kie.url, '--timeout', '1s']), 8_000);
    expect(run).not.toBe('still running');
    const { code, stderr } = run as Awaited<ReturnType<typeof cli>>;
    expect(code).toBe(3);
    expect(stderr).toMatch(/Timed out after .* waiting for task t1, with no state seen/);
    expect(stderr).toContain('had not answered within');
    expect(stderr).not.toContain('--base-url');
  });

  it('holds while a slow balance is read before the wait, and still polls', async () => {
    kie.scriptCredits([{ body: { code: 200, msg: 'success', data: 5 }, delayMs: 9_000 }]);
    kie.script('t1', [{ state: 'generating' }]);
    const run = await within(cli(['wait', 't1', '--base-url', kie.url, '--timeout', '2s']), 6_000);
    expect(run).not.toBe('still running');
    const { code, stderr } = run as Awaited<ReturnType<typeof cli>>;
    expect(code).toBe(3);
    expect(stderr).toContain('Could not read the Kie.ai credit balance');
    expect(stderr).toMatch(/last state: generating/);
  });

  it("ends at the timeout when a 429's Retry-After outlasts it, the balance read after too", async () => {
    const slow = {
      status: 429,
      body: { code: 429, msg: 'slow' },
      headers: { 'retry-after': '30' },
    };
    kie.script('r', [slow, { state: 'success' }]);
    const args = ['wait', 'r', '--base-url', kie.url, '--timeout', '1s', '--json'];
    // 10 a second, so the balance is read before and after (the one after used to wait 5 s).
    const run = await within(cli([...args, '--max-requests-per-second', '10']), 4_000);
    expect(run).not.toBe('still running');
    const { code, stdout, stderr } = run as Awaited<ReturnType<typeof cli>>;
    expect(code).toBe(3);
    expect(JSON.parse(stdout).elapsedMs).toBeLessThan(3_000);
    expect(stderr).toMatch(/Timed out after \d+ms waiting for task r/);
    expect(stderr).toContain('outlasts the timeout');
    expect(stderr).not.toContain('Trying again');
    expect(stderr).toContain('pauses requests for longer than it may take');
  });

  it('polls a task that is already done even after failing balance reads', async () => {
    const serverError = { status: 500, body: { code: 500, msg: 'try again later' } };
    kie.scriptCredits([serverError, serverError, serverError]);
    kie.script('t1', [{ state: 'success' }]);
    const run = await cli(['wait', 't1', '--base-url', kie.url, '--timeout', '2s']);
    expect(run.stderr).not.toMatch(/max-requests-per-second/);
    expect(run.code).toBe(0);
  });
});

describe('a --download folder that cannot be used', () => {
  it('fails before the wait, naming --download, with no errno text', async () => {
    kie.script('t1', [{ state: 'success' }]);
    const run = await cli(['wait', 't1', '--download', '/proc/nope', ...fast()]);
    expect(run.code).toBe(5);
    expect(run.stderr).toContain(
      "kie-task: Option '--download': /proc/nope cannot hold the results: a folder cannot be created there.",
    );
    expect(run.stderr).not.toMatch(/ENOENT|ENOTDIR|EEXIST/);
    expect(kie.requests).toEqual([]); // nothing waited for
  });
});

describe('usage', () => {
  it('lists every option and exit code with --help', async () => {
    const run = await cli(['--help']);
    expect(run.code).toBe(0);
    for (const option of [
      '--timeout',
      '--download',
      '--download-timeout',
      '--json',
      '--base-url',
      '--no-fail',
    ]) {
      expect(run.stdout).toContain(option);
    }
    expect(run.stdout).toMatch(/Exit codes:[\s\S]*3 {2}timed out/);
  });

  it.each([
    [[], 'No command given.'],
    [['wat'], "Unknown command 'wat'."],
    [['wait'], 'kie-task wait needs a task id.'],
    [['wait', ','], 'kie-task wait needs a task id.'],
    [['wait', 't1', '--timeout', 'soon'], "Option '--timeout' must be a duration"],
    [['wait', 't1', '--bogus'], "Unknown option '--bogus'"],
  ])('exits 2 for %j', async (args, message) => {
    const run = await cli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2, sending nothing, for a key no HTTP header can carry', async () => {
    const key = `${kie.apiKey} x`;
    const run = await cli(['wait', 't1'], { KIE_API_KEY: key });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `kie-task: Option KIE_API_KEY must be printable ASCII without spaces, as Kie.ai API keys are (character ${key.indexOf(' ') + 1}, U+0020, is not). See 'kie-task --help'.\n`,
    );
    expect(kie.requests).toEqual([]);
  });

  it('exits 2 without a key', async () => {
    const run = await cli(['wait', 't1'], { KIE_API_KEY: undefined });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Set the KIE_API_KEY environment variable');
  });
});

describe('argument errors', () => {
  it.each([
    [
      ['wait', 't1', '--bogus'],
      "kie-task: Unknown option '--bogus'. The options are --model, --input,",
    ],
    [['wait', 't1', '--timeout'], "kie-task: Option '--timeout' needs a value: --timeout <value>."],
    [['wait', 't1', '--json=yes'], "kie-task: Option '--json' takes no value."],
    [['wait', 't1', '--timeout', 'soon'], "(got 'soon')"],
  ])('are one line for %j, echoing what was wrong', async (args, message) => {
    const run = await cli(args);
    expect(run.code).toBe(2);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(message);
  });
});

describe('kie-task create', () => {
  it('creates the task from --model and an --input file, then waits for it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'kie-cli-'));
    await writeFile(path.join(dir, 'input.yml'), 'prompt: a cat\naspect_ratio: "1:1"\n');
    kie.scriptCreate([{ taskId: 'new-1', replies: [{ state: 'success' }] }]);
    let stdout = '';
    const code = await main(
      ['create', '--model', 'nano-banana-pro', '--input', '@input.yml', '--json', ...fast()],
      {
        stdout: { write: (text: string) => (stdout += text) },
        stderr: { write: () => true },
        env: { KIE_API_KEY: kie.apiKey },
        cwd: dir,
      },
    );
    await rm(dir, { recursive: true, force: true });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ taskId: 'new-1', state: 'success' });
    expect(kie.taskRequests()[0]).toMatchObject({
      method: 'POST',
      path: '/api/v1/jobs/createTask',
      body: { model: 'nano-banana-pro', input: { prompt: 'a cat', aspect_ratio: '1:1' } },
    });
  });

  it('exits 3, not as a cancellation, when the timeout comes before the create could be sent', async () => {
    kie.scriptCreate([{ taskId: 'new-1', replies: [{ state: 'success' }] }]);
    // One request every 2 s: the balance read min-credits needs takes the only slot within 1 s.
    const args = ['create', '--model', 'm', '--json', '--base-url', kie.url, '--min-credits', '1'];
    const run = await cli([...args, '--max-requests-per-second', '0.5', '--timeout', '1s']);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(
      "Could not create a task for model m: no request slot came free before the timeout (see '--max-requests-per-second'). Nothing was created.",
    );
    expect(run.stderr).not.toMatch(/Cancelled|may have been created/);
    expect(JSON.parse(run.stdout)).toMatchObject({ taskId: '', creditsBefore: expect.any(Number) });
    expect(kie.taskRequests()).toEqual([]);
  });

  it.each([
    [['create', '--input', '{}'], 'kie-task create takes no task id, and needs --model.'],
    [['create', 't1', '--model', 'm'], 'kie-task create takes no task id, and needs --model.'],
    [
      ['wait', 't1', '--model', 'm'],
      "--model, --input and --callback-url go with 'kie-task create'.",
    ],
    [
      ['create', '--model', 'm', '--input', '@missing.json'],
      "Option '--input' names a file that cannot be read (no such file): missing.json",
    ],
    [['create', '--model', 'm', '--input', '[1]'], "Option '--input' must be a JSON object"],
  ])('exits 2 for %j', async (args, message) => {
    const run = await cli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(kie.requests).toHaveLength(0);
  });
});
