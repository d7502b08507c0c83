// The results folder: checked before the wait, and text files written without following or
// replacing anything that was already there.
import {
  lstat,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DownloadDirError, prepareDownloadDir, writeTextFiles } from '../src/results/files.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'kie-files-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function refusal(folder: string): Promise<DownloadDirError> {
  const error = await prepareDownloadDir(folder).then(
    () => expect.fail(`expected ${folder} to be refused`),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DownloadDirError);
  return error as DownloadDirError;
}

describe('prepareDownloadDir', () => {
  it('creates nested folders and leaves nothing in them', async () => {
    const nested = path.join(dir, 'a', 'b', 'c');
    await prepareDownloadDir(nested);
    expect(await readdir(nested)).toEqual([]);
    await prepareDownloadDir(nested); // and is content with one that is there
  });

  it.each([
    ['a file where the folder should be', 'file.txt', 'a file (not a folder) is in the way'],
    ['a file where a parent should be', 'file.txt/results', 'a file (not a folder) is in the way'],
  ])('refuses %s, in words (no errno codes)', async (_, relative, reason) => {
    await writeFile(path.join(dir, 'file.txt'), 'x');
    const folder = path.join(dir, relative);

    const error = await refusal(folder);

    expect(error.message).toBe(`${folder} cannot hold the results: ${reason}.`);
  });

  it.each([
    ['/sys/nope', 'no permission to write there'],
    [`/tmp/${'x'.repeat(300)}`, 'the path is too long'],
  ])('says in words why %s cannot be made', async (folder, reason) => {
    const error = await refusal(folder);
    expect(error.reason).toBe(reason);
  });

  // Node's own recursive mkdir never returns for these.
  it.each(['/proc/nope', '/proc/self/nope/deeper'])(
    'fails at once under /proc: %s',
    async (folder) => {
      const error = await refusal(folder);
      expect(error.message).toBe(
        `${folder} cannot hold the results: a folder cannot be created there.`,
      );
    },
  );
});

describe('writeTextFiles', () => {
  it('writes each file whole, leaving no temporary files', async () => {
    const files = await writeTextFiles(dir, { 'transcript.txt': 'hello', 'transcript.srt': '1\n' });

    expect(files).toEqual([
      { path: path.join(dir, 'transcript.txt'), bytes: 5 },
      { path: path.join(dir, 'transcript.srt'), bytes: 2 },
    ]);
    expect((await readdir(dir)).sort()).toEqual(['transcript.srt', 'transcript.txt']);
  });

  it('neither writes through a planted symlink nor replaces it', async () => {
    const target = path.join(dir, 'precious.txt');
    await writeFile(target, 'keep me');
    await symlink(target, path.join(dir, 'transcript.txt'));
    await writeFile(path.join(dir, 'result.json'), 'an earlier run');

    const files = await writeTextFiles(dir, { 'transcript.txt': 'new text', 'result.json': '{}' });

    expect(files.map((file) => path.basename(file.path))).toEqual([
      'transcript-2.txt',
      'result-2.json',
    ]);
    expect(await readFile(target, 'utf8')).toBe('keep me');
    expect((await lstat(path.join(dir, 'transcript.txt'))).isSymbolicLink()).toBe(true);
    expect(await readlink(path.join(dir, 'transcript.txt'))).toBe(target);
    expect(await readFile(path.join(dir, 'result.json'), 'utf8')).toBe('an earlier run');
    expect(await readFile(path.join(dir, 'transcript-2.txt'), 'utf8')).toBe('new text');
  });
});
