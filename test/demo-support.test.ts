// The pieces `npm run demo` shows a newcomer: the images its media host serves, and the job
// summary rendered as terminal text.
import { crc32, inflateSync } from 'node:zlib';
import { expect, it } from 'vitest';
import { demoPng, summaryAsText } from '../scripts/demo-support.js';
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
  expect(one).toContain('Kie.ai task t1: success');
  expect(one).toMatch(/^Model +nano-banana-pro$/m);
  expect(one).toContain('[image: https://cdn.example/a.png]');
  expect(one).not.toMatch(/<[a-z]|&[a-z]+;|\| *---/);

  const both = summaryAsText(
    (await runInProcess(localInputs(kie, { 'task-id': 't1 t2' }))).summary,
  );
  expect(both).toMatch(/^Task +Model +State +Took +Results +Reason$/m);
  expect(both).toMatch(/^t2 +test\/model +fail .*Flagged <script>$/m);
  expect(both).toMatch(/^> CAUTION: /m);
});
