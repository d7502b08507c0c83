// Issue 17 through the committed bundle, run as a runner runs it: every family's records in each
// real shape (one step per family, a task per shape), the custom voice API end to end, and a
// Cloudflare refusal that ends the step with its one line.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { localInputs, runDist } from './support/action.js';
import { FAMILIES } from './support/kie-families.js';
import type { KieServer } from './support/kie-server.js';
import { EVERY_FAMILY, scriptRecords, SHAPES, successAt } from './support/kie-shapes.js';
import { generatedBytes, type MediaServer } from './support/media-server.js';
import { useLocalServers } from './support/servers.js';

let kie: KieServer;
let media: MediaServer;
useLocalServers((started) => ({ kie, media } = started));

const warnings = (log: string) => log.split('\n').filter((line) => line.startsWith('::warning::'));

describe.each(EVERY_FAMILY)('the bundle, api $api', ({ api, media: count }) => {
  it('reads every shape, one task each, and warns only about the task with no URL', async () => {
    const expected: Record<string, string[]> = {};
    SHAPES.forEach((shape, n) => {
      const urls = Array.from({ length: Math.max(count, 1) }, (_, i) =>
        media.route(`/${api}/s${n}-${i}.bin`, { body: generatedBytes(50 + i) }),
      );
      expected[`s${n}`] = urls;
      const result = shape.result?.(urls) ?? null;
      scriptRecords(kie, api, `s${n}`, [successAt(api, result, shape.record?.(urls))]);
    });
    scriptRecords(kie, api, 'none', [successAt(api, {})]);
    const ids = [...Object.keys(expected), 'none'];
    const run = await runDist(
      localInputs(kie, { api, 'task-id': ids.join(' '), download: 'true' }),
    );
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const tasks = JSON.parse(run.outputs.tasks!) as { taskId: string; resultUrls: string[] }[];
    expect(Object.fromEntries(tasks.map((task) => [task.taskId, task.resultUrls]))).toEqual({
      ...expected,
      none: [],
    });
    // Each file once, though some shapes name it three times.
    const files = JSON.parse(run.outputs.files!) as string[];
    expect(files.filter((file) => path.basename(file) !== 'result.json')).toHaveLength(
      Object.values(expected).flat().length,
    );
    expect(warnings(run.log)).toEqual(count === 0 ? [] : [expect.stringContaining('Task none: ')]);
  });
});

describe('the bundle, the Suno custom voice API', () => {
  it('creates a voice, waits for it and downloads its sample', async () => {
    const voice = FAMILIES.find((family) => family.api === 'suno-voice')!;
    const sample = media.route('/voice/sample.mp3', { body: generatedBytes(2_000) });
    kie.scriptCreate(
      [
        {
          taskId: 'v1',
          replies: voice.running.concat(voice.success([sample])).map((data) => ({ data })),
        },
      ],
      'suno-voice',
    );
    const run = await runDist(
      localInputs(kie, {
        api: 'suno-voice',
        input:
          'taskId: validated-1\nverifyUrl: https://musicfile.kie.ai/verify.mp3\nvoiceName: Ada',
        download: 'true',
      }),
    );
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ taskId: 'v1', state: 'success', apiState: 'SUCCESS' });
    expect(kie.taskRequests()[0]).toMatchObject({
      method: 'POST',
      path: '/api/v1/voice/generate',
      body: {
        taskId: 'validated-1',
        verifyUrl: 'https://musicfile.kie.ai/verify.mp3',
        voiceName: 'Ada',
      },
    });
    expect(
      kie
        .taskRequests()
        .slice(1)
        .map((request) => request.path),
    ).toEqual(Array(3).fill('/api/v1/voice/record-info'));
    expect((JSON.parse(run.outputs.files!) as string[]).map((f) => path.basename(f))).toEqual([
      'sample.mp3',
    ]);
    expect(JSON.parse(run.outputs.resultJson!)).toMatchObject({ voiceId: 'voice-1' });
  });
});

describe('the bundle, refused by Cloudflare', () => {
  it('ends after 3 tries with one line naming base-url', async () => {
    kie.script('t1', [{ status: 403, body: 'error code: 1010' }]);
    const run = await runDist(localInputs(kie, { 'task-id': 't1', timeout: '30m' }));
    expect(run.exitCode).toBe(1);
    expect(kie.taskRequests()).toHaveLength(3);
    const errors = run.log.split('\n').filter((line) => line.startsWith('::error::'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/refused this client \(HTTP 403: error code: 1010\).*'base-url'\.$/);
  });
});
