// The whole action (and the CLI) for every API family, one at a time, against the local Kie server
// serving that family's documented records: waiting, downloads, many tasks, create-and-wait.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { localInputs, runInProcess } from './support/action.js';
import { FAMILIES, type FamilyCase } from './support/kie-families.js';
import { ROUTES } from './support/kie-routes.js';
import type { KieServer } from './support/kie-server.js';
import { generatedBytes, type MediaServer } from './support/media-server.js';
import { useLocalServers } from './support/servers.js';
import { instantClock } from './support/virtual-clock.js';

let kie: KieServer;
let media: MediaServer;
useLocalServers((started) => ({ kie, media } = started));

/** The model each family's create body takes, where it has one. */
const MODELS: Partial<Record<FamilyCase['api'], string>> = {
  veo: 'veo3_fast',
  suno: 'V4_5',
  'flux-kontext': 'flux-kontext-pro',
};

const mediaUrls = (family: FamilyCase, prefix: string = family.api) =>
  Array.from({ length: family.media }, (_, i) =>
    media.route(`/${prefix}/file-${i}.bin`, {
      body: generatedBytes(1_000 + i),
      contentType: 'application/octet-stream',
    }),
  );

const script = (family: FamilyCase, taskId: string, urls: string[]) =>
  kie.script(
    taskId,
    [...family.running.map((data) => ({ data })), { data: family.success(urls) }],
    {},
    family.api,
  );

const statusPath = (family: FamilyCase) => ROUTES.find((route) => route.api === family.api)!.status;

