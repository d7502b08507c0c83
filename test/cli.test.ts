// The CLI's main(argv, io), run in-process as a user or another CI would run the command; the
// bundle itself has its smoke test in dist.test.ts.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import type { CliIo } from '../src/cli/io.js';
import { liveState } from '../src/cli/display.js';
import { HELP } from '../src/cli/help.js';
import { scratchDir, within } from './support/action.js';
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
    expect(run.stderr).toContain('Task t1: generating after');
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
    expect(screen).toMatch(/Task t1: generating after \d+ms\.\r?\n {2}generating · \d+ms/);
    expect(screen).toContain('\r\x1b[K');
    expect(stdout).toContain('state: success');
  });

  it('prints readable lines without --json', async () => {
    kie.script('t1', [{ state: 'success' }], {
      resultJson: '{"resultUrls":["https://cdn.example/a.png"]}',
    });
    const run = await cli(['wait', 't1', ...fast()]);
    expect(run.stdout).toBe(
      'state: success\nmodel: test/model\nresultUrls:\n  https://cdn.example/a.png\n',
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

  it('exits 3 for a timeout shorter than the first wait (--timeout 300ms, next poll 2.5 s on)', async () => {
    kie.script('t1', [{ state: 'generating' }]);
    // A budget of one's own: the default one starts slow (a second request 2.5 s after the first).
    const run = await cli([
      ...['wait', 't1', '--base-url', kie.url, '--timeout', '300ms', '--json'],
      ...['--max-requests-per-second', '10'],
    ]);
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout)).toMatchObject({ state: 'generating', pollCount: 2 });
    // 300ms, or 277ms: the wait starts a few ms after the step, whose deadline it keeps.
    expect(run.stderr).toMatch(/Timed out after [23]\d\dms .* \(last state: generating\)/);
  });

  it('exits 4 when the API refuses the key, and says so once', async () => {
    const run = await cli(['wait', 't1', ...fast()], { KIE_API_KEY: 'wrong' });
    expect(run.code).toBe(4);
    expect(`${run.stdout}${run.stderr}`.split('rejected the API key')).toHaveLength(2);
    expect(run.stderr).toMatch(/^kie-task: Kie\.ai rejected the API key .*Check KIE_API_KEY\.$/m);
  });

  it('exits 6, apart from a refusal, when the balance is below --min-credits', async () => {
    kie.script('t1', [{ state: 'success' }]);
    const run = await cli(['wait', 't1', '--min-credits', '100', ...fast()]);
    expect(run.code).toBe(6);
    expect(run.stderr).toContain("below '--min-credits' (100)");
    expect(HELP).toMatch(/^ {2}6 {2}the balance is below --min-credits/m);
  });

  it('prints numbers or null with --json, and no field that cannot apply to it', async () => {
    kie.script('t1', [{ state: 'generating' }]);
    kie.scriptCredits([
      { status: 500, body: 'down' },
      { status: 500, body: 'down' },
      { status: 500, body: 'down' },
    ]);
    const run = await cli(['wait', 't1', '--json', '--timeout', '100ms', ...fast()]);
    const fields = JSON.parse(run.stdout);
    for (const name of [
      'createTime',
      'completeTime',
      'creditsBefore',
      'creditsAfter',
      'creditsUsed',
    ]) {
      expect([name, typeof fields[name] === 'number' || fields[name] === null]).toEqual([
        name,
        true,
      ]);
    }
    expect(fields.completeTime).toBeNull();
    expect(fields.creditsUsed).toBeNull();
    expect(typeof fields.tasks[0].createTime).toBe('number');
    expect(fields.tasks[0].completeTime).toBeNull();
    expect(Object.keys(fields).filter((name) => /^artifact|^truncated$/.test(name))).toEqual([]);
  });

  it('shows every task on the live line: counts by state and the slowest', () => {
    const progress = (taskId: string, state: string, apiState = state) =>
      [taskId, { taskId, state, apiState, polls: 1, elapsedMs: 1 }] as const;
    const tasks = new Map([
      progress('a', 'success'),
      progress('b', 'queuing'),
      progress('c', 'generating', '0'),
    ]);
    expect(liveState(tasks, 3)).toBe(
      '3 tasks: 1 success, 1 queuing, 1 generating · slowest b (queuing)',
    );
    expect(liveState(tasks, 4)).toBe('4 tasks: 1 not seen yet, 1 success, 1 queuing, 1 generating');
    expect(liveState(new Map([progress('c', 'generating', '0')]), 1)).toBe('generating (0)');
  });

  it('puts each task’s download lines under a line of its own, each naming the task', async () => {
    const dir = await scratchDir('kie-cli-');
    for (const id of ['a', 'b']) {
      const urls = [1, 2].map((n) =>
        media.route(`/${id}${n}.png`, { size: 10, contentType: 'image/png' }),
      );
      kie.script(id, [{ state: 'success' }], { resultJson: JSON.stringify({ resultUrls: urls }) });
    }
    const run = await cli(['wait', 'a', 'b', '--download', dir, ...fast()]);
    expect(run.code).toBe(0);
    for (const id of ['a', 'b']) {
      const lines = run.stderr.split('\n');
      const at = lines.indexOf(`Task ${id}: results:`);
      expect(lines.slice(at + 1, at + 3)).toEqual([
        expect.stringMatching(new RegExp(`^  Task ${id}: Downloaded ${id}[12]\\.png `)),
        expect.stringMatching(new RegExp(`^  Task ${id}: Downloaded ${id}[12]\\.png `)),
      ]);
    }
    // One line saying each task succeeded.
    expect(run.stderr.match(/Task a: success/g)).toHaveLength(1);
    expect(run.stderr).not.toContain('succeeded after');
  });

  it('raises no MaxListenersExceededWarning with a dozen tasks downloading at once', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const dir = await scratchDir('kie-cli-');
      const ids = Array.from({ length: 12 }, (_, i) => `t${i}`);
      for (const id of ids) {
        const urls = Array.from({ length: 12 }, (_, n) =>
          media.route(`/${id}-${n}.png`, { size: 10, contentType: 'image/png', delayMs: 20 }),
        );
        kie.script(id, [{ state: 'generating' }, { state: 'success' }], {
          resultJson: JSON.stringify({ resultUrls: urls }),
        });
      }
      const run = await main(['wait', ...ids, '--download', dir, ...fast()], {
        stdout: { write: () => true },
        stderr: { write: () => true },
        env: { KIE_API_KEY: kie.apiKey },
        cwd: process.cwd(),
        signal: new AbortController().signal,
      });
      expect(run).toBe(0);
      await sleep(10); // warnings are emitted on the next tick
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((warning) => warning.name)).not.toContain('MaxListenersExceededWarning');
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

  it('cuts a poll in flight off shortly after the deadline: exit 3, base-url not blamed', async () => {
    kie.script('t1', [{ state: 'generating', delayMs: 120_000 }]);
    const run = await within(
      cli(['wait', 't1', '--base-url', kie.url, '--timeout', '300ms']),
      8_000,
    );
    expect(run).not.toBe('still running');
    const { code, stderr } = run as Awaited<ReturnType<typeof cli>>;
    expect(code).toBe(3);
    expect(stderr).toMatch(/Timed out after .* waiting for task t1, with no state seen/);
    expect(stderr).toContain('had not answered within');
    expect(stderr).not.toContain('--base-url');
  });

  it('holds while a slow balance is read beside the wait, and still polls', async () => {
    kie.scriptCredits([{ body: { code: 200, msg: 'success', data: 5 }, delayMs: 9_000 }]);
    kie.script('t1', [{ state: 'generating' }]);
    const args = ['wait', 't1', '--base-url', kie.url, '--timeout', '500ms', '--report-credits'];
    // 10 a second, so the read has a slot before the timeout (the default starts slower).
    const run = await within(cli([...args, '--max-requests-per-second', '10']), 6_000);
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
    const args = [
      'wait',
      'r',
      '--base-url',
      kie.url,
      '--timeout',
      '400ms',
      '--json',
      '--report-credits',
    ];
    // 10 a second, so the balance is read before and after (the one after used to wait 5 s).
    const run = await within(cli([...args, '--max-requests-per-second', '10']), 4_000);
    expect(run).not.toBe('still running');
    const { code, stdout, stderr } = run as Awaited<ReturnType<typeof cli>>;
    expect(code).toBe(3);
    expect(JSON.parse(stdout).elapsedMs).toBeLessThan(3_000);
    // 400ms or 398ms, as the deadline falls.
    expect(stderr).toMatch(/Timed out after [34]\d\dms waiting for task r/);
    expect(stderr).toContain('outlasts the timeout');
    expect(stderr).not.toContain('Trying again');
    // The read beside the first poll queues behind the 429's pause (or, on a slow machine, goes
    // before it and the read after meets it): either way it gives up rather than wait it out.
    expect(stderr).toMatch(
      /No request slot came free for it in time|pauses requests for longer than it may take/,
    );
  });

  it('polls a task that is already done even after failing balance reads', async () => {
    const serverError = { status: 500, body: { code: 500, msg: 'try again later' } };
    kie.scriptCredits([serverError, serverError, serverError]);
    kie.script('t1', [{ state: 'success' }]);
    const run = await cli([
      'wait',
      't1',
      '--base-url',
      kie.url,
      '--timeout',
      '2s',
      '--report-credits',
    ]);
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

  it('describes each option once, as the usage lines name it', async () => {
    const { stdout } = await cli(['--help']);
    for (const [option, value] of [
      ['--model', '<model>'],
      ['--input', '<json|yaml|@file>'],
      ['--callback-url', '<url>'],
    ] as const) {
      const described = stdout.match(new RegExp(`^ {2}${option} .*`, 'gm')) ?? [];
      expect(described).toHaveLength(1);
      expect(described[0]).toContain(`${option} ${value} `);
      expect(stdout).not.toMatch(new RegExp(`${option} (?!${value.replace('|', '\\|')})<`));
    }
  });

  it.each([
    [[], 'No command given.'],
    [['wat'], "Unknown command 'wat'."],
    [['wait'], 'kie-task wait needs a task id.'],
    [['wait', ','], 'kie-task wait needs a task id.'],
    [['wait', 't1', '--timeout', 'soon'], "Option '--timeout' must be a duration"],
    [['wait', 't1', '--bogus'], "Unknown option '--bogus'"],
    [
      ['wait', 't1', '\u2014timeout', '5s'],
      "'\u2014timeout' starts with a dash character, not two hyphens: write --timeout for the option.",
    ],
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
    // A negative number is the option's value, not an option: the message says what is allowed.
    [['wait', 't1', '--timeout', '-5'], "Option '--timeout' must be a duration such as 90"],
    [['wait', 't1', '--min-credits', '-5'], "Option '--min-credits' must be a number"],
    [['wait', 't1', '--poll-interval', '-.5s', '--json'], "(got '-.5s')"],
  ])('are one line for %j, echoing what was wrong', async (args, message) => {
    const run = await cli(args);
    expect(run.code).toBe(2);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(message);
  });
});

describe('kie-task credits', () => {
  it.each([
    [['credits', '--timeout', '5s'], '--timeout'],
    [['credits', '--download', '/tmp/x'], '--download'],
    [['credits', '--api', 'veo'], '--api'],
    [['credits', '--no-fail'], '--no-fail'],
  ])('refuses %j, an option it does not use', async (args, option) => {
    const run = await cli([...args, '--base-url', kie.url]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `kie-task: kie-task credits takes no ${option}: it uses only --min-credits, --json, --base-url, --poll-interval, --max-requests-per-second. See 'kie-task --help'.\n`,
    );
    expect(kie.requests).toEqual([]);
  });

  it('takes the options a balance read uses', async () => {
    const run = await cli([
      ...['credits', '--json', '--min-credits', '1', '--base-url', kie.url],
      ...['--poll-interval', '20ms', '--max-requests-per-second', '100'],
    ]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ credits: expect.any(Number) });
  });
});

