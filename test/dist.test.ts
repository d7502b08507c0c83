// The committed bundle, run as a child process exactly as a runner runs it.
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, expect, it, onTestFinished } from 'vitest';
import { parse } from 'yaml';
import { localInputs, REPO_ROOT, runDist, scratchDir } from './support/action.js';
import { startKieServer, type KieServer } from './support/kie-server.js';
import { startMediaServer } from './support/media-server.js';

let kie: KieServer;
beforeEach(async () => {
  kie = await startKieServer();
});
afterEach(() => kie.close());

it('waits for a task and writes its outputs to GITHUB_OUTPUT', async () => {
  kie.script('dist-task', [{ state: 'generating' }, { state: 'success' }], {
    model: 'nano-banana-pro',
    resultJson: '{"resultUrls":["https://cdn.example/a.png"]}',
  });
  const run = await runDist({
    'task-id': 'dist-task',
    'api-key': kie.apiKey,
    'base-url': kie.url,
    'poll-interval': '20ms',
    'max-requests-per-second': '100',
  });
  expect(run.stderr).toBe('');
  expect(run.exitCode).toBe(0);
  expect(run.outputs).toMatchObject({
    taskId: 'dist-task',
    state: 'success',
    model: 'nano-banana-pro',
    resultUrls: '["https://cdn.example/a.png"]',
    pollCount: '2',
  });
  expect(run.summary).toContain('<img src="https://cdn.example/a.png"');
});

it('exits 1 with one error line on bad input', async () => {
  const run = await runDist({ 'task-id': 'x', 'api-key': 'k', timeout: 'soon' });
  expect(run.exitCode).toBe(1);
  expect(
    run.log
      .trim()
      .split('\n')
      .filter((line) => line.startsWith('::error::')),
  ).toEqual([
    "::error::Input 'timeout' must be a duration such as 90 (seconds), 250ms, 90s, 15m, 1h or 1h30m (got 'soon').",
  ]);
});

it('ships the license of every package the code imports, each bundled (a devDependency)', async () => {
  const src = path.join(REPO_ROOT, 'src');
  const sources = (await readdir(src, { recursive: true })).filter((file) => file.endsWith('.ts'));
  const imported = new Set<string>();
  for (const file of sources) {
    const code = await readFile(path.join(src, file), 'utf8');
    for (const [, specifier] of code.matchAll(/(?:from |import\()'([^.'][^']*)'/g)) {
      if (specifier!.startsWith('node:')) continue;
      const parts = specifier!.split('/');
      imported.add(specifier!.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
    }
  }
  const manifest = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  const licensed = new Set(
    (await readFile(path.join(REPO_ROOT, 'dist/licenses.txt'), 'utf8')).split('\n'),
  );

  expect(imported.size).toBeGreaterThan(4);
  // ncc bundles them: an installed package (the CLI) or a runner (the action) needs no node_modules.
  expect(manifest.dependencies ?? {}).toEqual({});
  // Dependabot groups them apart from the tools, as their updates need a rebuild of dist/.
  const dependabot = parse(
    await readFile(path.join(REPO_ROOT, '.github/dependabot.yml'), 'utf8'),
  ) as {
    updates: { 'package-ecosystem': string; groups: Record<string, { patterns: string[] }> }[];
  };
  const npm = dependabot.updates.find((update) => update['package-ecosystem'] === 'npm')!;
  expect([...npm.groups.bundled!.patterns].sort()).toEqual([...imported].sort());
  for (const name of imported) {
    expect(manifest.devDependencies, name).toHaveProperty([name]);
    expect(licensed.has(name), name).toBe(true);
  }
});

it('runs the bundled CLI', async () => {
  kie.script('cli-task', [{ state: 'success' }], {
    resultJson: '{"resultUrls":["https://cdn.example/a.png"]}',
  });
  const args = ['wait', 'cli-task', '--json', '--base-url', kie.url, '--poll-interval', '20ms'];
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist/cli/index.js'), ...args], {
    env: { PATH: process.env.PATH, KIE_API_KEY: kie.apiKey },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  expect(await new Promise((resolve) => child.on('close', resolve))).toBe(0);
  expect(JSON.parse(stdout)).toMatchObject({
    taskId: 'cli-task',
    state: 'success',
    resultUrls: ['https://cdn.example/a.png'],
  });
});

it('warns, and does not fail, when the job summary cannot be written', async () => {
  kie.script('t1', [{ state: 'success' }]);
  const run = await runDist(
    { 'task-id': 't1', 'api-key': kie.apiKey, 'base-url': kie.url, 'poll-interval': '20ms' },
    { GITHUB_STEP_SUMMARY: path.join(REPO_ROOT, 'no-such-folder', 'summary.md') },
  );
  expect(run.exitCode).toBe(0);
  expect(run.log).toMatch(/::warning::Could not write the job summary: /);
});

it('fails in one line, without retrying or leaving a partial file, when the disk refuses a write', async () => {
  const media = await startMediaServer();
  onTestFinished(() => media.close());
  const url = media.route('/clip.mp4', { size: 4 * 1024 * 1024, contentType: 'video/mp4' });
  kie.script('full-disk', [{ state: 'success' }], {
    resultJson: JSON.stringify({ resultUrls: [url] }),
  });
  const dir = await scratchDir('kie-full-disk-');

  // Files over 1 MiB fail as on a full disk (EFBIG here, ENOSPC there: the same write error).
  const run = await runDist(
    { ...localInputs(kie, { 'task-id': 'full-disk', download: 'true', 'download-dir': dir }) },
    {},
    { fileSizeLimitKiB: 1024 },
  );

  expect(run.exitCode).toBe(1);
  expect(run.stderr).toBe('');
  const errors = run.log.split('\n').filter((line) => line.startsWith('::error::'));
  expect(errors).toEqual([
    `::error::Could not download ${url}: could not write clip.mp4 in ${dir}: EFBIG: file too large, write`,
  ]);
  expect(media.requestsTo('/clip.mp4')).toHaveLength(1);
  expect(await readdir(dir)).toEqual([]);
  expect(run.outputs).toMatchObject({ state: 'success', resultUrls: JSON.stringify([url]) });
});

it('fails naming the outputs when they cannot be written, and still writes the summary', async () => {
  // resultJson carries 3 KB of text the summary does not show: GITHUB_OUTPUT goes over 2 KiB.
  const resultJson = JSON.stringify({
    resultUrls: ['https://cdn.example/a.png'],
    seed: 'x'.repeat(3000),
  });
  kie.script('no-room', [{ state: 'success' }], { resultJson });

  const run = await runDist(
    localInputs(kie, { 'task-id': 'no-room' }),
    {},
    { fileSizeLimitKiB: 2 },
  );

  expect(run.exitCode).toBe(1);
  expect(run.stderr).toBe('');
  expect(run.log.split('\n').filter((line) => line.startsWith('::error::'))).toEqual([
    "::error::Could not write the step's outputs: EFBIG: file too large, write",
  ]);
  // The task did succeed, and the summary still says what it made.
  expect(run.summary).toMatch(/^## ✅ Kie\.ai task `no-room`: succeeded\n/);
  expect(run.summary).toContain('<img src="https://cdn.example/a.png"');
  expect(run.log).not.toContain('::warning::');
});
