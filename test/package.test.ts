// The npm package as a user gets it: packed once with `npm pack`, installed from the tarball into an
// empty folder with no registry (it has no dependencies, so --offline must be enough), and its
// `kie-task` bin run from there, against the loopback Kie.ai simulator.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/action.js';
import { startKieServer, type KieServer } from './support/kie-server.js';

const run = promisify(execFile);

interface PackResult {
  filename: string;
  files: { path: string }[];
}

/** Runs the installed bin as a shell would: through node_modules/.bin, its shebang and all. */
async function kieTask(bin: string, args: string[], env: Record<string, string> = {}) {
  return run(bin, args, { env: { PATH: process.env.PATH, ...env } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

describe('the npm package', () => {
  let packed: PackResult;
  let scratch: string;
  let home: string;
  let bin: string;
  let kie: KieServer;

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'kie-package-'));
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', scratch], {
      cwd: REPO_ROOT,
    });
    packed = (JSON.parse(stdout) as PackResult[])[0]!;
    home = path.join(scratch, 'home');
    await mkdir(home);
    await run(
      'npm',
      ['install', '--offline', '--no-audit', '--no-fund', path.join(scratch, packed.filename)],
      { cwd: home },
    );
    bin = path.join(home, 'node_modules', '.bin', 'kie-task');
    kie = await startKieServer();
  }, 120_000);
  afterAll(async () => {
    await kie?.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('holds the CLI bundle, its licenses, the README and LICENSE, and nothing else', async () => {
    const files = packed.files.map((file) => file.path).sort();
    const cliBundle = (await readdir(path.join(REPO_ROOT, 'dist/cli'))).map((f) => `dist/cli/${f}`);
    expect(files).toEqual(
      [...cliBundle, 'dist/licenses.txt', 'LICENSE', 'README.md', 'package.json'].sort(),
    );
  });

  it('installs without a single dependency', async () => {
    const installed = await readdir(path.join(home, 'node_modules'));
    expect(installed.filter((name) => !name.startsWith('.')).sort()).toEqual(['kie-task-action']);
    const manifest = JSON.parse(
      await readFile(path.join(home, 'node_modules/kie-task-action/package.json'), 'utf8'),
    ) as { dependencies?: object; private?: boolean; bin: Record<string, string> };
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.private).toBeUndefined();
    expect(manifest.bin).toEqual({ 'kie-task': 'dist/cli/index.js' });
  });

  it('runs `kie-task --help`', async () => {
    const { code, stdout } = await kieTask(bin, ['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^kie-task \d+\.\d+\.\d+: wait for a Kie\.ai task/);
    expect(stdout).toContain('Usage: kie-task wait <task-id>');
  });

  it('waits for a task and prints its outputs as JSON', async () => {
    kie.script('packed-task', [{ state: 'generating' }, { state: 'success' }], {
      model: 'nano-banana-pro',
      resultJson: '{"resultUrls":["https://cdn.example/a.png"]}',
    });
    const args = [
      'wait',
      'packed-task',
      '--json',
      '--base-url',
      kie.url,
      '--poll-interval',
      '20ms',
    ];
    const { code, stdout } = await kieTask(bin, [...args, '--max-requests-per-second', '100'], {
      KIE_API_KEY: kie.apiKey,
    });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      taskId: 'packed-task',
      state: 'success',
      model: 'nano-banana-pro',
      resultUrls: ['https://cdn.example/a.png'],
    });
  });

  it('exits 4 naming the fault when the API refuses the key', async () => {
    kie.script('refused-task', [{ state: 'success' }]);
    const args = ['wait', 'refused-task', '--base-url', kie.url, '--poll-interval', '20ms'];
    const { code, stderr } = await kieTask(bin, args, { KIE_API_KEY: 'not-the-key' });
    expect(code).toBe(4);
    expect(stderr).toMatch(/401/);
    expect(stderr).not.toContain('not-the-key');
  });
});