describe('an empty value', () => {
  // `--min-credits "$MIN"` with MIN unset must not run with no balance check.
  it.each([
    ['--min-credits', ''],
    ['--base-url', ''],
    ['--timeout', ''],
    ['--download', ''],
    ['--download', '  '],
  ])('is no value: %s %j exits 2, sending nothing', async (option, value) => {
    // After the local server's options, so that without the check the run ends fast.
    const run = await cli(['wait', 't1', ...fast(), '--timeout', '1s', option, value]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `kie-task: Option '${option}' needs a value: ${option} <value>. See 'kie-task --help'.\n`,
    );
    expect(kie.requests).toEqual([]);
  });

  it('is no value after = either', async () => {
    const run = await cli(['wait', 't1', ...fast(), '--timeout', '1s', '--api=']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("Option '--api' needs a value");
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

  it('prints the new task id as the first line on stdout, without --json', async () => {
    kie.scriptCreate([{ taskId: 'new-7', replies: [{ state: 'generating' }] }]);
    const run = await cli(['create', '--model', 'm', '--timeout', '200ms', ...fast()]);
    expect(run.code).toBe(3);
    // Printed once the task exists, so it is there even when the wait then times out.
    expect(run.stdout.split('\n')[0]).toBe('new-7');
  });

  it('exits 3, not as a cancellation, when the timeout comes before the create could be sent', async () => {
    kie.scriptCreate([{ taskId: 'new-1', replies: [{ state: 'success' }] }]);
    // One request every 2 s: the balance read min-credits needs takes the only slot before the timeout.
    const args = ['create', '--model', 'm', '--json', '--base-url', kie.url, '--min-credits', '1'];
    const run = await cli([...args, '--max-requests-per-second', '0.5', '--timeout', '300ms']);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(
      "Could not create a task for model m: No request slot came free before the timeout (see '--max-requests-per-second'). Nothing was created.",
    );
    expect(run.stderr).not.toMatch(/Cancelled|may have been created/);
    expect(JSON.parse(run.stdout)).toMatchObject({ taskId: '', creditsBefore: expect.any(Number) });
    expect(kie.taskRequests()).toEqual([]);
  });

  it.each([
    // Each message says only what is wrong.
    [
      ['create', '--input', '{}'],
      "kie-task: kie-task create needs --model: the Market API runs a model (the other APIs, chosen with --api, can be created from --input alone). See 'kie-task --help'.\n",
    ],
    [
      ['create', 't1', '--model', 'm'],
      "kie-task: kie-task create takes no task id: it creates the task (kie-task wait <task-id> waits for one). See 'kie-task --help'.\n",
    ],
    [
      ['create', '--api', 'veo'],
      'kie-task create --api veo needs --input (and optionally --model).',
    ],
    [['create', '--api', 'runway'], "kie-task create --api runway needs --input: Runway's request"],
    [['create', 't1'], /takes no task id: .*\n.*needs --model: /],
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
    if (typeof message === 'string' && message.endsWith('\n')) expect(run.stderr).toBe(message);
    else expect(run.stderr).toMatch(message);
    expect(kie.requests).toHaveLength(0);
  });
});

describe('an API key the server echoes back', () => {
  it('is masked in everything the CLI prints, debug lines included', async () => {
    const echo = {
      status: 500,
      body: { code: 500, msg: `Authorization Bearer ${kie.apiKey} invalid` },
    };
    kie.scriptCredits([echo, echo, echo, echo, echo, echo]);
    kie.script('t1', [{ state: 'success' }]);
    const waited = await cli(['wait', 't1', '--min-credits', '1', ...fast()], { KIE_DEBUG: '1' });
    const credits = await cli(['credits', '--base-url', kie.url, '--poll-interval', '20ms'], {
      KIE_DEBUG: '1',
    });
    for (const run of [waited, credits]) {
      expect(run.code).toBe(4);
      expect(run.stderr).toContain('Authorization Bearer *** invalid');
      expect(run.stdout + run.stderr).not.toContain(kie.apiKey);
    }
  });
});

describe('control characters in API text', () => {
  const failMsg = '\u001b[31mRED\u001b[0m\u001b]0;title\u0007 \r overwritten\u007f';
  // eslint-disable-next-line no-control-regex
  const control = /[\x00-\x08\x0b-\x1f\x7f]/;

  it.each([false, true])('are written out, not sent to the terminal (tty: %s)', async (tty) => {
    kie.script('t1', [{ state: 'fail', record: { failMsg } }]);
    const run = await cli(['wait', 't1', ...fast()], {}, { tty });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      'failMsg: \\x1b[31mRED\\x1b[0m\\x1b]0;title\\x07 \\x0d overwritten\\x7f\n',
    );
    expect(run.stderr).toContain('\\x1b[31mRED');
    // Only the live line's own sequence reaches the terminal.
    expect(run.stdout + run.stderr.replaceAll('\r\x1b[K', '')).not.toMatch(control);
  });

  it('stay exact, as JSON escapes, with --json', async () => {
    kie.script('t1', [{ state: 'fail', record: { failMsg } }]);
    const run = await cli(['wait', 't1', '--json', ...fast()]);
    expect(run.stdout).not.toMatch(control);
    expect(JSON.parse(run.stdout).failMsg).toBe(failMsg);
  });
});

describe('a stdout that is closed or full', () => {
  const errno = (code: string) => Object.assign(new Error(`write ${code}`), { code });
  // As process.stdout fails: the write's callback and an 'error' event, both on a later tick.
  const failingStream = (code: string) => {
    const stream = new EventEmitter();
    return Object.assign(stream, {
      write: (_text: string, done?: (error: Error) => void) => {
        const error = errno(code);
        process.nextTick(() => (done?.(error), stream.emit('error', error)));
        return false;
      },
    });
  };
  const run = async (args: string[], stdout: CliIo['stdout']) => {
    let stderr = '';
    const code = await main([...args, ...fast()], {
      stdout,
      stderr: { write: (text: string) => (stderr += text) },
      env: { KIE_API_KEY: kie.apiKey },
      cwd: process.cwd(),
    });
    return { code, stderr };
  };

  it('exits quietly with the code the run earned when the reader has gone (EPIPE)', async () => {
    kie.script('t1', [{ state: 'success' }]);
    const stdout = failingStream('EPIPE');
    const ok = await run(['wait', 't1', '--json'], stdout);
    expect(ok).toMatchObject({ code: 0 });
    expect(stdout.listenerCount('error')).toBe(1); // without one, the process dies on the event
    expect(ok.stderr).not.toMatch(/EPIPE|unexpected|\n\s+at /);
    kie.script('t2', [{ state: 'fail', record: { failMsg: 'flagged' } }]);
    const failed = await run(['wait', 't2'], failingStream('EPIPE'));
    expect(failed.code).toBe(1);
  });

  it('says so in one line and exits 5 when the results cannot be written', async () => {
    kie.script('t1', [{ state: 'success' }]);
    for (const stdout of [
      failingStream('ENOSPC'),
      {
        write: (): never => {
          throw errno('ENOSPC');
        },
      },
    ]) {
      const { code, stderr } = await run(['wait', 't1'], stdout);
      expect(code).toBe(5);
      expect(stderr.trimEnd().split('\n').at(-1)).toBe(
        'kie-task: Could not write the output to stdout: write ENOSPC',
      );
      expect(stderr).not.toMatch(/unexpected|\n\s+at /);
    }
  });
});
