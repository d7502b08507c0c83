// The job summary as the action writes it, against the local Kie server and media host, read back
// as a Markdown parser (marked, GFM) reads it: its headings, tables, links and images.
import { marked, type Token, type Tokens } from 'marked';
import { describe, expect, it } from 'vitest';
import { demoPng } from '../scripts/demo-support.js';
import { localInputs, runInProcess } from './support/action.js';
import { FAMILIES, sunoSuccess } from './support/kie-families.js';
import { type KieServer } from './support/kie-server.js';
import type { MediaServer } from './support/media-server.js';
import { useLocalServers } from './support/servers.js';

let kie: KieServer;
let media: MediaServer;
useLocalServers((started) => ({ kie, media } = started));

const inputs = (extra: Record<string, string>) =>
  localInputs(kie, { 'max-requests-per-second': '100', ...extra });
const succeeds = (urls: string[], extra: object = {}) => ({
  resultJson: JSON.stringify({ resultUrls: urls }),
  ...extra,
});
const png = (name: string) =>
  media.route(`/${name}.png`, {
    body: demoPng(8, 8, [0, 0, 0], [9, 9, 9], [255, 0, 0]),
    contentType: 'image/png',
  });
const HOSTILE =
  '# All tasks succeeded ![t](https://tracker.example/p.gif) [x](javascript:alert(1)) <img src=x> **b**';

/** Every token in the summary, depth first, table cells included. */
function tokens(summary: string): Token[] {
  const all: Token[] = [];
  const visit = (list: Token[]) => {
    for (const token of list) {
      all.push(token);
      if (token.type === 'table') {
        const table = token as Tokens.Table;
        for (const cell of [...table.header, ...table.rows.flat()]) visit(cell.tokens);
      }
      if ('tokens' in token && token.tokens) visit(token.tokens);
      if (token.type === 'list') visit((token as Tokens.List).items);
    }
  };
  visit(marked.lexer(summary));
  return all;
}
const ofType = <T extends Token>(summary: string, type: string) =>
  tokens(summary).filter((token) => token.type === type) as T[];
const headings = (summary: string) =>
  ofType<Tokens.Heading>(summary, 'heading').map(
    (heading) => `${heading.depth} ${plain(heading.tokens)}`,
  );
const tables = (summary: string) => ofType<Tokens.Table>(summary, 'table');
const cellText = (cell: Tokens.TableCell) => plain(cell.tokens);
/** The text a reader sees of inline tokens. */
function plain(list: Token[]): string {
  return list
    .map((token) =>
      'tokens' in token && token.tokens && token.type !== 'codespan'
        ? plain(token.tokens)
        : token.type === 'html'
          ? ''
          : (token as Tokens.Text).text,
    )
    .join('');
}
/** Sources of <img> tags the summary writes (in HTML tokens). */
const images = (summary: string) =>
  [...summary.matchAll(/<img src="([^"]+)"/g)].map((match) => match[1]!);
const links = (summary: string) => ofType<Tokens.Link>(summary, 'link').map((link) => link.href);

