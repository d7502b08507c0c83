// ci.yml's `action` job runs the action with `uses: ./` against scripts/simulator.ts. This test runs
// the same job here: the simulator started as the job starts it, and each `uses: ./` step's inputs
// through the committed bundle, with the job's checks, so the job cannot drift from the action.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT, runDist } from './support/action.js';

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

describe("ci.yml's job that runs the action with `uses: ./`", () => {
  let job: Job;
  let simulator: ReturnType<typeof spawn>;
  const env: Record<string, string> = {};

  beforeAll(async () => {
    const ci = parse(await readFile(path.join(REPO_ROOT, '.github/workflows/ci.yml'), 'utf8')) as {
      jobs: Record<string, Job>;
    };
    job = Object.values(ci.jobs).find((candidate) =>
      candidate.steps.some((step) => step.uses === './'),
    )!;
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
    const outputs: Record<string, Record<string, string>> = {};
    for (const step of job.steps.filter((candidate) => candidate.uses === './')) {
      const inputs = Object.fromEntries(
        Object.entries(step.with ?? {}).map(([name, value]) => [
          name,
          evaluate(String(value), env),
        ]),
      );
      const run = await runDist(inputs, { KIE_API_KEY: env.KIE_API_KEY });
      expect(run.stderr, step.id).toBe('');
      expect(run.exitCode, `${step.id}: ${run.log}`).toBe(0);
      outputs[step.id!] = run.outputs;
    }
    expect(Object.keys(outputs)).toEqual(['wait', 'create']);
    expect(outputs.wait).toMatchObject({ taskId: 'sim-image', state: 'success' });
    expect(JSON.parse(outputs.wait!.files!)).toHaveLength(2);
    expect(outputs.create).toMatchObject({ taskId: 'sim-created', state: 'success' });
    const created = JSON.parse(outputs.create!.files!) as string[];
    expect(created.map((file) => path.basename(file))).toEqual(['created.png']);
  }, 30_000);
});
