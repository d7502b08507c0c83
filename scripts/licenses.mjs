// Writes dist/licenses.txt: the license of every runtime package in the lockfile, a superset of
// what the bundles hold. ncc's own --license writes one file per chunk under the same name, so with
// the lazily loaded artifact chunk the last chunk won and the main bundle's packages went unlisted.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));

const notices = new Set();
for (const [location, entry] of Object.entries(lock.packages)) {
  if (location === '' || entry.dev) continue;
  const dir = path.join(ROOT, location);
  if (!existsSync(path.join(dir, 'package.json'))) continue; // optional, for another platform
  const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const file = readdirSync(dir)
    .sort()
    .find((name) => /^(licen[cs]e|copying)(\.|-|$)/i.test(name));
  const text = file ? readFileSync(path.join(dir, file), 'utf8').replace(/\r\n/g, '\n').trim() : '';
  const license = typeof manifest.license === 'string' ? manifest.license : 'see its package';
  notices.add(`${manifest.name}\n${license}\n${text}`.trim());
}

const sorted = [...notices].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
writeFileSync(path.join(ROOT, 'dist', 'licenses.txt'), `${sorted.join('\n\n')}\n`);
console.log(`dist/licenses.txt: ${sorted.length} packages`);
