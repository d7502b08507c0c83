// The release workflow's supply chain, read from release.yml (it cannot run outside GitHub): which
// job may write or sign, what is attested and how npm gets the package. And its dry run,
// `npm run release:dry-run`, which shows offline what those steps would attest and publish.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from './support/action.js';

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
}
interface Job {
  needs?: string | string[];
  permissions: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
}

const TARBALL = '${{ needs.build.outputs.tarball }}';
const needs = (job: Job) => [job.needs ?? []].flat();
const writers = (workflow: Workflow, permission: string) =>
  Object.entries(workflow.jobs)
    .filter(([, job]) => job.permissions[permission] === 'write')
    .map(([name]) => name);

describe('release.yml', () => {
  let workflow: Workflow;
  beforeAll(async () => {
    workflow = parse(
      await readFile(path.join(REPO_ROOT, '.github/workflows/release.yml'), 'utf8'),
    ) as Workflow;
  });
  const stepOf = (job: string, test: (step: Step) => boolean) => {
    const step = workflow.jobs[job]!.steps.find(test);
    expect(step, job).toBeDefined();
    return step!;
  };

  it('grants nothing at the top; each job its own permissions, writes only where needed', () => {
    expect(workflow.permissions).toEqual({});
    for (const job of Object.values(workflow.jobs)) expect(job.permissions).toBeDefined();
    expect(writers(workflow, 'contents')).toEqual(['release']);
    expect(writers(workflow, 'id-token')).toEqual(['attest', 'npm']);
    expect(writers(workflow, 'attestations')).toEqual(['attest']);
    expect(Object.keys(workflow.jobs.build!.permissions)).toEqual(['contents']);
  });

  it('attests the dist/ bundle and the npm tarball the build job packed', () => {
    const attest = stepOf('attest', (step) =>
      /^actions\/attest-build-provenance@/.test(step.uses ?? ''),
    );
    expect(attest.uses).toMatch(/@[0-9a-f]{40}$/);
    const subjects = attest.with!['subject-path']!.trim().split('\n');
    expect(subjects).toEqual(['dist/*.js', 'dist/cli/*.js', `release/${TARBALL}`]);
    expect(needs(workflow.jobs.attest!)).toEqual(['build']);
  });

  it('publishes that same tarball with npm provenance, after it is attested', () => {
    const publish = stepOf('npm', (step) => /\bnpm publish\b/.test(step.run ?? ''));
    expect(publish.run).toMatch(/^npm publish "\$TARBALL" .*--provenance\b/);
    expect(publish.env!.TARBALL).toBe(`release/${TARBALL}`);
    expect(publish.env!.NODE_AUTH_TOKEN).toBe('${{ secrets.NPM_TOKEN }}');
    expect(needs(workflow.jobs.npm!)).toEqual(expect.arrayContaining(['build', 'attest']));
    // No npm install, no build: nothing runs in the job that holds the token but npm publish.
    const runs = workflow.jobs.npm!.steps.filter((step) => step.run).map((step) => step.run);
    expect(runs).toEqual([publish.run]);
  });

  it('tags and releases only after npm has the package', () => {
    expect(needs(workflow.jobs.release!)).toEqual(expect.arrayContaining(['npm']));
    const tag = stepOf('release', (step) => /gh release create/.test(step.run ?? ''));
    expect(tag.run).toContain(
      'gh release create "v$VERSION" "$TARBALL" provenance/*.sigstore.json',
    );
    // The attestation bundle the attest job kept is what the release attaches.
    const kept = stepOf('attest', (step) => /\.sigstore\.json/.test(step.run ?? ''));
    expect(kept.env!.BUNDLE).toBe('${{ steps.attest.outputs.bundle-path }}');
    expect(needs(workflow.jobs.release!)).toEqual(expect.arrayContaining(['attest']));
  });
});

describe('npm run release:dry-run', () => {
  let printed: string;
  beforeAll(async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [path.join(REPO_ROOT, 'scripts/release-dry-run.mjs')],
      { cwd: REPO_ROOT },
    );
    printed = stdout;
  }, 60_000);

  it("lists each attested file's SHA-256, the tarball's included", async () => {
    for (const file of ['dist/index.js', 'dist/cli/index.js']) {
      const digest = createHash('sha256')
        .update(await readFile(path.join(REPO_ROOT, file)))
        .digest('hex');
      expect(printed).toContain(`  ${digest}  ${file} (`);
    }
    const { version } = JSON.parse(
      await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8'),
    ) as { version: string };
    expect(printed).toMatch(
      new RegExp(`^  [0-9a-f]{64}  kie-task-action-${version}\\.tgz \\(`, 'm'),
    );
    expect(printed).toMatch(
      new RegExp(`^\\+ kie-task-action@${version.replace(/\./g, '\\.')}$`, 'm'),
    );
    expect(printed).toContain('--provenance --access public');
  });
});
