// The pieces `npm run demo` shows a newcomer: the images its media host serves, and the job
// summary rendered as terminal text.
import { crc32, inflateSync } from 'node:zlib';
import { expect, it } from 'vitest';
import { demoMp3, demoPng, readableLog, summaryAsText } from '../scripts/demo-support.js';
import { localInputs, runInProcess } from './support/action.js';
import { type KieServer } from './support/kie-server.js';
import { useLocalServers } from './support/servers.js';

let kie: KieServer;
useLocalServers((started) => ({ kie } = started));

it('draws a PNG any viewer opens: signature, chunks with valid CRCs, one row per line', () => {
  const png = demoPng(7, 5, [0, 0, 0], [255, 255, 255], [255, 0, 0]);
  expect(png.subarray(0, 8)).toEqual(Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'));
  const chunks: Record<string, Buffer> = {};
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    const typeAndData = png.subarray(at + 4, at + 8 + length);
    expect(png.readUInt32BE(at + 8 + length)).toBe(crc32(typeAndData));
    chunks[typeAndData.subarray(0, 4).toString('latin1')] = typeAndData.subarray(4);
    at += 12 + length;
  }
  expect(Object.keys(chunks)).toEqual(['IHDR', 'IDAT', 'IEND']);
  expect([chunks.IHDR!.readUInt32BE(0), chunks.IHDR!.readUInt32BE(4)]).toEqual([7, 5]);
  const rows = inflateSync(chunks.IDAT!);
  expect(rows.length).toBe((7 * 3 + 1) * 5);
  // Top-left is the sky's top colour; bottom-left its bottom colour.
  expect([...rows.subarray(1, 4)]).toEqual([0, 0, 0]);
  expect([...rows.subarray(4 * 22 + 1, 4 * 22 + 4)]).toEqual([255, 255, 255]);
});

it('renders a job summary as text: no tags or entities, tables aligned, alerts labelled', async () => {
  kie.script('t1', [{ state: 'success' }], {
    model: 'nano-banana-pro',
    resultJson: '{"resultUrls":["https://cdn.example/a.png"]}',
  });
  kie.script('t2', [{ state: 'fail', record: { failMsg: 'Flagged <script>' } }]);
  const one = summaryAsText((await runInProcess(localInputs(kie, { 'task-id': 't1' }))).summary);
  expect(one).toContain('Kie.ai task t1: succeeded');
  expect(one).toMatch(/^Model +Generation +Waited\nnano-banana-pro +\S+ +\d+ms \(1 poll\)$/m);
  expect(one).toContain('[image: https://cdn.example/a.png]');
  expect(one).not.toMatch(/<(?!https:)[a-z]|&[a-z]+;|\| *---/);

  const both = summaryAsText(
    (await runInProcess(localInputs(kie, { 'task-id': 't1 t2' }))).summary,
  );
  expect(both).toMatch(/^Task +Model +State +Generation +Waited +Results$/m);
  expect(both).toMatch(/^t2 +test\/model +❌\s+failed /m);
  expect(both).toMatch(/^ \* Task t2 failed \(500\): Flagged <script>$/m);
  expect(both).toMatch(/^> CAUTION: /m);
});

it('writes an MP3 of whole frames, each with a valid MPEG-1 Layer III header', () => {
  const mp3 = demoMp3(2);
  expect(mp3.length % 417).toBe(0);
  expect(mp3.length / 417).toBe(Math.round((2 * 44_100) / 1_152));
  for (let at = 0; at < mp3.length; at += 417) {
    // Frame sync (11 bits), MPEG-1, Layer III, 128 kbit/s, 44.1 kHz.
    expect([...mp3.subarray(at, at + 3)]).toEqual([0xff, 0xfb, 0x90]);
  }
});

it('shows the log as a runner does: no ::add-mask:: or ::debug:: lines, no raw %0A', async () => {
  kie.script('t', [{ state: 'fail', record: { failMsg: 'first line\nsecond line' } }]);
  const run = await runInProcess(localInputs(kie, { 'task-id': 't' }));
  expect(run.log).toContain('::add-mask::');
  expect(run.log).toContain('%0A');
  const shown = readableLog(run.log);
  expect(shown).not.toMatch(/::add-mask::|::debug::|%0A/);
  expect(shown).toMatch(/^error: Task t failed \(500\): first line\n {4}second line$/m);
});
