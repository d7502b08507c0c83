// The results folder on disk: checked before the wait, and written to only through hidden temporary
// files created exclusively (so never through a symlink) and renamed into place once complete.
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { NameRegistry, pathInside } from './naming.js';

/** A results folder that cannot be used; the message names the folder, never an errno. */
export class DownloadDirError extends Error {
  constructor(
    readonly dir: string,
    readonly reason: string,
  ) {
    super(`${dir} cannot hold the results: ${reason}.`);
    this.name = 'DownloadDirError';
  }
}

/**
 * Creates `dir` and proves it writable by creating and removing a file in it, so a bad folder fails
 * before a long wait rather than after it. Throws DownloadDirError.
 */
export async function prepareDownloadDir(dir: string): Promise<void> {
  try {
    await makeDirectory(path.resolve(dir));
    const probe = tempPath(path.resolve(dir), 'write-check');
    await (await open(probe, 'wx')).close();
    await rm(probe);
  } catch (error) {
    throw new DownloadDirError(dir, describeFsError(error));
  }
}

/**
 * `mkdir -p`, but one level at a time: Node's recursive mkdir retries for ever where a parent
 * exists and yet ENOENT comes back (under /proc, for one).
 */
export async function makeDirectory(dir: string, parentMade = false): Promise<void> {
  try {
    await mkdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && (await stat(dir)).isDirectory()) return;
    const parent = path.dirname(dir);
    if (code !== 'ENOENT' || parentMade || parent === dir) throw error;
    await makeDirectory(parent);
    await makeDirectory(dir, true);
  }
}

/**
 * Creates `dir`, at or below `root` (download-dir), one level at a time. A folder below the root
 * that is a symbolic link (planted in the workspace, or left by an earlier step) is refused before
 * anything is made or written through it; download-dir itself is the user's choice, link or not.
 */
export async function makeResultsFolder(dir: string, root = dir): Promise<void> {
  await makeDirectory(root);
  const below = path.relative(root, dir);
  if (below === '' || below.startsWith('..') || path.isAbsolute(below)) return makeDirectory(dir);
  let current = root;
  for (const part of below.split(path.sep)) {
    current = path.join(current, part);
    const found = await lstat(current).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
      return undefined;
    });
    if (found?.isSymbolicLink()) {
      throw new Error(
        `Refusing to write through the symbolic link ${current} in the results folder.`,
      );
    }
    if (!found) await makeDirectory(current);
  }
}

/** What went wrong with a folder, in words: errno codes mean little to most readers. */
function describeFsError(error: unknown): string {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ENOTDIR':
    case 'EEXIST':
      return 'a file (not a folder) is in the way';
    case 'EACCES':
    case 'EPERM':
      return 'no permission to write there';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
    case 'EDQUOT':
      return 'the disk is full';
    case 'ENAMETOOLONG':
      return 'the path is too long';
    case 'ENOENT':
      return 'a folder cannot be created there';
    default:
      return 'it cannot be created or written to';
  }
}

/** A hidden name next to the final one; `.part` marks it as unfinished. */
export function tempPath(dir: string, name: string): string {
  return pathInside(dir, `.${name}.${randomBytes(4).toString('hex')}.part`);
}

export interface WrittenFile {
  path: string;
  bytes: number;
  /** For a download: the result URL it came from, and the Content-Type it was served with. */
  url?: string;
  contentType?: string;
}

/**
 * Writes each text under its name in `dir`, or the next free one (`transcript-2.txt`) when that name
 * is taken: a file or link already there is never written through or replaced. `root`: see
 * makeResultsFolder.
 */
export async function writeTextFiles(
  dir: string,
  contents: Record<string, string>,
  root?: string,
): Promise<WrittenFile[]> {
  const resolved = path.resolve(dir);
  await makeResultsFolder(resolved, root && path.resolve(root));
  const names = new NameRegistry(await readdir(resolved));
  const claimed = Object.entries(contents).map(([name, text]) => ({
    name: names.claim(name).base,
    text,
  }));
  return Promise.all(
    claimed.map(async ({ name, text }) => {
      const final = pathInside(resolved, name);
      const temp = tempPath(resolved, name);
      try {
        // 'wx' is O_CREAT | O_EXCL: it fails on anything already there, a symlink included.
        const file = await open(temp, 'wx');
        try {
          await file.writeFile(text);
        } finally {
          await file.close();
        }
        await rename(temp, final);
      } catch (error) {
        await rm(temp, { force: true });
        throw new Error(`Could not write ${final}: ${(error as Error).message}`);
      }
      return { path: final, bytes: Buffer.byteLength(text) };
    }),
  );
}
