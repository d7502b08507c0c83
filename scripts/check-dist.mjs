// Rebuilds dist/ and fails if it differs from the commit. A runner runs the committed dist/, not
// src/, so a bundle that was not rebuilt would ship old code. The rebuild is in place: on failure
// dist/ holds what should be committed.
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');

execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });

// Untracked files count too: a new chunk the bundle needs would be missing from the commit.
const changes = execFileSync('git', ['status', '--porcelain', '--', 'dist'], {
  cwd: ROOT,
  encoding: 'utf8',
});
if (changes.trim() !== '') {
  console.error(changes.trimEnd());
  execFileSync('git', ['--no-pager', 'diff', '--stat', '--', 'dist'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  console.error('dist/ is stale: run npm run build and commit dist/');
  process.exitCode = 1;
} else {
  console.log('dist/ is current.');
}
