// A finished task's results on disk: downloaded media, transcript files, or result.json for data
// that has no files, so nothing a task produced is lost once its short-lived URLs expire.
import { faithfulJson } from '../kie/json-text.js';
import type { TaskRecord, TaskResult } from '../kie/schema.js';
import type { Logger } from '../logger.js';
import { downloadAll, type DownloadOptions } from './download.js';
import { writeTextFiles, type WrittenFile } from './files.js';
import { buildTranscript, type Transcript } from './transcript.js';

export { DownloadDirError, prepareDownloadDir, type WrittenFile } from './files.js';
export { DownloadError } from './download.js';
export { DownloadPool } from './pool.js';

/** How a task's downloads are run: the step's pool, deadline and cancellation. */
export type DownloadControls = Pick<
  DownloadOptions,
  | 'pool'
  | 'timeoutMs'
  | 'timeoutName'
  | 'maxBytesName'
  | 'signal'
  | 'refreshUrl'
  | 'root'
  | 'addresses'
>;

export interface TaskFiles {
  files: WrittenFile[];
  transcript?: Pick<Transcript, 'text' | 'language'>;
}

export interface WriteResultsOptions {
  result: TaskResult;
  /** The task's transcript, when it is a speech-to-text result (see transcriptOf). */
  transcript?: Transcript;
  dir: string;
  maxDownloadBytes: number;
  downloads?: DownloadControls;
  logger: Logger;
}

/** The transcript of a speech-to-text result, without writing anything (for outputs alone). */
export function transcriptOf(record: TaskRecord, result: TaskResult): Transcript | undefined {
  const value = result.value as { resultObject?: unknown } | undefined;
  if (value?.resultObject === undefined) return undefined;
  try {
    return buildTranscript(value.resultObject, { diarize: requestedDiarization(record.param) });
  } catch {
    return undefined; // nested deeper than JSON.stringify can go: kept raw in resultJson instead
  }
}

/** Throws DownloadError (naming the URL) when a download fails. */
export async function writeResults(options: WriteResultsOptions): Promise<TaskFiles> {
  const { result, transcript, dir, logger } = options;
  if (transcript) {
    const files = await writeTextFiles(dir, transcript.files, options.downloads?.root);
    logger.info(`Wrote the transcript to ${dir}.`);
    return { files, transcript: { text: transcript.text, language: transcript.language } };
  }
  if (result.resultUrls.length > 0) {
    const downloads = await downloadAll({
      urls: result.resultUrls,
      dir,
      maxBytes: options.maxDownloadBytes,
      ...options.downloads,
      logger,
    });
    return { files: downloads };
  }
  // Data without files (e.g. {"character_id": ...}), or a result we could not read: keep it.
  if (result.raw.trim() !== '') {
    const pretty =
      result.value === undefined ? undefined : faithfulJson(result.value, result.raw, 2);
    const text = pretty === undefined ? result.raw : `${pretty}\n`;
    return { files: await writeTextFiles(dir, { 'result.json': text }, options.downloads?.root) };
  }
  return { files: [] };
}

/** `param` is the createTask request as a JSON string (its `input` may be one too). */
function requestedDiarization(param: unknown): boolean {
  const parsed = (value: unknown) => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return undefined;
    }
  };
  const input = (parsed(param) as { input?: unknown } | undefined)?.input;
  return (parsed(input) as { diarize?: unknown } | undefined)?.diarize === true;
}
