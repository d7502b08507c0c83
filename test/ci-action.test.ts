// ci.yml's `action` job runs the action with `uses: ./` against scripts/simulator.ts. This test runs
// the same job here: the simulator started as the job starts it, and each `uses: ./` step's inputs
// through a copy of action.yml and dist/ where no node_modules is in reach (the job deletes it),
// with the job's checks, so the job cannot drift from the action.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseOutputFile, REPO_ROOT } from './support/action.js';

interface Step {
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string | number | boolean>;
}
interface Job {
  permissions?: Record<string, string>;
  steps: Step[];
}

/** The values a workflow expression would have: the simulator's env, and stand-ins for github.*. */
function evaluate(value: string, env: Record<string, string>): string {
  const done = value
    .replace(/\$\{\{\s*env\.(\w+)\s*\}\}/g, (_, name: string) => env[name] ?? '')
    .replace(/\$\{\{\s*github\.\w+\s*\}\}/g, '1');
  if (done.includes('${{')) throw new Error(`an expression this test cannot evaluate: ${value}`);
  return done;
}

/** Whether a node_modules folder is in Node's reach from `dir` (in it or in a folder above). */
async function nodeModulesInReach(dir: string): Promise<boolean> {
  for (let at = dir; ; at = path.dirname(at)) {
    if (
      await stat(path.join(at, 'node_modules')).then(
        () => true,
        () => false,
      )
    )
      return true;
    if (path.dirname(at) === at) return false;
  }
}

/** Runs the copied action as a runner runs a step: node on runs.main, in the workspace. */
async function runStep(
  action: string,
  inputs: Record<string, string>,
  env: Record<string, string>,
) {
  const workspace = await mkdtemp(path.join(tmpdir(), 'kie-ci-workspace-'));
  const outputFile = path.join(workspace, '.output');
  await writeFile(outputFile, '');
  const vars: Record<string, string> = { GITHUB_OUTPUT: outputFile, GITHUB_WORKSPACE: workspace };
  for (const [name, value] of Object.entries(inputs)) vars[`INPUT_${name.toUpperCase()}`] = value;
  const child = spawn(process.execPath, [path.join(action, 'dist/index.js')], {
    cwd: workspace,
    env: { PATH: process.env.PATH, ...env, ...vars },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (log += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const [exitCode] = (await once(child, 'close')) as [number];
  const outputs = parseOutputFile(await readFile(outputFile, 'utf8'));
  const files = JSON.parse(outputs.files || '[]') as string[];
  // PNG files begin with \x89PNG.
  const pngs = await Promise.all(
    files.map(async (file) => (await readFile(file)).subarray(1, 4).toString() === 'PNG'),
  );
  await rm(workspace, { recursive: true, force: true });
  return { exitCode, log, stderr, outputs, files, pngs };
}

describe("ci.yml's job that runs the action with `uses: ./`", () => {
  let job: Job;
  let simulator: ReturnType<typeof spawn>;
  let action: string;
  const env: Record<string, string> = {};

  beforeAll(async () => {
    const ci = parse(await readFile(path.join(REPO_ROOT, '.github/workflows/ci.yml'), 'utf8')) as {
      jobs: Record<string, Job>;
    };
    job = Object.values(ci.jobs).find((candidate) =>
      candidate.steps.some((step) => step.uses === './'),
    )!;
    action = await mkdtemp(path.join(tmpdir(), 'kie-ci-action-'));
    await mkdir(path.join(action, 'dist'));
    await cp(path.join(REPO_ROOT, 'dist'), path.join(action, 'dist'), { recursive: true });
    await cp(path.join(REPO_ROOT, 'action.yml'), path.join(action, 'action.yml'));

    const start = job.steps.find((step) => step.run?.includes('scripts/simulator.ts'));
    expect(start?.run).toMatch(/npx tsx scripts\/simulator\.ts > "\$RUNNER_TEMP\/simulator\.env"/);

    simulator = spawn(process.execPath, ['--import', 'tsx', 'scripts/simulator.ts'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let printed = '';
    for await (const chunk of simulator.stdout!) {
      printed += chunk;
      if (/^KIE_API_KEY=.*\n/m.test(printed)) break;
    }
    for (const line of printed.trim().split('\n')) {
      const [name, ...value] = line.split('=');
      env[name!] = value.join('=');
    }
  }, 30_000);
  afterAll(async () => {
    await rm(action, { recursive: true, force: true });
    const exited = once(simulator, 'exit');
    simulator.kill('SIGTERM');
    expect((await exited)[0]).toBe(0);
  });

  it('starts the simulator, which prints KIE_BASE_URL and KIE_API_KEY for $GITHUB_ENV', () => {
    expect(env.KIE_BASE_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(env.KIE_API_KEY).toBeTruthy();
  });

  it('runs the action without node_modules and with no write permission', () => {
    const firstUse = job.steps.findIndex((step) => step.uses === './');
    const removal = job.steps.findIndex((step) => step.run?.includes('rm -rf node_modules'));
    expect(removal).toBeGreaterThan(-1);
    expect(removal).toBeLessThan(firstUse);
    expect(Object.values(job.permissions ?? {})).not.toContain('write');
  });

  it('waits for sim-image and creates sim-created, as the job checks', async () => {
    expect(await nodeModulesInReach(action)).toBe(false);
    const { runs } = parse(await readFile(path.join(action, 'action.yml'), 'utf8')) as {
      runs: { main: string };
    };
    expect(runs.main).toBe('dist/index.js');

    const results: Record<string, Awaited<ReturnType<typeof runStep>>> = {};
    for (const step of job.steps.filter((candidate) => candidate.uses === './')) {
      const inputs = Object.fromEntries(
        Object.entries(step.with ?? {}).map(([name, value]) => [
          name,
          evaluate(String(value), env),
        ]),
      );
      const result = await runStep(action, inputs, { KIE_API_KEY: env.KIE_API_KEY! });
      expect(result.stderr, step.id).toBe('');
      expect(result.exitCode, `${step.id}: ${result.log}`).toBe(0);
      results[step.id!] = result;
    }
    expect(Object.keys(results)).toEqual(['wait', 'create']);
    expect(results.wait!.outputs).toMatchObject({ taskId: 'sim-image', state: 'success' });
    expect(results.wait!.pngs).toEqual([true, true]);
    expect(results.create!.outputs).toMatchObject({ taskId: 'sim-created', state: 'success' });
    expect(results.create!.files.map((file) => path.basename(file))).toEqual(['created.png']);
    expect(results.create!.pngs).toEqual([true]);
  }, 30_000);
});
