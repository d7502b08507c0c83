import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { VERSION } from '../src/version.js';
import { REPO_ROOT } from './support/action.js';

it('sends the version package.json declares', () => {
  const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
  expect(VERSION).toBe(pkg.version);
});
