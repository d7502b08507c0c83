import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../src/logger.js';
import { artifactNameFor, uploadArtifact } from '../src/results/artifact.js';
import {
  readZipEntries,
  startResultsService,
  zipMethods,
  type ResultsService,
} from './support/results-service.js';

const RUN = {
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_REPOSITORY: 'octo-org/octo-repo',
  GITHUB_RUN_ID: '4242',
};
const DAY_MS = 86_400_000;

let service: ResultsService;
let workdir: string;

beforeEach(async () => {
  service = await startResultsService();
  // The client reads process.env itself; stubbing also shields the tests from a real runner's
  // values (GitHub Enterprise server URL, repository retention cap) when CI runs them.
  for (const [name, value] of Object.entries({ ...service.env, ...RUN })) vi.stubEnv(name, value);
  vi.stubEnv('GITHUB_RETENTION_DAYS', undefined);
  // The client logs through @actions/core straight to stdout.
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  workdir = await mkdtemp(join(tmpdir(), 'kie-artifact-'));
});

afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  await service.close();
  await rm(workdir, { recursive: true, force: true });
});

function recordingLogger() {
  const messages = { info: [] as string[], warning: [] as string[], debug: [] as string[] };
  const logger: Logger = {
    info: (message) => messages.info.push(message),
    warning: (message) => messages.warning.push(message),
    debug: (message) => messages.debug.push(message),
  };
  return { logger, messages };
}

async function writeFiles(files: Record<string, Buffer | string>): Promise<string[]> {
  const paths = [];
  for (const [relative, content] of Object.entries(files)) {
    const path = join(workdir, relative);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
    paths.push(path);
  }
  return paths;
}

