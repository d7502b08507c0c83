// Where each task's results go on disk.
import { createHash } from 'node:crypto';
import path from 'node:path';

interface Locations {
  /** The download-dir input, resolved; undefined for the default. */
  downloadDir?: string;
  /** GITHUB_WORKSPACE, home of the default download-dir. */
  workspace: string;
}

export function baseDir(settings: Locations): string {
  return settings.downloadDir ?? path.join(settings.workspace, 'kie-results');
}

/** One task: download-dir itself (default kie-results/<id>); several: download-dir/<id> each. */
export function resultsDir(settings: Locations, taskId: string, many: boolean): string {
  if (settings.downloadDir && !many) return settings.downloadDir;
  return path.join(baseDir(settings), safeSegment(taskId));
}

/**
 * A task id as one directory name. Ids are opaque and may hold anything; an id that had to be
 * changed gets a hash of itself, so `a/b` and `a:b` never share a directory.
 */
function safeSegment(taskId: string): string {
  const safe = taskId
    .replace(/[^\w.-]+/g, '_')
    .replace(/^\.+/, '_')
    .slice(0, 100);
  if (safe === taskId) return safe;
  return `${safe}-${createHash('sha256').update(taskId).digest('hex').slice(0, 8)}`;
}
