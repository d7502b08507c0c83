// GitHub's limits on outputs (1 MB a job, counted as UTF-16) and summaries (1 MiB a step).
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  boundOutputs,
  boundSummary,
  MAX_OUTPUT_BYTES,
  MAX_SUMMARY_BYTES,
  outputText,
} from '../src/action/limits.js';
import { localInputs, runInProcess } from './support/action.js';
import type { KieServer } from './support/kie-server.js';
import { useLocalServers } from './support/servers.js';

let kie: KieServer;
useLocalServers((started) => ({ kie } = started));

/** What boundOutputs keeps free for `truncated` to name every large output. */
const TRUNCATED_ROOM = 2 * 'resultUrls,files,transcript,resultJson,tasks'.length;
const utf16Total = (outputs: Record<string, string>) =>
  Object.entries(outputs).reduce((sum, [name, value]) => sum + 2 * (name.length + value.length), 0);

/** An hour of speech: ~2 MB of resultJson, as Kie.ai's speech-to-text returns it. */
function hourOfSpeech() {
  const words = [];
  for (let i = 0; i < 14_000; i++) {
    const start = i * 0.25;
    words.push({
      text: `word${i}`,
      start,
      end: start + 0.2,
      type: 'word',
      speaker_id: 'speaker_0',
    });
    words.push({ text: ' ', start: start + 0.2, end: start + 0.25, type: 'spacing' });
  }
  const text = words.map((word) => word.text).join('');
  return { resultObject: { language_code: 'eng', language_probability: 0.99, text, words } };
}