describe('one task', () => {
  it('has a heading that tells the state, and one table with a real header row', async () => {
    kie.script('t', [{ state: 'success' }], { model: 'nano-banana-pro' });
    const run = await runInProcess(inputs({ 'task-id': 't' }));
    expect(headings(run.summary)[0]).toBe('2 ✅ Kie.ai task t: succeeded');
    const [facts, ...others] = tables(run.summary);
    expect(others).toEqual([]);
    expect(facts!.header.map(cellText)).toEqual(['Model', 'Generation', 'Waited']);
    expect(facts!.rows).toHaveLength(1);
    expect(cellText(facts!.rows[0]![2]!)).toMatch(/^\d+ms \(1 poll\)$/);
    expect(run.summary).not.toMatch(/Final state|\| \| \|/);
  });

  it("explains the API's own state: Veo's successFlag 1 is a success", async () => {
    const veo = FAMILIES.find((family) => family.api === 'veo')!;
    kie.script('v', [{ data: veo.success(['https://cdn.example/v.mp4']) }], {}, 'veo');
    const run = await runInProcess(inputs({ 'task-id': 'v', api: 'veo' }));
    const [facts] = tables(run.summary);
    const column = facts!.header.map(cellText).indexOf("Kie.ai's state");
    expect(facts!.rows[0]![column]!.tokens[0]).toMatchObject({
      type: 'codespan',
      text: 'successFlag 1',
    });
    expect(cellText(facts!.rows[0]![column]!)).toBe('successFlag 1 (success)');
  });

  it('shows what was asked: the prompt from the record, cut short and as text', async () => {
    const prompt = `${HOSTILE} ${'long '.repeat(200)}`;
    kie.script('t', [{ state: 'success' }], {
      param: JSON.stringify({ model: 'm', input: JSON.stringify({ prompt }) }),
    });
    const run = await runInProcess(inputs({ 'task-id': 't' }));
    const paragraph = ofType<Tokens.Paragraph>(run.summary, 'paragraph').find((p) =>
      p.raw.startsWith('**Prompt:**'),
    )!;
    const text = plain(paragraph.tokens);
    expect(text.startsWith(`Prompt: ${HOSTILE}`)).toBe(true);
    expect(text.length).toBeLessThan(320);
    expect(text.endsWith('…')).toBe(true);
    expect(links(run.summary)).toEqual([]);
    expect(images(run.summary)).toEqual([]);
  });

  it('shows no generation time when completeTime is before createTime', async () => {
    kie.script('t', [
      { state: 'success', record: { createTime: 2_000_000, completeTime: 1_000_000 } },
    ]);
    const run = await runInProcess(inputs({ 'task-id': 't' }));
    expect(tables(run.summary)[0]!.header.map(cellText)).not.toContain('Generation');
    expect(run.summary).not.toContain('-16m');
  });

  it('lists results by kind, with sizes, from the Content-Type they were served with', async () => {
    const image = png('render');
    const video = media.route('/clip', { size: 2048, contentType: 'video/mp4' });
    const audio = media.route('/song.mp3', { size: 1024, contentType: 'audio/mpeg' });
    kie.script('t', [{ state: 'success' }], succeeds([image, video, audio]));
    const run = await runInProcess(inputs({ 'task-id': 't', download: 'true' }));
    expect(images(run.summary)).toEqual([image]);
    const items = ofType<Tokens.ListItem>(run.summary, 'list_item').map((item) =>
      plain(item.tokens),
    );
    expect(items).toEqual([
      expect.stringMatching(/^Image 1: render\.png · \d+ B$/),
      'Video 2: clip.mp4 · 2.0 KB',
      'Audio 3: song.mp3 · 1.0 KB',
    ]);
    expect(links(run.summary)).toEqual([image, video, audio]);
  });

  it('shows four images at most', async () => {
    const urls = ['1', '2', '3', '4', '5'].map((n) => `https://cdn.example/${n}.webp`);
    kie.script('one', [{ state: 'success' }], succeeds(urls));
    const run = await runInProcess(inputs({ 'task-id': 'one' }));
    expect(images(run.summary)).toEqual(urls.slice(0, 4));
  });

  it('does not head a task whose downloads failed "succeeded", nor embed the failed image', async () => {
    const gone = media.route('/gone.png', { status: 404 });
    kie.script('t', [{ state: 'success' }], succeeds([gone]));
    const run = await runInProcess(inputs({ 'task-id': 't', download: 'true' }));
    expect(run.failed).toBe(true);
    expect(headings(run.summary)[0]).toBe(
      '2 ❌ Kie.ai task t: succeeded, but its results could not be downloaded',
    );
    expect(images(run.summary)).toEqual([]);
    expect(run.summary).toContain('· not downloaded');
  });

  it("lists Suno's tracks with their titles and durations", async () => {
    const urls = ['a.mp3', 'b.mp3', 'a.jpeg', 'b.jpeg'].map(
      (name) => `https://musicfile.example/${name}`,
    );
    kie.script('s', [{ data: sunoSuccess('SUCCESS', urls) }], {}, 'suno');
    const run = await runInProcess(inputs({ 'task-id': 's', api: 'suno' }));
    expect(headings(run.summary)).toContain('3 Tracks');
    const tracks = ofType<Tokens.ListItem>(run.summary, 'list_item').map((item) =>
      plain(item.tokens),
    );
    expect(tracks).toEqual(['Neon · 3m 18s · audio · cover', 'Neon · 3m 18s · audio · cover']);
    expect(headings(run.summary)).not.toContain('3 Results');
  });

  it('renders a hostile failMsg as text: no heading, link, image or HTML of its own', async () => {
    kie.script('t', [
      { state: 'fail', record: { failMsg: `${HOSTILE}\n# Second\n<script>x</script>` } },
    ]);
    const run = await runInProcess(inputs({ 'task-id': 't' }));
    expect(headings(run.summary)).toEqual(['2 ❌ Kie.ai task t: failed']);
    expect(links(run.summary)).toEqual([]);
    expect(images(run.summary)).toEqual([]);
    expect(ofType(run.summary, 'html')).toEqual([]);
    expect(ofType(run.summary, 'strong').map((token) => token.raw)).toEqual([]);
    const quote = ofType<Tokens.Blockquote>(run.summary, 'blockquote')[0]!;
    expect(plain(quote.tokens)).toContain(HOSTILE.slice(2));
  });

  it('makes no link or image of a javascript: or data: result URL', async () => {
    kie.script(
      't',
      [{ state: 'success' }],
      succeeds(['javascript:alert(1)//a.png', 'data:image/png;base64,AA']),
    );
    const run = await runInProcess(inputs({ 'task-id': 't' }));
    expect(links(run.summary)).toEqual([]);
    expect(images(run.summary)).toEqual([]);
    expect(ofType(run.summary, 'html')).toEqual([]);
  });

  it('shows what is known of a task the API refused: its id and the reason', async () => {
    kie.script('ghost', [{ body: { code: 404, msg: 'task not found' } }]);
    const run = await runInProcess(inputs({ 'task-id': 'ghost' }));
    expect(headings(run.summary)).toEqual(['2 ❌ Kie.ai task ghost: refused by Kie.ai']);
    const caution = ofType<Tokens.Blockquote>(run.summary, 'blockquote')[0]!;
    expect(plain(caution.tokens)).toMatch(
      /^\[!CAUTION\]\nKie\.ai has no task ghost \(404: "task not found"\)/,
    );
  });
});

