// A finished task's results on disk: downloaded media, transcript files, or result.json for data
// that has no files, so nothing a task produced is lost once its short-lived URLs expire.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { safeStringify, type TaskRecord, type TaskResult } from '../kie/schema.js';
import type { Logger } from '../logger.js';
import { downloadAll } from './download.js';
import { buildTranscript, type Transcript } from './transcript.js';

export interface WrittenFile {
  path: string;
  bytes: number;
  /** For a download: the result URL it came from, and the Content-Type it was served with. */
  url?: string;
  contentType?: string;
}

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
    const files = await writeTextFiles(dir, transcript.files);
    logger.info(`Wrote the transcript to ${dir}.`);
    return { files, transcript: { text: transcript.text, language: transcript.language } };
  }
  if (result.resultUrls.length > 0) {
    const downloads = await downloadAll({
      urls: result.resultUrls,
      dir,
      maxBytes: options.maxDownloadBytes,
      logger,
    });
    return { files: downloads };
  }
  // Data without files (e.g. {"character_id": ...}), or a result we could not read: keep it.
  if (result.raw.trim() !== '') {
    const pretty = result.value === undefined ? undefined : safeStringify(result.value, 2);
    const text = pretty === undefined ? result.raw : `${pretty}\n`;
    return { files: await writeTextFiles(dir, { 'result.json': text }) };
  }
  return { files: [] };
}

async function writeTextFiles(
  dir: string,
  contents: Record<string, string>,
): Promise<WrittenFile[]> {
  await mkdir(dir, { recursive: true });
  return Promise.all(
    Object.entries(contents).map(async ([name, text]) => {
      const file = path.join(dir, name);
      await writeFile(file, text);
      return { path: file, bytes: Buffer.byteLength(text) };
    }),
  );
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
