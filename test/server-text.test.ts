// What a hostile or broken Kie.ai may send, end to end through the action on the loopback: the
// key echoed back, terminal control bytes, endless messages, huge replies, numbers JavaScript
// cannot hold, and symbolic links already lying in download-dir.
import { mkdir, readdir, readFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { localInputs, runInProcess, scratchDir } from './support/action.js';
import type { KieServer } from './support/kie-server.js';
import type { MediaServer } from './support/media-server.js';
import { useLocalServers } from './support/servers.js';

let kie: KieServer;
let media: MediaServer;
useLocalServers((started) => ({ kie, media } = started));

/** Everything the step left for people and later steps to read, but the mask command itself. */
function everything(run: { log: string; outputs: Record<string, string>; summary: string }) {
  const log = run.log
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
  return [log, JSON.stringify(run.outputs), run.summary].join('\n');
}

/** The key spelt every way a URL or a JSON string can spell it. */
function spellings(key: string) {
  const escaped = [...key].map((char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const percent = [...key].map((char) => `%${char.charCodeAt(0).toString(16)}`).join('');
  return { escaped: escaped.join(''), percent };
}

describe('the API key echoed by the server', () => {
  it('is redacted from outputs, files, the summary and the log', async () => {
    const key = kie.apiKey;
    const { escaped, percent } = spellings(key);
    // resultJson is JSON inside a JSON string: its own escapes are undone only when it is read.
    const resultJson =
      `{"resultUrls":["https://cdn.example/a.png?key=${key}","https://cdn.example/b.png?k=${percent}"],` +
      `"note":"${escaped}"}`;
    kie.script('t1', [{ state: 'success' }], { resultJson, model: `model ${key}` });
    kie.script('t2', [
      { state: 'fail', record: { failMsg: `key ${key} rejected`, failCode: key } },
    ]);
    const run = await runInProcess(
      localInputs(kie, { 'task-id': 't1,t2', 'fail-on-task-failure': 'false' }),
    );
    const seen = everything(run);
    expect(seen).not.toContain(key);
    expect(seen.toLowerCase()).not.toContain(percent.toLowerCase());
    expect(seen).not.toContain(escaped);
    expect(run.outputs.tasks).toContain('https://cdn.example/a.png?key=***');
    expect(run.outputs.tasks).toContain('key *** rejected');
  });

  it('is redacted from the message of a refused request', async () => {
    kie.script('t1', [{ status: 200, body: { code: 422, msg: `no task for key ${kie.apiKey}` } }]);
    const run = await runInProcess(localInputs(kie, { 'task-id': 't1' }));
    expect(run.failed).toBe(true);
    expect(everything(run)).not.toContain(kie.apiKey);
    expect(run.log).toContain('no task for key ***');
  });
});

describe('server text', () => {
  it('reaches the log with its control characters written out', async () => {
    const failMsg = 'bad\u001b]0;pwned\u0007\u001b[2J\u009b31m\u0000 input';
    kie.script('t1', [{ state: 'fail', record: { failMsg } }]);
    const run = await runInProcess(localInputs(kie, { 'task-id': 't1' }));
    expect(run.failed).toBe(true);
    expect(run.log).toContain('bad\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\\x00 input');
    // eslint-disable-next-line no-control-regex
    expect(run.log).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });

  it('is capped at 2,000 characters with a note, in failMsg and in the API msg', async () => {
    const long = 'x'.repeat(5_000_000);
    kie.script('t1', [{ state: 'fail', record: { failMsg: long } }]);
    const failed = await runInProcess(localInputs(kie, { 'task-id': 't1' }));
    expect(failed.outputs.failMsg).toBe(
      `${'x'.repeat(2_000)}… (4998000 more characters not shown)`,
    );
    expect(failed.log.length).toBeLessThan(40_000);

    kie.script('t2', [{ status: 200, body: { code: 422, msg: long } }]);
    const refused = await runInProcess(localInputs(kie, { 'task-id': 't2' }));
    expect(refused.failed).toBe(true);
    expect(refused.log).toContain('… (4998000 more characters not shown)');
    expect(refused.log.length + refused.summary.length).toBeLessThan(40_000);
  });
});

describe('API replies', () => {
  it('over 32 MB are refused with a clear error, unread', async () => {
    const huge = JSON.stringify({ code: 200, data: { pad: 'x'.repeat(33 * 1024 * 1024) } });
    kie.script('t1', [{ status: 200, body: huge }]);
    const run = await runInProcess(localInputs(kie, { 'task-id': 't1' }));
    expect(run.failed).toBe(true);
    expect(run.log).toMatch(
      /The reply to GET \/api\/v1\/jobs\/recordInfo is larger than 32(\.0)? MB: refused unread/,
    );
  });
});

describe('resultJson', () => {
  it('keeps every number exactly as sent, in the output and in result.json', async () => {
    const resultJson =
      '{"resultObject": {"seed": 123456789012345678901234567890, "x": 1e999, "y": 1.50}}';
    kie.script('t1', [{ state: 'success' }], { resultJson });
    const dir = await scratchDir('kie-numbers-');
    const run = await runInProcess(
      localInputs(kie, { 'task-id': 't1', download: 'true', 'download-dir': dir }),
    );
    const exact = '{"resultObject":{"seed":123456789012345678901234567890,"x":1e999,"y":1.50}}';
    expect(run.outputs.resultJson).toBe(exact);
    expect(await readFile(path.join(dir, 'result.json'), 'utf8')).toBe(`${resultJson}\n`);
  });

  // JSON.parse's source text and JSON.rawJSON come with Node 22; on Node 20 such numbers change.
  const sourceText = typeof (JSON as { rawJSON?: unknown }).rawJSON === 'function';

  it.runIf(sourceText)(
    'keeps them exactly too when the result comes parsed in data (Veo)',
    async () => {
      const response =
        '{"resultUrls": ["http://127.0.0.1:9/v.mp4"], "seed": 123456789012345678901234567890, ' +
        '"x": 1e999, "tiny": 1.5e-400, "long": 0.1000000000000000000001, "safe": 9007199254740993, ' +
        '"y": 1.0, "credits": 60.62, "at": 1733480000000}';
      const data = `{"taskId": "v1", "successFlag": 1, "createTime": 123456789012345678901234567890, "response": ${response}}`;
      kie.script('v1', [{ body: `{"code": 200, "msg": "success", "data": ${data}}` }], {}, 'veo');
      const run = await runInProcess(
        localInputs(kie, { api: 'veo', 'task-id': 'v1', download: 'false' }),
      );
      expect(run.failed).toBe(false);
      expect(run.outputs.resultJson).toBe(
        '{"resultUrls":["http://127.0.0.1:9/v.mp4"],"seed":123456789012345678901234567890,' +
          '"x":1e999,"tiny":1.5e-400,"long":0.1000000000000000000001,"safe":9007199254740993,' +
          '"y":1,"credits":60.62,"at":1733480000000}',
      );
      // A time no clock can reach is ignored, as any unreadable time.
      expect(JSON.parse(run.outputs.tasks!)).toMatchObject([{ createTime: '' }]);
    },
  );
});

describe('symbolic links under download-dir', () => {
  it('are never written through: a task folder that is one fails that task, naming it', async () => {
    const dir = await scratchDir('kie-links-');
    const elsewhere = await scratchDir('kie-elsewhere-');
    await symlink(elsewhere, path.join(dir, 't1'));
    const png = media.route('/a.png', { body: 'png', contentType: 'image/png' });
    kie.script('t1', [{ state: 'success' }], { resultJson: JSON.stringify({ resultUrls: [png] }) });
    kie.script('t2', [{ state: 'success' }], { resultJson: JSON.stringify({ resultUrls: [png] }) });
    const run = await runInProcess(
      localInputs(kie, { 'task-id': 't1,t2', download: 'true', 'download-dir': dir }),
    );
    expect(run.failed).toBe(true);
    expect(run.log).toContain(
      `Refusing to write through the symbolic link ${path.join(dir, 't1')} in the results folder.`,
    );
    expect(await readdir(elsewhere)).toEqual([]);
    expect(await readdir(path.join(dir, 't2'))).toEqual(['a.png']);
  });

  it('are never written through: outputs/ for a cut output', async () => {
    const dir = await scratchDir('kie-links-');
    const elsewhere = await scratchDir('kie-elsewhere-');
    await mkdir(path.join(dir, 't1'));
    await symlink(elsewhere, path.join(dir, 'outputs'));
    const big = JSON.stringify({ resultObject: { text: 'y'.repeat(1_100_000) } });
    kie.script('t1', [{ state: 'success' }], { resultJson: big });
    kie.script('t2', [{ state: 'success' }], { resultJson: '{"resultObject":{}}' });
    const run = await runInProcess(localInputs(kie, { 'task-id': 't1,t2', 'download-dir': dir }));
    expect(run.log).toContain(
      `Refusing to write through the symbolic link ${path.join(dir, 'outputs')}`,
    );
    expect(await readdir(elsewhere)).toEqual([]);
  });
});