describe('many tasks', () => {
  it('gives each task its own row with its own results, and hides empty columns', async () => {
    const [a1, a2, b1] = [png('a1'), png('a2'), png('b1')];
    const audio = media.route('/c.mp3', { size: 1000, contentType: 'audio/mpeg' });
    kie.script('a', [{ state: 'success' }], succeeds([a1, a2]));
    kie.script('b', [{ state: 'success' }], succeeds([b1]));
    kie.script('c', [{ state: 'success' }], succeeds([audio]));
    const run = await runInProcess(inputs({ 'task-id': 'a b c', download: 'true' }));
    const [table, ...others] = tables(run.summary);
    expect(others).toEqual([]);
    expect(table!.header.map(cellText)).toEqual([
      'Task',
      'State',
      'Generation',
      'Waited',
      'Results',
    ]);
    const results = table!.rows.map((row) => row[4]!.text);
    expect([...results[0]!.matchAll(/<img src="([^"]+)"/g)].map((m) => m[1])).toEqual([a1, a2]);
    expect([...results[1]!.matchAll(/<img src="([^"]+)"/g)].map((m) => m[1])).toEqual([b1]);
    expect(plain(table!.rows[2]![4]!.tokens)).toBe('audio 1 (1000 B)');
  });

  it('gives each reason once, and a caution box that agrees with the verdict', async () => {
    kie.script('a', [{ state: 'success' }]);
    kie.script('b', [{ state: 'fail', record: { failMsg: 'flagged | by\nthe filter' } }]);
    kie.script('ghost', [{ body: { code: 404, msg: 'task not found' } }]);
    const run = await runInProcess(
      inputs({ 'task-id': 'a b ghost', 'fail-on-task-failure': 'false' }),
    );
    expect(run.failed).toBe(true);
    expect(headings(run.summary)[0]).toBe('2 ❌ 3 Kie.ai tasks: 1 succeeded');
    const text = plain(
      tokens(run.summary)
        .filter((token) => token.type === 'paragraph' || token.type === 'list_item')
        .flatMap((token) => (token as Tokens.Paragraph).tokens),
    );
    expect(text.split('flagged | by the filter')).toHaveLength(2);
    expect(text.split('Kie.ai has no task ghost')).toHaveLength(2);
    const caution = ofType<Tokens.Blockquote>(run.summary, 'blockquote').at(-1)!;
    expect(plain(caution.tokens)).toBe(
      "[!CAUTION]\n2 of 3 tasks did not succeed; 1 of them fails the step (a failed task alone does not, as 'fail-on-task-failure' says).",
    );
  });

  it('says "Generation" for the time Kie.ai took, the wait apart', async () => {
    const times = (completeTime: number) => ({ createTime: 1_000_000, completeTime });
    kie.script('a', [{ state: 'success', record: times(1_090_000) }]);
    kie.script('b', [{ state: 'success', record: times(999_000) }]);
    const run = await runInProcess(inputs({ 'task-id': 'a b' }));
    const [table] = tables(run.summary);
    const header = table!.header.map(cellText);
    const generation = table!.rows.map((row) => cellText(row[header.indexOf('Generation')]!));
    expect(generation).toEqual(['1m 30s', '']);
    expect(header).toContain('Waited');
    expect(header).not.toContain('Took');
  });
});

describe('before the wait', () => {
  it('names the tasks not waited for when the step stops before the wait', async () => {
    // A download-dir that is a file is refused before any request.
    const unusable = { download: 'true', 'download-dir': import.meta.filename };
    const one = await runInProcess(inputs({ 'task-id': 'abc123', ...unusable }));
    expect(headings(one.summary)[0]).toBe('2 ❌ Kie.ai task abc123 was not waited for');
    const two = await runInProcess(inputs({ 'task-id': 'a b', ...unusable }));
    expect(headings(two.summary)[0]).toBe('2 ❌ 2 Kie.ai tasks were not waited for');
    expect(two.outputs).toMatchObject({ taskId: 'a,b', state: '', tasks: '[]' });
    expect(kie.taskRequests()).toEqual([]);
  });

  it('shows what the first poll saw when min-credits stops a wait', async () => {
    kie.balance = 3;
    kie.script('abc123', [{ state: 'generating' }, { state: 'generating' }]);
    const run = await runInProcess(inputs({ 'task-id': 'abc123', 'min-credits': '10' }));
    expect(headings(run.summary)).toEqual([
      '2 ❌ Kie.ai task abc123: stopped: the balance is too low (last state: generating)',
    ]);
    expect(tables(run.summary)[0]!.rows).toHaveLength(1);
    const caution = ofType<Tokens.Blockquote>(run.summary, 'blockquote')[0]!;
    expect(plain(caution.tokens)).toBe(
      "[!CAUTION]\nThe Kie.ai balance is 3 credits, below 'min-credits' (10).",
    );
  });

  it('says no task was created when creating it failed', async () => {
    kie.scriptCreate([{ body: { code: 402, msg: 'Insufficient credits' } }]);
    const run = await runInProcess(inputs({ model: 'test/model' }));
    expect(headings(run.summary)[0]).toBe('2 ❌ No Kie.ai task was created');
    expect(run.summary).toMatch(/^## .*\n\n> \[!CAUTION\]\n> Could not create/);
  });
});
