// The action's log as a person reads it on the runner: one line per state change, the API's own
// state by its field's name, and each task's result lines together in a group of its own.
import { expect, it } from 'vitest';
import { localInputs, runInProcess } from './support/action.js';
import { FAMILIES } from './support/kie-families.js';
import { type KieServer } from './support/kie-server.js';
import type { MediaServer } from './support/media-server.js';
import { useLocalServers } from './support/servers.js';

let kie: KieServer;
let media: MediaServer;
useLocalServers((started) => ({ kie, media } = started));

const inputs = (extra: Record<string, string>) => localInputs(kie, extra);
const lines = (log: string) =>
  log.split('\n').filter((line) => line && !line.startsWith('::debug::'));

it('says once that a task succeeded', async () => {
  kie.script('t', [{ state: 'generating' }, { state: 'success' }]);
  const run = await runInProcess(inputs({ 'task-id': 't' }));
  expect(lines(run.log).filter((line) => /^Task t\b.*succe/.test(line))).toEqual([
    expect.stringMatching(/^Task t: success after \d+ms\.$/),
  ]);
});

it("names the API's own state by its field: successFlag 1, not [1]", async () => {
  const veo = FAMILIES.find((family) => family.api === 'veo')!;
  kie.script('v', [{ data: veo.success(['https://cdn.example/v.mp4']) }], {}, 'veo');
  const run = await runInProcess(inputs({ 'task-id': 'v', api: 'veo' }));
  expect(run.log).toMatch(/^Task v: success \(successFlag 1\) after \d+ms\.$/m);
  expect(run.log).not.toContain('[1]');
});

it("puts each task's download lines, naming it, in a group of its own", async () => {
  for (const id of ['a', 'b', 'c']) {
    const urls = [1, 2, 3].map((n) =>
      media.route(`/${id}${n}.png`, { size: 100, contentType: 'image/png', delayMs: 5 * n }),
    );
    kie.script(id, [{ state: 'success' }], { resultJson: JSON.stringify({ resultUrls: urls }) });
  }
  const run = await runInProcess(inputs({ 'task-id': 'a b c', download: 'true' }));
  expect(run.failed).toBe(false);
  const log = lines(run.log);
  for (const id of ['a', 'b', 'c']) {
    const start = log.indexOf(`::group::Task ${id}: results`);
    expect(start).toBeGreaterThan(-1);
    const end = log.indexOf('::endgroup::', start);
    expect(log.slice(start + 1, end)).toEqual(
      [1, 2, 3].map(() =>
        expect.stringMatching(new RegExp(`^Task ${id}: Downloaded ${id}\\d\\.png `)),
      ),
    );
  }
  // No download line outside a group.
  const outside = log.filter(
    (line, i) =>
      /Downloaded/.test(line) &&
      !/::group::/.test(
        log
          .slice(0, i)
          .filter((l) => /^::(end)?group/.test(l))
          .at(-1) ?? '',
      ),
  );
  expect(outside).toEqual([]);
});
