// The CHANGELOG.md section of one version, which the release workflow publishes as the release's
// notes:  tsx scripts/changelog.ts 1.2.0 > notes.md
// A missing or empty section fails, so a release cannot go out without its notes.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** The body of the `## [version]` section (Keep a Changelog), without its heading. */
export function releaseNotes(changelog: string, version: string): string {
  const lines = changelog.split(/\r?\n/);
  const heading = (line: string) => /^## \[?([^\]\s]+)\]?(\s|$)/.exec(line)?.[1];
  const start = lines.findIndex((line) => heading(line) === version);
  if (start === -1) throw new Error(`CHANGELOG.md has no section for ${version}`);
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => heading(line) !== undefined);
  const body = (end === -1 ? rest : rest.slice(0, end))
    // The link definitions at the end of the file belong to every section, not to the last one.
    .filter((line) => !/^\[[^\]]+\]:\s/.test(line))
    .join('\n')
    .trim();
  if (body === '') throw new Error(`CHANGELOG.md's section for ${version} is empty`);
  return body;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const version = process.argv[2]?.replace(/^v/, '');
  if (!version) {
    console.error('usage: tsx scripts/changelog.ts <version>');
    process.exit(2);
  }
  try {
    const file = path.resolve(import.meta.dirname, '../CHANGELOG.md');
    console.log(releaseNotes(readFileSync(file, 'utf8'), version));
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
