// The job summary as the action writes it, against the local Kie server and media host.
import { describe, expect, it } from 'vitest';
import { localInputs, runInProcess } from './support/action.js';
import { type KieServer } from './support/kie-server.js';
import type { MediaServer } from './support/media-server.js';
import { useLocalServers } from './support/servers.js';

let kie: KieServer;
let media: MediaServer;
useLocalServers((started) => ({ kie, media } = started));

const inputs = (extra: Record<string, string>) =>
  localInputs(kie, { 'max-requests-per-second': '100', ...extra });
const succeeds = (urls: string[]) => ({ resultJson: JSON.stringify({ resultUrls: urls }) });

/** The rows of the summary's table, each as its cells (split where GitHub would split them). */
function tableRows(summary: string): string[][] {
  return summary
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) => line.split('|').slice(1, -1));
}

const images = (summary: string) => summary.match(/<img /g)?.length ?? 0;

describe('the job summary', () => {
  it('keeps a reason with line breaks and pipes inside its table row', async () => {
    const failMsg = 'line one\nline two | with a pipe\r\n\nand more';
    kie.script('a', [{ state: 'success' }]);
    kie.script('b', [{ state: 'fail', record: { failMsg, model: 'x|y\nz' } }]);
    const run = await runInProcess(inputs({ 'task-id': 'a b', 'fail-on-task-failure': 'false' }));
    const rows = tableRows(run.summary);
    expect(rows).toHaveLength(4); // header, delimiter, a, b
    for (const row of rows) expect(row).toHaveLength(6);
    expect(rows[3]![5]).toBe(' line one<br>line two &#124; with a pipe<br><br>and more ');
  });

  it('keeps every line of a failure message inside its quote', async () => {
    kie.script('t', [{ state: 'fail', record: { failMsg: 'first\nsecond\n\nthird' } }]);
    const run = await runInProcess(inputs({ 'task-id': 't', 'fail-on-task-failure': 'false' }));
    const warning = run.summary.split('\n> [!WARNING]\n')[1]!.split('\n\n')[0]!;
    expect(warning.split('\n')).toEqual(['> first', '> second', '> ', '> third']);
  });

  it('shows a download served as image/png as an image, whatever its URL', async () => {
    const url = media.route('/render', { body: 'png', contentType: 'image/png' });
    kie.script('t', [{ state: 'success' }], succeeds([url]));
    const run = await runInProcess(inputs({ 'task-id': 't', download: 'true' }));
    expect(run.summary).toContain(`<img src="${url}" height="240">`);
    expect(run.summary).toContain(`- image: <a href="${url}">`);
  });

  it('shows four images at most, of all tasks together', async () => {
    for (const id of ['a', 'b', 'c']) {
      kie.script(
        id,
        [{ state: 'success' }],
        succeeds([`https://cdn/${id}1.png`, `https://cdn/${id}2.jpg`]),
      );
    }
    const many = await runInProcess(inputs({ 'task-id': 'a b c' }));
    expect(images(many.summary)).toBe(4);
    kie.script(
      'one',
      [{ state: 'success' }],
      succeeds(['1', '2', '3', '4', '5'].map((n) => `https://cdn/${n}.webp`)),
    );
    const one = await runInProcess(inputs({ 'task-id': 'one' }));
    expect(images(one.summary)).toBe(4);
  });

  it('counts the same tasks as not succeeded in its heading and in the failure', async () => {
    kie.script('a', [{ state: 'success' }]);
    kie.script('b', [{ state: 'fail', record: { failMsg: 'flagged' } }]);
    kie.script('c', [{ state: 'generating' }]);
    const run = await runInProcess(
      inputs({ 'task-id': 'a b c', 'fail-on-task-failure': 'false', timeout: '100ms' }),
    );
    expect(run.failed).toBe(true);
    expect(run.summary).toContain('3 Kie.ai tasks: 1 succeeded');
    expect(run.summary).toContain(
      "> 2 of 3 tasks did not succeed (failed tasks do not fail the step, as 'fail-on-task-failure' says):",
    );
    expect(run.summary).toMatch(/> - Task b failed \(500\): flagged\n> - Timed out after/);
  });

  it('says "1 poll"', async () => {
    kie.script('t', [{ state: 'success' }]);
    const run = await runInProcess(inputs({ 'task-id': 't' }));
    expect(run.summary).toMatch(/\| Waited \| \d+ms \(1 poll\) \|/);
  });

  it('shows what is known of a task the API refused: its id and the reason', async () => {
    kie.script('ghost', [{ body: { code: 404, msg: 'task not found' } }]);
    const run = await runInProcess(inputs({ 'task-id': 'ghost' }));
    expect(run.summary).toContain('## ❌ Kie.ai task <code>ghost</code>: refused by Kie.ai');
    expect(run.summary).toContain('> Kie.ai has no task ghost (404: &quot;task not found&quot;)');
    expect(run.summary).not.toMatch(/unknown/i);
  });

  it('names the tasks not waited for when the step stops before the wait', async () => {
    // A download-dir that is a file is refused before any request.
    const unusable = { download: 'true', 'download-dir': import.meta.filename };
    const one = await runInProcess(inputs({ 'task-id': 'abc123', ...unusable }));
    expect(one.summary).toMatch(/^## ❌ Kie\.ai task <code>abc123<\/code> was not waited for\n/);
    const two = await runInProcess(inputs({ 'task-id': 'a b', ...unusable }));
    expect(two.summary).toMatch(/^## ❌ 2 Kie\.ai tasks were not waited for\n/);
    expect(two.outputs).toMatchObject({ taskId: 'a,b', state: '', tasks: '[]' });
    expect(kie.taskRequests()).toEqual([]);
  });

  it('shows what the first poll saw when min-credits stops a wait', async () => {
    kie.balance = 3;
    kie.script('abc123', [{ state: 'generating' }, { state: 'generating' }]);
    const run = await runInProcess(inputs({ 'task-id': 'abc123', 'min-credits': '10' }));
    expect(run.summary).toMatch(
      /^## ❌ Kie\.ai task <code>abc123<\/code>: generating \(cancelled\)\n/,
    );
    expect(run.summary).toContain("> The Kie.ai balance is 3 credits, below 'min-credits' (10).");
  });

  it('says no task was created when creating it failed', async () => {
    kie.scriptCreate([{ body: { code: 402, msg: 'Insufficient credits' } }]);
    const run = await runInProcess(inputs({ model: 'test/model' }));
    expect(run.summary).toMatch(
      /^## ❌ No Kie.ai task was created\n\n> \[!CAUTION\]\n> Could not create/,
    );
  });
});
