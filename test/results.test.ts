// The whole action with results: Kie API, media host and artifact service, each its own local
// server (so the media host is a different origin from the API).
import { readFileSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { localInputs, REPO_ROOT, runInProcess, scratchDir } from './support/action.js';
import { type KieServer } from './support/kie-server.js';
import { generatedBytes, type MediaServer } from './support/media-server.js';
import { useLocalServers } from './support/servers.js';
import {
  readZipEntries,
  startResultsService,
  zipMethods,
  type ResultsService,
} from './support/results-service.js';

let kie: KieServer;
let media: MediaServer;
useLocalServers((started) => ({ kie, media } = started));

const inputs = (extra: Record<string, string> = {}) =>
  localInputs(kie, { 'task-id': 'task-1', ...extra });

const succeedWith = (urls: string[]) =>
  kie.script('task-1', [{ state: 'generating' }, { state: 'success' }], {
    resultJson: JSON.stringify({ resultUrls: urls }),
  });

const speechToText = () =>
  JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/fixtures/speech-to-text.json'), 'utf8')).data;

describe('downloads', () => {
  it('downloads every result URL into download-dir and lists the files', async () => {
    const png = generatedBytes(50_000);
    const mp4 = generatedBytes(300_000);
    succeedWith([
      media.route('/out/cat.png', { body: png, contentType: 'image/png' }),
      media.route('/out/clip', { body: mp4, contentType: 'video/mp4' }),
    ]);
    const run = await runInProcess(inputs({ download: 'true', 'download-dir': 'assets' }));
    expect(run.failed).toBe(false);
    const files = JSON.parse(run.outputs.files!) as string[];
    expect(files.map((file) => path.basename(file))).toEqual(['cat.png', 'clip.mp4']);
    expect(run.outputs.downloadDir).toMatch(/\/assets$/);
    expect(files.every((file) => path.dirname(file) === run.outputs.downloadDir)).toBe(true);
    expect(run.summary).toContain('cat.png');
  });

  it('never sends the API key or any Authorization header to the media host', async () => {
    media.route('/b.png', { body: 'png', contentType: 'image/png' });
    succeedWith([media.route('/a.png', { redirect: '/b.png' })]);
    const run = await runInProcess(inputs({ download: 'true' }));
    expect(run.failed).toBe(false);
    expect(media.requests.length).toBe(2);
    for (const request of media.requests) {
      expect(request.headers.authorization).toBeUndefined();
      expect(JSON.stringify(request.headers)).not.toContain(kie.apiKey);
      expect(request.headers['user-agent']).toMatch(/^kie-task-action\//);
    }
  });

  it('sets the task outputs first, then fails naming the URL when a download fails', async () => {
    const missing = media.route('/gone.png', { status: 404 });
    succeedWith([missing]);
    const run = await runInProcess(inputs({ download: 'true' }));
    expect(run.failed).toBe(true);
    expect(run.outputs.state).toBe('success');
    expect(run.outputs.resultUrls).toBe(JSON.stringify([missing]));
    const error = run.log.split('\n').find((line) => line.startsWith('::error::'));
    expect(error).toContain(missing);
    expect(error).toContain('404');
  });

  it('fails with the limit when a file is over max-download-size', async () => {
    succeedWith([media.route('/big.mp4', { size: 3_000_000, contentType: 'video/mp4' })]);
    const run = await runInProcess(inputs({ download: 'true', 'max-download-size': '1MB' }));
    expect(run.failed).toBe(true);
    expect(run.log).toMatch(
      /::error::.*: 2\.9 MB is over the 1\.0 MB limit \('max-download-size'\)$/m,
    );
    expect(await readdir(run.outputs.downloadDir || '/nonexistent').catch(() => [])).toEqual([]);
  });

  it('rejects a size that is not one', async () => {
    const run = await runInProcess(inputs({ 'max-download-size': 'huge' }));
    expect(run.log).toContain(
      "::error::Input 'max-download-size' must be a size in bytes or with KB, MB or GB, such as 500MB or 2GB (got 'huge').",
    );
  });

  it('downloads nothing unless asked', async () => {
    succeedWith([media.route('/a.png', { body: 'png' })]);
    const run = await runInProcess(inputs());
    expect(run.failed).toBe(false);
    expect(run.outputs.files).toBe('[]');
    expect(media.requests).toHaveLength(0);
  });
});

it('fails before the wait when download-dir is a file, naming the input', async () => {
  const workspace = await scratchDir('kie-workspace-');
  await writeFile(path.join(workspace, 'taken'), 'a file');
  kie.script('task-1', [{ state: 'success' }]);
  const run = await runInProcess(
    inputs({ download: 'true', 'download-dir': path.join(workspace, 'taken') }),
  );
  expect(run.failed).toBe(true);
  expect(run.log).toContain(
    `::error::Input 'download-dir': ${path.join(workspace, 'taken')} cannot hold the results: a file (not a folder) is in the way.`,
  );
  expect(kie.requests).toEqual([]);
});

describe('speech-to-text', () => {
  it('sets transcript and language outputs and writes the transcript files', async () => {
    kie.script('task-1', [{ state: 'success' }], speechToText());
    const run = await runInProcess(inputs({ download: 'true' }));
    expect(run.failed).toBe(false);
    expect(run.outputs.transcript).toMatch(/^Ever tried Ki AI\? They've got a bunch/);
    expect(run.outputs.language).toBe('eng');
    const files = JSON.parse(run.outputs.files!) as string[];
    expect(files.map((file) => path.basename(file)).sort()).toEqual([
      'transcript.json',
      'transcript.srt',
      'transcript.txt',
      'transcript.vtt',
    ]);
    expect(run.summary).toContain('### Transcript (eng)');
  });

  it('sets the transcript outputs even without download', async () => {
    kie.script('task-1', [{ state: 'success' }], speechToText());
    const run = await runInProcess(inputs());
    expect(run.outputs.language).toBe('eng');
    expect(run.outputs.files).toBe('[]');
  });
});

it('keeps data without files in result.json', async () => {
  kie.script('task-1', [{ state: 'success' }], { resultJson: '{"character_id":"c-42"}' });
  const dir = await scratchDir('kie-results-');
  const run = await runInProcess(inputs({ download: 'true', 'download-dir': dir }));
  const [file] = JSON.parse(run.outputs.files!) as string[];
  expect(path.basename(file!)).toBe('result.json');
  expect(JSON.parse(await readFile(file!, 'utf8'))).toEqual({ character_id: 'c-42' });
});

describe('artifact upload', () => {
  let service: ResultsService;
  beforeEach(async () => {
    service = await startResultsService();
    vi.stubEnv('GITHUB_SERVER_URL', 'https://github.com');
    vi.stubEnv('GITHUB_RETENTION_DAYS', '');
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await service.close();
  });

  it('uploads the downloads as one artifact and sets its outputs', async () => {
    const png = generatedBytes(10_000);
    succeedWith([
      media.route('/x/one.png', { body: png, contentType: 'image/png' }),
      media.route('/x/two.png', { body: 'second', contentType: 'image/png' }),
    ]);
    const run = await runInProcess(
      inputs({ 'upload-artifact': 'true', 'artifact-retention-days': '3' }),
      {
        env: {
          ...service.env,
          GITHUB_SERVER_URL: 'https://github.com',
          GITHUB_REPOSITORY: 'o/r',
          GITHUB_RUN_ID: '77',
        },
      },
    );
    expect(run.failed).toBe(false);
    const [artifact] = service.artifacts;
    expect(artifact!.name).toBe('kie-task-1');
    const entries = readZipEntries(artifact!.zip!);
    expect([...entries.keys()].sort()).toEqual(['one.png', 'two.png']);
    expect(entries.get('one.png')!.equals(png)).toBe(true);
    expect(run.outputs.artifactId).toBe(String(artifact!.id));
    expect(run.outputs.artifactUrl).toBe(
      `https://github.com/o/r/actions/runs/77/artifacts/${artifact!.id}`,
    );
    expect(run.outputs.artifactDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(run.summary).toContain(run.outputs.artifactUrl);
  });

  it('uploads a single image unzipped with archive: false, its outputs naming it', async () => {
    const png = generatedBytes(10_000);
    succeedWith([media.route('/x/cat.png', { body: png, contentType: 'image/png' })]);
    const run = await runInProcess(inputs({ 'upload-artifact': 'true', archive: 'false' }), {
      env: service.env,
    });
    expect(run.failed).toBe(false);
    const [artifact] = service.artifacts;
    expect(artifact).toMatchObject({ name: 'cat.png', mimeType: 'image/png' });
    expect(artifact!.zip!.equals(png)).toBe(true);
    expect(run.outputs.artifactId).toBe(String(artifact!.id));
    expect(run.summary).toContain('**Artifact:** `cat.png` (');
  });

  it('zips with the compression-level given', async () => {
    succeedWith([
      media.route('/x/cat.png', { body: generatedBytes(5_000), contentType: 'image/png' }),
    ]);
    const run = await runInProcess(
      inputs({ 'upload-artifact': 'true', 'compression-level': '9' }),
      {
        env: service.env,
      },
    );
    expect(run.failed).toBe(false);
    expect(zipMethods(service.artifacts[0]!.zip!).get('cat.png')).toBe('deflated');
  });

  it.each(['10', '-1', 'fast', '6.5'])('rejects compression-level %j in one line', async (bad) => {
    const run = await runInProcess(inputs({ 'upload-artifact': 'true', 'compression-level': bad }));
    expect(run.log).toContain(
      `::error::Input 'compression-level' must be a whole number from 0 (no compression) to 9 (best) (got '${bad}').`,
    );
    expect(kie.requests).toEqual([]);
  });

  it('warns and skips the upload outside a runner, downloads still done', async () => {
    succeedWith([media.route('/one.png', { body: 'png', contentType: 'image/png' })]);
    const run = await runInProcess(inputs({ 'upload-artifact': 'true' }), {
      env: { ACTIONS_RUNTIME_TOKEN: undefined, ACTIONS_RESULTS_URL: undefined },
    });
    expect(run.failed).toBe(false);
    expect(run.log).toMatch(/::warning::.*ACTIONS_RUNTIME_TOKEN/);
    expect(JSON.parse(run.outputs.files!)).toHaveLength(1);
    expect(run.outputs.artifactId).toBe('');
    expect(service.artifacts).toHaveLength(0);
  });
});
