// Writes dist/licenses.txt: the license of every package the bundles may hold, found from the
// packages src/ imports through their dependencies in the lockfile. (They are all devDependencies:
// ncc bundles them, so the published package has no dependencies.) ncc's own --license writes one
// file per chunk under the same name, so with the lazily loaded artifact chunk the last chunk won
// and the main bundle's packages went unlisted.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));

/** The package names src/ imports (`@scope/name` or `name`, without a subpath). */
function importedPackages() {
  const names = new Set();
  const src = path.join(ROOT, 'src');
  for (const file of readdirSync(src, { recursive: true })) {
    if (!file.endsWith('.ts')) continue;
    const code = readFileSync(path.join(src, file), 'utf8');
    for (const [, specifier] of code.matchAll(/(?:from|import\()\s*'([^.'][^']*)'/g)) {
      if (specifier.startsWith('node:')) continue;
      const parts = specifier.split('/');
      names.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
    }
  }
  return names;
}

/** The lockfile location Node's lookup finds `name` at from the package at `from`. */
function locate(from, name) {
  for (let dir = from; ; dir = dir.slice(0, Math.max(0, dir.lastIndexOf('/node_modules/')))) {
    const location = `${dir ? `${dir}/` : ''}node_modules/${name}`;
    if (lock.packages[location]) return location;
    if (!dir) return undefined;
  }
}

const bundled = new Set();
const pending = [...importedPackages()].map((name) => locate('', name));
while (pending.length > 0) {
  const location = pending.pop();
  if (location === undefined || bundled.has(location)) continue;
  bundled.add(location);
  const {
    dependencies = {},
    optionalDependencies = {},
    peerDependencies = {},
  } = lock.packages[location];
  for (const name of Object.keys({
    ...dependencies,
    ...optionalDependencies,
    ...peerDependencies,
  })) {
    pending.push(locate(location, name));
  }
}

const notices = new Set();
for (const location of bundled) {
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