/** Runs timers (the client's retry sleeps) as soon as they are set, while I/O stays real. */
async function withInstantTimers<T>(promise: Promise<T>): Promise<T> {
  let settled = false;
  const markSettled = () => (settled = true);
  promise.then(markSettled, markSettled);
  while (!settled) {
    await vi.advanceTimersToNextTimerAsync();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return promise;
}

describe('uploadArtifact', () => {
  it('uploads the files as one zip with their paths under the root directory', async () => {
    const contents = {
      'image.png': randomBytes(150_000),
      'result.json': '{"taskId":"abc123","state":"success"}\n',
      'nested/deeper/log.txt': 'line one\nline two\n'.repeat(500),
    };
    const files = await writeFiles(contents);
    const { logger, messages } = recordingLogger();

    const uploaded = await uploadArtifact({
      name: 'kie-abc123',
      files,
      rootDirectory: workdir,
      logger,
    });

    expect(service.artifacts).toHaveLength(1);
    const [stored] = service.artifacts;
    expect(stored).toMatchObject({
      name: 'kie-abc123',
      version: 7,
      mimeType: 'application/zip',
      finalized: true,
    });
    const zip = stored!.zip!;
    const entries = readZipEntries(zip);
    expect([...entries.keys()].sort()).toEqual(Object.keys(contents).sort());
    for (const [name, content] of Object.entries(contents)) {
      expect(entries.get(name)!.equals(Buffer.from(content)), name).toBe(true);
    }

    const digest = createHash('sha256').update(zip).digest('hex');
    expect(uploaded).toEqual({
      name: 'kie-abc123',
      id: stored!.id,
      size: zip.length,
      digest,
      url: `https://github.com/octo-org/octo-repo/actions/runs/4242/artifacts/${stored!.id}`,
    });
    expect(stored).toMatchObject({ size: zip.length, hash: `sha256:${digest}` });
    expect(messages.warning).toEqual([]);
    expect(messages.info).toEqual([
      `Uploaded artifact "kie-abc123" (${(zip.length / 1024).toFixed(1)} KB, zip level 0, id ${stored!.id}): ${uploaded!.url}`,
    ]);
  });

  it('assembles a zip larger than the 8 MB upload block in order', async () => {
    const big = randomBytes(9 * 1024 * 1024);
    const files = await writeFiles({ 'big.bin': big });

    await uploadArtifact({
      name: 'big',
      files,
      rootDirectory: workdir,
      logger: recordingLogger().logger,
    });

    const [stored] = service.artifacts;
    expect(stored!.blockCount).toBe(2);
    expect(readZipEntries(stored!.zip!).get('big.bin')!.equals(big)).toBe(true);
  });

  it('asks for the retention period in CreateArtifact', async () => {
    const files = await writeFiles({ 'a.txt': 'a' });
    const before = Date.now();

    await uploadArtifact({
      name: 'short-lived',
      files,
      rootDirectory: workdir,
      retentionDays: 3,
      logger: recordingLogger().logger,
    });

    const expiresAt = Date.parse(service.artifacts[0]!.expiresAt!);
    // The client adds calendar days, so a daylight saving change may move it by an hour.
    expect(Math.abs(expiresAt - (before + 3 * DAY_MS))).toBeLessThan(3_600_000 + 60_000);
  });

  it('leaves retention to the repository default when none is given', async () => {
    const files = await writeFiles({ 'a.txt': 'a' });
    const { logger } = recordingLogger();

    await uploadArtifact({ name: 'default-retention', files, rootDirectory: workdir, logger });

    expect(service.artifacts[0]!.expiresAt).toBeUndefined();
  });

  it('reads the runner variables from the given env and gives no url without GITHUB_*', async () => {
    const files = await writeFiles({ 'a.txt': 'a' });

    const uploaded = await uploadArtifact({
      name: 'no-url',
      files,
      rootDirectory: workdir,
      logger: recordingLogger().logger,
      env: service.env,
    });

    expect(uploaded).toMatchObject({ id: service.artifacts[0]!.id, url: undefined });
  });

  it('returns undefined with one warning outside a runner', async () => {
    const files = await writeFiles({ 'a.txt': 'a' });
    const { logger, messages } = recordingLogger();

    const uploaded = await uploadArtifact({
      name: 'kie-abc123',
      files,
      rootDirectory: workdir,
      logger,
      env: {},
    });

    expect(uploaded).toBeUndefined();
    expect(messages.warning).toEqual([
      'Not uploading artifact "kie-abc123": ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL are not set, so this does not look like a GitHub Actions runner.',
    ]);
    expect(service.twirpCalls).toEqual([]);
  });

  it('defaults env to process.env', async () => {
    vi.stubEnv('ACTIONS_RUNTIME_TOKEN', undefined);
    const files = await writeFiles({ 'a.txt': 'a' });
    const { logger, messages } = recordingLogger();

    const uploaded = await uploadArtifact({ name: 'x', files, rootDirectory: workdir, logger });

    expect(uploaded).toBeUndefined();
    expect(messages.warning).toHaveLength(1);
    expect(messages.warning[0]).toContain('ACTIONS_RUNTIME_TOKEN is not set');
  });

  it('uploads under a name made valid by artifactNameFor', async () => {
    const files = await writeFiles({ 'a.txt': 'a' });
    const name = artifactNameFor('kie: "cat|dog" <v2>\\draft/1?*\r\n');

    await uploadArtifact({ name, files, rootDirectory: workdir, logger: recordingLogger().logger });

    expect(service.artifacts.map((artifact) => artifact.name)).toEqual([name]);
  });

  describe('compression', () => {
    const upload = async (files: Record<string, Buffer | string>, more = {}) => {
      const { logger, messages } = recordingLogger();
      const uploaded = await uploadArtifact({
        name: `kie-c-${service.artifacts.length}`,
        files: await writeFiles(files),
        rootDirectory: workdir,
        logger,
        ...more,
      });
      return { uploaded, messages, stored: service.artifacts.at(-1)! };
    };
    const text = 'a line of a transcript\n'.repeat(4_000);

    it('stores already-compressed media as it is when it is most of the bytes', async () => {
      const { stored } = await upload({
        'video.mp4': randomBytes(300_000),
        'cover.JPG': randomBytes(50_000),
        'result.json': '{"ok":true}',
      });
      expect(Object.fromEntries(zipMethods(stored.zip!))).toEqual({
        'video.mp4': 'stored',
        'cover.JPG': 'stored',
        'result.json': 'stored',
      });
    });

    it.each(['png', 'webp', 'gif', 'webm', 'mov', 'mp3', 'm4a', 'aac', 'ogg', 'opus', 'flac'])(
      'counts .%s as compressed media',
      async (extension) => {
        const { stored } = await upload({ [`a.${extension}`]: randomBytes(2_000), 'b.txt': 'b' });
        expect(zipMethods(stored.zip!).get(`a.${extension}`)).toBe('stored');
      },
    );

    it('deflates text, JSON and other data, and media that is the lesser part', async () => {
      const { stored } = await upload({ 'transcript.txt': text, 'small.png': randomBytes(1_000) });
      const methods = zipMethods(stored.zip!);
      expect(methods.get('transcript.txt')).toBe('deflated');
      expect(stored.zip!.length).toBeLessThan(text.length / 4);
    });

    it('takes compression-level as given, either way', async () => {
      const stored = (await upload({ 'a.txt': text }, { compressionLevel: 0 })).stored;
      expect(zipMethods(stored.zip!).get('a.txt')).toBe('stored');
      const media = (await upload({ 'a.png': randomBytes(5_000) }, { compressionLevel: 9 })).stored;
      expect(zipMethods(media.zip!).get('a.png')).toBe('deflated');
    });
  });

  describe('archive: false', () => {
    it('uploads a single file as it is, named after it, with its own type', async () => {
      const png = randomBytes(20_000);
      const files = await writeFiles({ 'nested/image.png': png });
      const { logger, messages } = recordingLogger();

      const uploaded = await uploadArtifact({
        name: 'kie-abc123',
        files,
        rootDirectory: workdir,
        archive: false,
        logger,
      });

      const [stored] = service.artifacts;
      expect(stored).toMatchObject({ name: 'image.png', mimeType: 'image/png', finalized: true });
      expect(stored!.zip!.equals(png)).toBe(true);
      expect(uploaded).toMatchObject({ name: 'image.png', id: stored!.id, size: png.length });
      expect(messages.info[0]).toMatch(/^Uploaded artifact "image\.png" \(19\.5 KB, unzipped, id/);
    });

    it('zips several files all the same, with a warning', async () => {
      const files = await writeFiles({ 'a.png': randomBytes(100), 'b.png': randomBytes(100) });
      const { logger, messages } = recordingLogger();

      await uploadArtifact({ name: 'two', files, rootDirectory: workdir, archive: false, logger });

      const [stored] = service.artifacts;
      expect(stored).toMatchObject({ name: 'two', mimeType: 'application/zip' });
      expect([...readZipEntries(stored!.zip!).keys()].sort()).toEqual(['a.png', 'b.png']);
      expect(messages.warning).toEqual([
        'Zipping the 2 files into artifact "two": only a single file can be uploaded unzipped (archive: false).',
      ]);
    });
  });

  describe('when the service fails', () => {
    async function uploadOneFile(name = 'kie-abc123') {
      const files = await writeFiles({ 'a.txt': 'a' });
      return uploadArtifact({
        name,
        files,
        rootDirectory: workdir,
        logger: recordingLogger().logger,
      });
    }

    it('rejects at once when CreateArtifact answers ok: false', async () => {
      service.override('CreateArtifact', { status: 200, body: { ok: false } });

      await expect(uploadOneFile()).rejects.toThrow(
        'Artifact upload failed for "kie-abc123": CreateArtifact: response from backend was not ok',
      );
      expect(service.twirpCalls).toEqual(['CreateArtifact']);
    });

    it('rejects at once on an error the client does not retry', async () => {
      await uploadOneFile('taken');

      await expect(uploadOneFile('taken')).rejects.toThrow(
        'Artifact upload failed for "taken": Failed to CreateArtifact: Received non-retryable error: Failed request: (409) Conflict: an artifact named taken already exists',
      );
    });

    it('rejects after the client retried a 500 five times', async () => {
      // The client sleeps 3 s, then ×1.5 each time, between its 5 attempts: about half a minute
      // of real time, with no setting to shorten it, so its timers are faked.
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      service.override('CreateArtifact', {
        status: 500,
        body: { code: 'internal', msg: 'database unavailable' },
      });
      const started = performance.now();

      await expect(withInstantTimers(uploadOneFile())).rejects.toThrow(
        'Artifact upload failed for "kie-abc123": Failed to CreateArtifact: Failed to make request after 5 attempts: Failed request: (500) Internal Server Error: database unavailable',
      );
      expect(service.twirpCalls).toEqual(Array(5).fill('CreateArtifact'));
      expect(performance.now() - started).toBeLessThan(5_000);
    });
  });
});

describe('artifactNameFor', () => {
  const rejected = ['"', ':', '<', '>', '|', '*', '?', '\r', '\n', '\\', '/'];

  it('keeps valid names', () => {
    expect(artifactNameFor('kie-3f2a9c7e')).toBe('kie-3f2a9c7e');
    expect(artifactNameFor('My results (v2), ünïcödé 🎨')).toBe('My results (v2), ünïcödé 🎨');
  });

  it('turns each inner run of rejected characters into one dash', () => {
    expect(artifactNameFor('kie: cat|dog')).toBe('kie- cat-dog');
    expect(artifactNameFor('a/\\b??c\r\nd')).toBe('a-b-c-d');
    expect(artifactNameFor('tab\there\u0000nul')).toBe('tab-here-nul');
  });

  it('drops rejected characters and blanks at the ends', () => {
    expect(artifactNameFor('  ///kie-1?  ')).toBe('kie-1');
  });

  it('falls back to a default when nothing valid is left', () => {
    expect(artifactNameFor('')).toBe('kie-artifact');
    expect(artifactNameFor(' ?*: \n')).toBe('kie-artifact');
  });

  it('bounds the length without splitting a character', () => {
    expect(artifactNameFor('x'.repeat(1000))).toBe('x'.repeat(200));
    expect(artifactNameFor('🎨'.repeat(300))).toBe('🎨'.repeat(200));
  });

  it('never leaves a rejected character', () => {
    const hostile = Array.from({ length: 200 }, (_, index) =>
      Array.from({ length: index % 30 }, (__, offset) => rejected[(index + offset) % 11]).join(
        index % 3 ? 'a' : '',
      ),
    );
    for (const name of hostile) {
      const valid = artifactNameFor(name);
      expect(valid.length).toBeGreaterThan(0);
      expect(
        rejected.some((character) => valid.includes(character)),
        valid,
      ).toBe(false);
    }
  });
});
