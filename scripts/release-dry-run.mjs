// `npm run release:dry-run`: what the release workflow would attest and publish, shown offline.
// It reads the steps from .github/workflows/release.yml, so it shows what the workflow says: packs
// the package as the build job does, expands the attest job's subject-path over this checkout and
// that tarball, prints each subject's SHA-256 (the digest an attestation signs), and runs the npm
// job's publish command with --dry-run --offline (npm skips provenance on a dry run: it needs the
// runner's OIDC token).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..');
const TARBALL_OUTPUT = '${{ needs.build.outputs.tarball }}';

const workflow = parse(await readFile(path.join(ROOT, '.github/workflows/release.yml'), 'utf8'));
const steps = Object.values(workflow.jobs).flatMap((job) => job.steps ?? []);
const attest = steps.find((step) => step.uses?.startsWith('actions/attest-build-provenance@'));
const publish = steps.find((step) => /\bnpm publish\b/.test(step.run ?? ''));
if (!attest || !publish) throw new Error('release.yml has no attest step or no npm publish step');
const publishArgs = /npm publish "\$TARBALL" (.+)$/m.exec(publish.run)?.[1]?.split(/\s+/);
if (!publishArgs) throw new Error(`release.yml publishes something else: ${publish.run}`);

/** The files a subject-path line names: a path, or a `*` in its last part. */
async function expand(pattern) {
  if (!pattern.includes('*')) return [pattern];
  const dir = path.dirname(pattern);
  const name = new RegExp(`^${path.basename(pattern).split('*').map(escape).join('[^/]*')}$`);
  const entries = await readdir(path.resolve(ROOT, dir)).catch(() => []);
  return entries
    .filter((entry) => name.test(entry))
    .sort()
    .map((entry) => path.join(dir, entry));
}
function escape(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const scratch = await mkdtemp(path.join(tmpdir(), 'kie-release-'));
try {
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', scratch], {
    cwd: ROOT,
  });
  const [packed] = JSON.parse(stdout);
  const tarball = path.join(scratch, packed.filename);

  console.log(`Would attest (${attest.uses.split('@')[0]}), sha256 of each subject:`);
  const patterns = attest.with['subject-path']
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  for (const pattern of patterns) {
    const files = pattern.endsWith(TARBALL_OUTPUT) ? [tarball] : await expand(pattern);
    if (files.length === 0) throw new Error(`subject-path ${pattern} matches no file`);
    for (const file of files) {
      const bytes = await readFile(path.resolve(ROOT, file));
      const digest = createHash('sha256').update(bytes).digest('hex');
      const shown = file === tarball ? packed.filename : file;
      console.log(`  ${digest}  ${shown} (${bytes.length} bytes)`);
    }
  }

  console.log(
    `\nWould publish ${packed.id} (npm publish ${packed.filename} ${publishArgs.join(' ')}):`,
  );
  for (const file of packed.files) console.log(`  ${file.path} (${file.size} bytes)`);
  // --loglevel: `npm run -s` would otherwise silence the child npm too.
  const dryRun = await run(
    'npm',
    ['publish', tarball, ...publishArgs, '--dry-run', '--offline', '--loglevel', 'notice'],
    { cwd: scratch },
  );
  const said = `${dryRun.stdout}\n${dryRun.stderr}`;
  const published = said.match(/^\+ .+$/m)?.[0];
  if (!published) throw new Error(`npm publish --dry-run said:\n${said}`);
  console.log(
    `\nnpm publish --dry-run: ${said.match(/Publishing to .+$/m)?.[0] ?? ''}\n${published}`,
  );
} finally {
  await rm(scratch, { recursive: true, force: true });
}
