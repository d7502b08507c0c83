// GitHub's limits on outputs (1 MB a job, counted as UTF-16) and summaries (1 MiB a step).
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { boundOutputs, boundSummary, MAX_OUTPUT_BYTES } from '../src/action/limits.js';
import { localInputs, runInProcess } from './support/action.js';
import type { KieServer } from './support/kie-server.js';
import { useLocalServers } from './support/servers.js';

let kie: KieServer;
useLocalServers((started) => ({ kie } = started));

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