describe('boundOutputs', () => {
  const fields = (extra: Record<string, unknown>) =>
    ({
      taskId: 't',
      state: 'success',
      resultUrls: [],
      files: [],
      transcript: '',
      resultJson: '',
      tasks: [],
      truncated: '',
      ...extra,
    }) as Parameters<typeof boundOutputs>[0];
  const fileFor = (name: string) => `/results/outputs/${name}`;

  it('keeps outputs that fit whole and cuts nothing', () => {
    const { outputs, cut } = boundOutputs(fields({ resultUrls: ['https://a/1.png'] }), fileFor);
    expect(cut).toEqual([]);
    expect(outputs.resultUrls).toBe('["https://a/1.png"]');
    expect(outputs.truncated).toBe('');
  });

  it('cuts the large outputs to fit, each saying so, and hands back their whole text', () => {
    const urls = Array.from({ length: 20_000 }, (_, i) => `https://cdn.example/${i}.png`);
    const transcript = 'é'.repeat(400_000);
    const resultJson = JSON.stringify({ resultUrls: urls });
    const { outputs, cut } = boundOutputs(
      fields({ resultUrls: urls, transcript, resultJson, tasks: [{ taskId: 't', transcript }] }),
      fileFor,
      100_000,
    );
    expect(utf16Total(outputs)).toBeLessThanOrEqual(100_000);
    expect(cut.map(({ name }) => name).sort()).toEqual([
      'resultJson',
      'resultUrls',
      'tasks',
      'transcript',
    ]);
    expect(outputs.truncated!.split(',').sort()).toEqual(cut.map(({ name }) => name).sort());
    // Arrays keep whole elements in order; JSON is replaced by a marker naming the file.
    const kept = JSON.parse(outputs.resultUrls!) as string[];
    expect(kept.length).toBeGreaterThan(100);
    expect(kept).toEqual(urls.slice(0, kept.length));
    expect(JSON.parse(outputs.resultJson!)).toEqual({
      truncated: true,
      bytes: resultJson.length,
      file: '/results/outputs/resultJson',
    });
    expect(outputs.transcript).toMatch(
      /^é+\n\[cut: the whole text is in \/results\/outputs\/transcript\]$/,
    );
    const [task] = JSON.parse(outputs.tasks!) as { transcript: string }[];
    expect(task!.transcript.length).toBeLessThanOrEqual(1_000);
    expect(cut.find(({ name }) => name === 'transcript')!.whole).toBe(transcript);
  });

  it('cuts a transcript that starts like JSON as text, keeping its start', () => {
    const transcript = `[music] ${'hello world. '.repeat(50_000)}`;
    const { outputs } = boundOutputs(
      fields({ transcript, tasks: [{ taskId: 't', transcript }] }),
      fileFor,
      100_000,
    );
    expect(outputs.transcript).toMatch(
      /^\[music\] hello world\. .*\n\[cut: the whole text is in \/results\/outputs\/transcript\]$/s,
    );
    const [task] = JSON.parse(outputs.tasks!) as { transcript: string }[];
    expect(task!.transcript).toMatch(/^\[music\] hello world\. .*\n\[cut: /s);
  });

  it('counts the small outputs against the budget too', () => {
    // 80 KB of task id leaves about 20 KB: a 30 KB transcript no longer fits.
    const transcript = 'a'.repeat(15_000);
    const { outputs, cut } = boundOutputs(
      fields({ taskId: 'x'.repeat(40_000), transcript }),
      fileFor,
      100_000,
    );
    expect(cut.map(({ name }) => name)).toEqual(['transcript']);
    expect(outputs.taskId).toBe('x'.repeat(40_000));
    expect(utf16Total(outputs)).toBeLessThanOrEqual(100_000);
    // Without the task id, the same transcript fits.
    expect(boundOutputs(fields({ transcript }), fileFor, 100_000).cut).toEqual([]);
  });

  it('keeps an output that fills its share exactly, and cuts it one byte over', () => {
    const transcript = 'a'.repeat(1_000);
    const whole = boundOutputs(fields({ transcript }), fileFor, Infinity).outputs;
    const exact = utf16Total(whole) + TRUNCATED_ROOM;
    expect(boundOutputs(fields({ transcript }), fileFor, exact).cut).toEqual([]);
    const over = boundOutputs(fields({ transcript }), fileFor, exact - 1);
    expect(over.cut.map(({ name }) => name)).toEqual(['transcript']);
    expect(over.outputs.truncated).toBe('transcript');
  });

  it('keeps as many whole array elements as fit, and no more', () => {
    // Each URL is 12 characters as JSON, 13 with its comma: k of them take 1 + 13k as an array.
    const urls = Array.from({ length: 50 }, (_, i) => `u${String(i).padStart(9, '0')}`);
    const base = utf16Total(boundOutputs(fields({}), fileFor, Infinity).outputs);
    // The outputs with resultUrls empty ('[]'), plus room for exactly k URLs.
    const roomFor = (k: number) => base + TRUNCATED_ROOM + 2 * 13 * k;
    for (const k of [0, 1, 5, 10, 20]) {
      const { outputs } = boundOutputs(fields({ resultUrls: urls }), fileFor, roomFor(k));
      expect(JSON.parse(outputs.resultUrls!)).toEqual(urls.slice(0, k));
    }
  });

  it('cuts a long text to its share, ending with the note, and keeps no text when even the note does not fit', () => {
    const transcript = 'b'.repeat(10_000);
    const base = utf16Total(boundOutputs(fields({}), fileFor, Infinity).outputs);
    const note = '\n[cut: the whole text is in /results/outputs/transcript]';
    // Room for 100 characters of transcript.
    const room = (chars: number) => base + TRUNCATED_ROOM + 2 * chars;
    const { outputs } = boundOutputs(fields({ transcript }), fileFor, room(100));
    expect(outputs.transcript).toBe('b'.repeat(100 - note.length) + note);
    const none = boundOutputs(fields({ transcript }), fileFor, room(note.length));
    expect(none.outputs.transcript).toBe('');
    const unkept = boundOutputs(fields({ transcript }), () => undefined, room(100));
    expect(unkept.outputs.transcript).toMatch(/^b+\n\[cut: the whole text could not be kept\]$/);
    expect(unkept.cut).toEqual([{ name: 'transcript', whole: transcript, file: undefined }]);
  });

  it('lists outputs of the same length in their own order', () => {
    const transcript = 't'.repeat(5_000);
    const resultJson = JSON.stringify('r'.repeat(4_998));
    const { outputs } = boundOutputs(fields({ resultJson, transcript }), fileFor, 2_000);
    expect(outputs.truncated).toBe('transcript,resultJson');
  });

  it('keeps the marker of cut JSON when it fits exactly', () => {
    const resultJson = JSON.stringify({ resultUrls: ['x'.repeat(5_000)] });
    const base = utf16Total(boundOutputs(fields({}), fileFor, Infinity).outputs);
    const marker = JSON.stringify({
      truncated: true,
      bytes: resultJson.length,
      file: '/results/outputs/resultJson',
    });
    const room = (chars: number) => base + TRUNCATED_ROOM + 2 * chars;
    expect(
      boundOutputs(fields({ resultJson }), fileFor, room(marker.length)).outputs.resultJson,
    ).toBe(marker);
    expect(
      boundOutputs(fields({ resultJson }), fileFor, room(marker.length - 1)).outputs.resultJson,
    ).toBe('');
  });

  it('never splits a surrogate pair where it cuts', () => {
    const transcript = '😀'.repeat(5_000);
    const base = utf16Total(boundOutputs(fields({}), fileFor, Infinity).outputs);
    const note = '\n[cut: the whole text is in /results/outputs/transcript]';
    // An odd number of characters before the note: the last pair would be split.
    const { outputs } = boundOutputs(
      fields({ transcript }),
      fileFor,
      base + TRUNCATED_ROOM + 2 * (note.length + 101),
    );
    expect(outputs.transcript).toBe('😀'.repeat(50) + note);
    // Only the character at the cut matters, not the one after it.
    const mixed = `${'a'.repeat(100)}😀${'b'.repeat(5_000)}`;
    const cut = boundOutputs(
      fields({ transcript: mixed }),
      fileFor,
      base + TRUNCATED_ROOM + 2 * (note.length + 101),
    );
    expect(cut.outputs.transcript).toBe('a'.repeat(100) + note);
  });

  it('cuts long texts inside task objects to 1,000 characters, leaving short ones and other fields', () => {
    const long = 'c'.repeat(1_001);
    const urls = Array.from({ length: 1_001 }, () => 'u');
    const tasks = [
      { taskId: 'a', transcript: long, costTime: 3 },
      { taskId: 'b', transcript: 'c'.repeat(1_000) },
      null,
      ['x'],
      { urls },
      ...Array.from({ length: 40 }, () => ({ transcript: long })),
    ];
    const { outputs, cut } = boundOutputs(fields({ tasks }), fileFor, 30_000);
    expect(cut.map(({ name }) => name)).toEqual(['tasks']);
    const [a, b, empty, list] = JSON.parse(outputs.tasks!) as [
      { transcript: string; costTime: number },
      { transcript: string },
      null,
      string[],
    ];
    expect(a.transcript).toHaveLength(1_000);
    expect(a.transcript).toMatch(/^c+\n\[cut: the whole text is in \/results\/outputs\/tasks\]$/);
    expect(a.costTime).toBe(3);
    expect(b.transcript).toBe('c'.repeat(1_000));
    expect(empty).toBeNull();
    expect(list).toEqual(['x']);
    // Only texts are cut: a long list inside an element stays whole.
    expect((JSON.parse(outputs.tasks!) as unknown[])[4]).toEqual({ urls });
  });

  it('replaces cut JSON by a marker, or by nothing when even that does not fit', () => {
    const resultJson = JSON.stringify({ resultUrls: ['x'.repeat(5_000)] });
    const base = utf16Total(boundOutputs(fields({}), fileFor, Infinity).outputs);
    const { outputs } = boundOutputs(
      fields({ resultJson }),
      fileFor,
      base + TRUNCATED_ROOM + 2_000,
    );
    expect(JSON.parse(outputs.resultJson!)).toEqual({
      truncated: true,
      bytes: resultJson.length,
      file: '/results/outputs/resultJson',
    });
    expect(
      boundOutputs(fields({ resultJson }), fileFor, base + TRUNCATED_ROOM).outputs.resultJson,
    ).toBe('');
  });

  it('writes strings as they are and anything else as JSON', () => {
    expect(outputText('a "b"')).toBe('a "b"');
    expect(outputText(['a'])).toBe('["a"]');
    expect(outputText(3)).toBe('3');
  });

  it('gives what a short output leaves over to the others', () => {
    const transcript = 'a'.repeat(60_000);
    const { cut } = boundOutputs(fields({ transcript }), fileFor, 150_000);
    expect(cut).toEqual([]);
  });
});

describe('boundSummary', () => {
  it('cuts at a line before the limit, with a note', () => {
    const markdown = Array.from(
      { length: 1_000 },
      (_, i) => `| row ${i} | ${'x'.repeat(100)} |`,
    ).join('\n');
    const bounded = boundSummary(markdown, 10_000);
    expect(Buffer.byteLength(bounded)).toBeLessThanOrEqual(10_500);
    expect(bounded).toContain('The summary was cut');
    expect(
      bounded.split('\n').every((line) => line === '' || /^\| row \d+ \| x+ \|$|^>/.test(line)),
    ).toBe(true);
    expect(boundSummary('short')).toBe('short');
  });

  it('keeps every line that fits, and counts the ones left out', () => {
    // 101 bytes a line with its line break: nine fit in 1,000 bytes.
    const lines = Array.from(
      { length: 100 },
      (_, i) => `${String(i).padStart(3, '0')}${'y'.repeat(97)}`,
    );
    expect(boundSummary(lines.join('\n'), 1_000)).toBe(
      [
        ...lines.slice(0, 9),
        '',
        '> [!NOTE]',
        "> The summary was cut at GitHub's limit of 1 MiB (91 more lines); the outputs and result files hold every task.",
        '',
      ].join('\n'),
    );
  });

  it('counts bytes, not characters, and leaves a summary of exactly the limit whole', () => {
    const exact = 'é'.repeat(500); // 1,000 bytes in UTF-8
    expect(boundSummary(exact, 1_000)).toBe(exact);
    expect(boundSummary(`${exact}\né`, 1_000)).toMatch(/^\n> \[!NOTE\]\n/);
    expect(boundSummary(`${'é'.repeat(499)}\ne`, 1_000)).toBe(`${'é'.repeat(499)}\ne`);
    // A line ending exactly at the limit, its line break included, is kept.
    expect(
      boundSummary(`${'z'.repeat(99)}\n${'z'.repeat(200)}`, 100).startsWith(
        'z'.repeat(99) + '\n\n>',
      ),
    ).toBe(true);
  });

  it("holds a step's summary to 1 MiB less a margin by default", () => {
    const line = `${'s'.repeat(1_023)}\n`;
    const atLimit = line.repeat(MAX_SUMMARY_BYTES / 1_024);
    expect(boundSummary(atLimit)).toBe(atLimit);
    expect(boundSummary(`${atLimit}s`)).toContain('The summary was cut');
    expect(MAX_SUMMARY_BYTES).toBeLessThan(1024 * 1024);
  });
});

describe('the action with an hour-long transcript', () => {
  it('stays under the job limit and keeps every cut value whole in a file', async () => {
    const resultJson = JSON.stringify(hourOfSpeech());
    expect(resultJson.length).toBeGreaterThan(1_500_000);
    kie.script('stt', [{ state: 'success' }], { model: 'elevenlabs/speech-to-text', resultJson });
    const dir = await mkdtemp(path.join(tmpdir(), 'kie-limits-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const run = await runInProcess(localInputs(kie, { 'task-id': 'stt', 'download-dir': dir }));
    const marker = JSON.parse(run.outputs.resultJson!) as { file: string };
    expect(marker.file).toBe(path.join(dir, 'outputs', 'resultJson.json'));
    const kept = {
      resultJson: await readFile(marker.file, 'utf8'),
      transcript: await readFile(path.join(dir, 'outputs', 'transcript.txt'), 'utf8'),
    };
    expect(run.failed).toBe(false);
    expect(utf16Total(run.outputs)).toBeLessThanOrEqual(MAX_OUTPUT_BYTES);
    expect(run.outputs.truncated!.split(',')).toEqual(
      expect.arrayContaining(['resultJson', 'transcript']),
    );
    expect(kept.resultJson).toBe(resultJson);
    expect(kept.transcript).toBe(hourOfSpeech().resultObject.text);
    expect(run.log).toMatch(
      /::warning::Cut to fit GitHub's limit on a job's outputs \(1 MB\): .*resultJson \(whole in .*outputs\/resultJson\.json\)/,
    );
  });

  it('names no file for a cut value it could not keep', async () => {
    const resultJson = JSON.stringify(hourOfSpeech());
    kie.script('stt', [{ state: 'success' }], { model: 'elevenlabs/speech-to-text', resultJson });
    const dir = await mkdtemp(path.join(tmpdir(), 'kie-limits-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    await writeFile(path.join(dir, 'outputs'), 'a file where the folder would go');

    const run = await runInProcess(localInputs(kie, { 'task-id': 'stt', 'download-dir': dir }));

    expect(run.failed).toBe(false);
    expect(utf16Total(run.outputs)).toBeLessThanOrEqual(MAX_OUTPUT_BYTES);
    expect(JSON.parse(run.outputs.resultJson!)).toEqual({
      truncated: true,
      bytes: Buffer.byteLength(resultJson),
    });
    expect(run.outputs.transcript).toMatch(/\n\[cut: the whole text could not be kept\]$/);
    const warnings = run.log.split('\n').filter((line) => line.startsWith('::warning::'));
    expect(warnings).toEqual([
      expect.stringMatching(/^::warning::Could not keep the whole of the cut outputs: /),
      expect.stringMatching(
        /^::warning::Cut to fit GitHub's limit on a job's outputs \(1 MB\): [a-zA-Z, ]+\.$/,
      ),
    ]);
    expect(warnings[1]).toContain('resultJson');
  });

  it('never writes a kept value through a link already in the outputs folder', async () => {
    const resultJson = JSON.stringify(hourOfSpeech());
    kie.script('stt', [{ state: 'success' }], { model: 'elevenlabs/speech-to-text', resultJson });
    const dir = await mkdtemp(path.join(tmpdir(), 'kie-limits-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    await mkdir(path.join(dir, 'outputs'));
    await writeFile(path.join(dir, 'target'), 'not ours');
    await symlink(path.join(dir, 'target'), path.join(dir, 'outputs', 'resultJson.json'));
    const run = await runInProcess(localInputs(kie, { 'task-id': 'stt', 'download-dir': dir }));
    const marker = JSON.parse(run.outputs.resultJson!) as { file: string };
    expect(marker.file).toBe(path.join(dir, 'outputs', 'resultJson-2.json'));
    expect(await readFile(marker.file, 'utf8')).toBe(resultJson);
    expect(await readFile(path.join(dir, 'target'), 'utf8')).toBe('not ours');
  });
});
