// Every family's records in the shapes Kie.ai really sends (issue 17), through the local Kie server
// and the whole action: URLs away from the documented field, a success with none, states no doc
// names, empty values spelled "null".
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiFamily } from '../src/kie/apis/index.js';
import { KieClient } from '../src/kie/client.js';
import { silentLogger } from '../src/logger.js';
import { localInputs, runInProcess } from './support/action.js';
import type { KieServer } from './support/kie-server.js';
import {
  errorFields,
  EVERY_FAMILY,
  failureOf,
  resultField,
  runningOf,
  scriptRecords,
  SHAPES,
  stateField,
  successAt,
} from './support/kie-shapes.js';
import { generatedBytes, type MediaServer } from './support/media-server.js';
import { useLocalServers } from './support/servers.js';

let kie: KieServer;
let media: MediaServer;
useLocalServers((started) => ({ kie, media } = started));

const warnings = (log: string) => log.split('\n').filter((line) => line.startsWith('::warning::'));

describe.each(EVERY_FAMILY)('api $api', ({ api, media: count }) => {
  const inputs = (extra: Record<string, string> = {}) =>
    localInputs(kie, { api, 'task-id': 't1', ...extra });
  const files = (prefix: string) =>
    Array.from({ length: Math.max(count, 1) }, (_, i) =>
      media.route(`/${api}/${prefix}-${i}.bin`, { body: generatedBytes(100 + i) }),
    );

  it.each(SHAPES)('reads its result URLs from $name, downloading each file once', async (shape) => {
    const urls = files(shape.name.length.toString());
    const result = shape.result?.(urls) ?? null;
    scriptRecords(kie, api, 't1', [runningOf(api), successAt(api, result, shape.record?.(urls))]);
    const run = await runInProcess(inputs({ download: 'true' }));
    expect(run.failed).toBe(false);
    expect(run.outputs.resultUrls).toBe(JSON.stringify(urls));
    const written = JSON.parse(run.outputs.files!) as string[];
    expect(written.map((file) => path.basename(file))).toEqual(
      urls.map((url) => path.basename(url)),
    );
    expect(media.requests.filter((request) => request.url.startsWith(`/${api}/`))).toHaveLength(
      urls.length,
    );
    expect(warnings(run.log)).toEqual([]);
  });

  it('warns about a success with no result URL anywhere, naming the places, and keeps the record', async () => {
    scriptRecords(kie, api, 't1', [successAt(api, {}, { note: 'kept' })]);
    const run = await runInProcess(inputs());
    expect(run.failed).toBe(false);
    expect(run.outputs).toMatchObject({ state: 'success', resultUrls: '[]' });
    const field = resultField(api);
    if (count === 0) {
      // Lyrics, MIDI notes, a voice check: a result with no files is what they make.
      expect(warnings(run.log)).toEqual([]);
      return;
    }
    expect(warnings(run.log)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^::warning::Task t1: .* reported success but no result URL was found \\(looked in .*${field}\\.result_urls, ${field}\\.data\\.resultUrls, ${field}\\.data\\.result_urls, resultUrls, result_urls\\); the record as sent is kept in resultJson\\.$`,
        ),
      ),
    ]);
    // The record as sent: Market's resultJson text when it has one, else the whole record.
    expect(run.outputs.resultJson).toContain(api === 'market' ? '{}' : '"note":"kept"');
  });

  it('does not warn about result URLs when the task failed', async () => {
    scriptRecords(kie, api, 't1', [failureOf(api)]);
    const run = await runInProcess(inputs());
    expect(run.outputs.state).toBe('fail');
    expect(run.log).not.toContain('no result URL');
  });

  it('reads an undocumented state as running, warns once, and waits on', async () => {
    const odd = { ...runningOf(api), [stateField(api)]: api === 'market' ? 'QUEUING' : 'pending' };
    scriptRecords(kie, api, 't1', [odd, odd, odd, successAt(api, { resultUrls: files('odd') })]);
    const run = await runInProcess(inputs());
    expect(run.failed).toBe(false);
    expect(run.outputs).toMatchObject({ state: 'success', pollCount: '4' });
    expect(warnings(run.log)).toEqual([
      expect.stringMatching(/undocumented state "(QUEUING|pending)"; still waiting\.$/),
    ]);
  });

  it('reads "null" in its error fields and URLs as empty', async () => {
    const { code, message } = errorFields(api);
    // Aleph's flag 0 is a failure only with an error: its message stays, its code is "null".
    const blank = { [code]: 'null', ...(api !== 'runway-aleph' && { [message]: 'null' }) };
    scriptRecords(kie, api, 't1', [{ ...failureOf(api), ...blank }]);
    const failed = await runInProcess(inputs());
    expect(failed.outputs).toMatchObject({ state: 'fail', failCode: '' });
    expect(failed.outputs.failMsg).not.toMatch(/null/);

    const [url] = files('null');
    scriptRecords(kie, api, 't2', [successAt(api, { resultUrls: ['null', '', null, url] })]);
    const succeeded = await runInProcess(inputs({ 'task-id': 't2' }));
    expect(succeeded.outputs.resultUrls).toBe(JSON.stringify([url]));
  });
});

describe('new Market models', () => {
  const models = [
    'kling-3.0/omni',
    'seedance-2.5',
    'wan-3.0',
    'gemini-omni-video',
    'grok-imagine/image-2.0',
  ];

  it.each(models)('creates %s on the Market path as any model, and waits for it', async (model) => {
    const url = media.route('/new/a.mp4', { body: generatedBytes(10) });
    const done = { resultJson: JSON.stringify({ resultUrls: [url] }) };
    kie.scriptCreate([
      { taskId: 'n1', replies: [{ state: 'generating' }, { state: 'success', record: done }] },
    ]);
    const run = await runInProcess(localInputs(kie, { model, input: 'prompt: x' }));
    expect(run.failed).toBe(false);
    expect(run.outputs).toMatchObject({ taskId: 'n1', state: 'success', model });
    expect(run.outputs.resultUrls).toBe(JSON.stringify([url]));
    expect(kie.taskRequests()[0]).toMatchObject({
      path: '/api/v1/jobs/createTask',
      body: { model, input: { prompt: 'x' } },
    });
  });
});

describe('the family named in what a user reads', () => {
  it.each([
    ['market', 'Market'],
    ['runway', 'Runway'],
    ['runway-aleph', 'Runway Aleph'],
    ['4o-image', '4o Image'],
    ['midjourney', 'Midjourney'],
    ['luma', 'Luma'],
  ] as const)('%s: a record it cannot read is called a %s task record', async (api, label) => {
    kie.script('t1', [{ data: { taskId: [] } }], {}, api);
    const client = new KieClient({
      baseUrl: kie.url,
      apiKey: kie.apiKey,
      api: apiFamily(api),
      logger: silentLogger,
    });
    await expect(client.getTaskRecord('t1')).rejects.toThrow(
      `Kie.ai answered code 200 without a readable ${label} task record for t1 (`,
    );
  });
});
