// test/fixtures/*.json are the documented recordInfo responses of the seeds, kept in the repo so the
// suite runs anywhere; where the seeds sit beside the checkout (as in CI), they must still agree.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { REPO_ROOT } from './support/action.js';

const SEEDS = path.resolve(REPO_ROOT, '../shared/seeds');
const FIXTURES: Record<string, string> = {
  '000_0aa4e68a11e987a1.txt': 'video',
  '001_2417b322aa8f0498.txt': 'image',
  '002_18766233d8073127.txt': 'speech-to-text',
};

it('keeps the fixtures equal to the seeds where the seeds are present', () => {
  const compared = Object.entries(FIXTURES).filter(([seed]) => existsSync(path.join(SEEDS, seed)));
  for (const [seed, fixture] of compared) {
    const text = readFileSync(path.join(SEEDS, seed), 'utf8');
    const example = /^Response Example\n([\s\S]*?)\nResponse Fields$/m.exec(text)?.[1];
    const stored = readFileSync(path.join(REPO_ROOT, 'test/fixtures', `${fixture}.json`), 'utf8');
    expect(JSON.parse(stored), fixture).toEqual(JSON.parse(example!));
  }
  // Every fixture must at least parse where the seeds are absent.
  for (const fixture of Object.values(FIXTURES)) {
    expect(
      JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/fixtures', `${fixture}.json`), 'utf8'))
        .code,
    ).toBe(200);
  }
});
