import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { releaseNotes } from '../scripts/changelog.js';
import { REPO_ROOT } from './support/action.js';

const CHANGELOG = `# Changelog

Intro text.

## [Unreleased]

### Added

- Something new.

## [1.1.0] - 2026-12-24

### Fixed

- A fix.
- Another, with a [link](https://example.com) and [1.0.0] in text.

## [1.0.0] - 2026-12-01

The first release.

[Unreleased]: https://github.com/o/r/compare/v1.1.0...HEAD
[1.1.0]: https://github.com/o/r/compare/v1.0.0...v1.1.0
[1.0.0]: https://github.com/o/r/releases/tag/v1.0.0
`;

describe('releaseNotes', () => {
  it("returns a version's section up to the next heading, without its own", () => {
    expect(releaseNotes(CHANGELOG, '1.1.0')).toBe(
      '### Fixed\n\n- A fix.\n- Another, with a [link](https://example.com) and [1.0.0] in text.',
    );
  });

  it('leaves the link definitions at the end of the file out of the last section', () => {
    expect(releaseNotes(CHANGELOG, '1.0.0')).toBe('The first release.');
  });

  it('reads headings without brackets or date, and Windows line ends', () => {
    expect(releaseNotes('## 2.0.0\r\n\r\n- Big.\r\n## 1.0.0\r\n- Old.\r\n', '2.0.0')).toBe(
      '- Big.',
    );
  });

  it('does not take a version for one it merely starts', () => {
    expect(() => releaseNotes('## [1.0.10]\n\n- Later.\n', '1.0.1')).toThrow(
      'CHANGELOG.md has no section for 1.0.1',
    );
  });

  it('fails on an empty section', () => {
    expect(() => releaseNotes('## [1.2.0]\n\n## [1.1.0]\n\n- x\n', '1.2.0')).toThrow(
      "CHANGELOG.md's section for 1.2.0 is empty",
    );
  });
});

it("has a section in the repository's CHANGELOG.md for the version package.json declares", () => {
  const { version } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
  const changelog = readFileSync(path.join(REPO_ROOT, 'CHANGELOG.md'), 'utf8');
  expect(releaseNotes(changelog, version)).toMatch(/\S/);
  expect(releaseNotes(changelog, 'Unreleased')).toMatch(/\S/);
});

it('prints the notes from the command line, as the release workflow runs it (v prefix allowed)', async () => {
  const run = (version: string) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', path.join(REPO_ROOT, 'scripts/changelog.ts'), version],
        // No tsx compile cache left in the temp folder.
        { cwd: REPO_ROOT, env: { ...process.env, TSX_DISABLE_CACHE: '1' } },
        (error, stdout, stderr) =>
          resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
      );
    });
  const ok = await run('v1.0.0');
  expect(ok.code).toBe(0);
  expect(ok.stdout).toContain('The first release.');
  const missing = await run('0.0.1');
  expect(missing.code).toBe(1);
  expect(missing.stderr.trim()).toBe('CHANGELOG.md has no section for 0.0.1');
});