describe.each(FAMILIES)('api $api', (family) => {
  const inputs = (extra: Record<string, string>) => localInputs(kie, { api: family.api, ...extra });

  it('waits on its status endpoint, downloads its results, and sets the outputs', async () => {
    const urls = mediaUrls(family);
    script(family, 'task-1', urls);
    // Outside the run's workspace, which is removed after the run.
    const dir = await mkdtemp(path.join(tmpdir(), 'kie-family-'));
    const run = await runInProcess(
      inputs({ 'task-id': 'task-1', download: 'true', 'download-dir': dir }),
    );
    expect(run.failed).toBe(false);
    expect(run.outputs).toMatchObject({
      taskId: 'task-1',
      state: 'success',
      apiState: family.successState,
      resultUrls: JSON.stringify(urls),
      failCode: '',
      failMsg: '',
      pollCount: String(family.running.length + 1),
    });
    // The family's result object (Veo's response, Runway's videoInfo …), as JSON.
    expect(JSON.parse(run.outputs.resultJson!)).toEqual(expect.any(Object));
    expect(new Set(kie.taskRequests().map((request) => request.path))).toEqual(
      new Set([statusPath(family)]),
    );
    const files = JSON.parse(run.outputs.files!) as string[];
    if (family.media > 0) {
      expect(files.map((file) => path.basename(file))).toEqual(urls.map((_, i) => `file-${i}.bin`));
    } else {
      // Lyrics and MIDI notes have no files: the result itself is kept.
      expect(files.map((file) => path.basename(file))).toEqual(['result.json']);
      expect(JSON.parse(await readFile(files[0]!, 'utf8'))).toEqual(
        JSON.parse(run.outputs.resultJson!),
      );
    }
    expect(run.summary).toContain('succeeded');
    // The family's own value, where it says more than the state, in the field it came in.
    if (family.successState !== 'success') {
      expect(run.summary).toMatch(new RegExp(`\`\\w+ ${family.successState}\` \\(success`));
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('fails the step with the family error message', async () => {
    kie.script('task-1', [{ data: family.failure }], {}, family.api);
    const run = await runInProcess(inputs({ 'task-id': 'task-1' }));
    expect(run.failed).toBe(true);
    expect(run.outputs).toMatchObject({
      state: 'fail',
      apiState: family.failureState,
      failMsg: family.failMsg,
      failed: '1',
    });
    expect(run.log).toContain(`::error::Task task-1 failed`);
  });

  it('waits for many tasks in one step', async () => {
    script(family, 'a', mediaUrls(family, `${family.api}-a`));
    script(family, 'b', mediaUrls(family, `${family.api}-b`));
    const run = await runInProcess(inputs({ 'task-id': 'a, b', download: 'true' }));
    expect(run.failed).toBe(false);
    expect(run.outputs).toMatchObject({ state: 'success', succeeded: '2', failed: '0' });
    const tasks = JSON.parse(run.outputs.tasks!) as { taskId: string; apiState: string }[];
    expect(tasks.map((task) => [task.taskId, task.apiState])).toEqual([
      ['a', family.successState],
      ['b', family.successState],
    ]);
    expect(JSON.parse(run.outputs.files!)).toHaveLength(2 * Math.max(family.media, 1));
  });

  it('creates the task on its own endpoint, then waits for it', async () => {
    const createPath = ROUTES.find((route) => route.api === family.api)!.create;
    kie.scriptCreate(
      [
        {
          taskId: 'new-1',
          replies: [{ data: family.running[0]! }, { data: family.success(mediaUrls(family)) }],
        },
      ],
      family.api,
    );
    const model = MODELS[family.api];
    const run = await runInProcess(
      inputs({
        ...(model && { model }),
        input: 'prompt: A city at night\naspectRatio: "16:9"',
        'callback-url': 'https://example.com/hook',
      }),
    );
    expect(run.failed).toBe(false);
    expect(run.outputs).toMatchObject({ taskId: 'new-1', state: 'success' });
    // The model given, where the record names none of its own (Veo, Flux Kontext).
    if (model) expect(run.outputs.model).not.toBe('');
    expect(kie.taskRequests()[0]).toMatchObject({ method: 'POST', path: createPath });
    expect(kie.taskRequests()[0]!.body).toEqual({
      ...(model && { model }),
      prompt: 'A city at night',
      aspectRatio: '16:9',
      callBackUrl: 'https://example.com/hook',
    });
    expect(
      kie
        .taskRequests()
        .slice(1)
        .every((request) => request.path === statusPath(family)),
    ).toBe(true);
  });
});

describe('the api input', () => {
  const inputs = (extra: Record<string, string>) => localInputs(kie, { 'task-id': 't', ...extra });

  it('fails on an unknown value with one line naming api and every allowed value, before any request', async () => {
    const run = await runInProcess(inputs({ api: 'sora' }));
    expect(run.failed).toBe(true);
    const errors = run.log.split('\n').filter((line) => line.startsWith('::error::'));
    expect(errors).toEqual([
      "::error::Input 'api' must be one of market, veo, runway, runway-aleph, suno, suno-lyrics, suno-wav, suno-vocal-removal, suno-mp4, suno-midi, suno-cover, suno-voice, suno-voice-validate, 4o-image, flux-kontext, midjourney, luma (got 'sora').",
    ]);
    expect(kie.taskRequests()).toHaveLength(0);
  });

  it('refuses to create a Suno task without callback-url, saying why, before any request', async () => {
    const run = await runInProcess(
      localInputs(kie, { api: 'suno', model: 'V4_5', input: 'prompt: piano' }),
    );
    expect(run.failed).toBe(true);
    expect(run.log).toContain(
      "::error::Input 'callback-url' is required with 'api' suno: Kie.ai refuses Suno requests without a callBackUrl.",
    );
    expect(kie.taskRequests()).toHaveLength(0);
  });

  it('refuses a model for an API whose request has none', async () => {
    const run = await runInProcess(
      localInputs(kie, { api: 'runway', model: 'gen3', input: 'prompt: x' }),
    );
    expect(run.failed).toBe(true);
    expect(run.log).toContain("::error::Input 'model' is not used with 'api' runway");
    expect(kie.taskRequests()).toHaveLength(0);
  });

  it('on market, an id that stays unknown may belong to another API, naming api', async () => {
    kie.script('veo-1', [{ data: { successFlag: 0 } }], {}, 'veo');
    const run = await runInProcess(
      inputs({
        'task-id': 'veo-1',
        timeout: '5m',
        'poll-interval': '10s',
        'max-poll-interval': '30s',
      }),
      // The 1-minute grace in a moment: sleeps return at once on a fast clock.
      { deps: instantClock() },
    );
    expect(run.failed).toBe(true);
    expect(run.outputs.failMsg).toMatch(
      /recordInfo is null.*may belong to another Kie.ai API: set 'api' \(veo, suno/,
    );
  });
});

describe('kie-task --api', () => {
  function cli(args: string[]) {
    let stdout = '';
    let stderr = '';
    const io = {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      env: { KIE_API_KEY: kie.apiKey },
      cwd: process.cwd(),
    };
    const fast = [
      ...['--base-url', kie.url, '--poll-interval', '10ms', '--max-poll-interval', '20ms'],
      // The default 1.5 requests a second would make each run wait its slots, seconds in all.
      ...['--max-requests-per-second', '100'],
    ];
    return main([...args, ...fast], io).then((code) => ({ code, stdout, stderr }));
  }
  const veo = FAMILIES.find((family) => family.api === 'veo')!;

  it('waits for a Veo task and prints its fields with --json', async () => {
    script(veo, 'v1', ['https://tempfile.aiquickdraw.com/v/1.mp4']);
    const run = await cli(['wait', 'v1', '--api', 'veo', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      state: 'success',
      apiState: '1',
      resultUrls: ['https://tempfile.aiquickdraw.com/v/1.mp4'],
    });
    expect(run.stderr).toContain('Task v1: generating (successFlag 0) after');
  });

  it('creates a Suno task with kie-task create', async () => {
    const suno = FAMILIES.find((family) => family.api === 'suno')!;
    kie.scriptCreate(
      [{ taskId: 's1', replies: [{ data: suno.success(['a', 'b', 'c', 'd']) }] }],
      'suno',
    );
    const run = await cli([
      'create',
      '--api',
      'suno',
      '--model',
      'V4_5',
      '--input',
      '{"prompt":"piano"}',
      '--callback-url',
      'https://example.com/hook',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('apiState: SUCCESS');
    expect(kie.taskRequests()[0]!.body).toEqual({
      model: 'V4_5',
      prompt: 'piano',
      callBackUrl: 'https://example.com/hook',
    });
  });

  it('creates from --input alone on an API without models, and asks market for --model', async () => {
    const runway = FAMILIES.find((family) => family.api === 'runway')!;
    kie.scriptCreate([{ taskId: 'r1', replies: [{ data: runway.failure }] }], 'runway');
    const run = await cli(['create', '--api', 'runway', '--input', 'prompt: x', '--no-fail']);
    expect(run.code).toBe(0);
    expect(kie.taskRequests()[0]).toMatchObject({
      path: '/api/v1/runway/generate',
      body: { prompt: 'x' },
    });
    const market = await cli(['create', '--input', 'prompt: x']);
    expect(market.code).toBe(2);
    expect(market.stderr).toContain('kie-task create needs --model: the Market API runs a model');
  });

  it('names --api and the allowed values for an unknown one', async () => {
    const run = await cli(['wait', 't', '--api', 'kling']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("kie-task: Option '--api' must be one of market, veo,");
    expect(kie.taskRequests()).toHaveLength(0);
  });

  it('names --callback-url when a Suno creation has none', async () => {
    const run = await cli(['create', '--api', 'suno', '--model', 'V4_5', '--input', 'prompt: x']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("Option '--callback-url' is required with '--api' suno");
  });
});
