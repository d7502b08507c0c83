// A finished task's results on disk: downloaded media, transcript files, or result.json for data
// that has no files, so nothing a task produced is lost once its short-lived URLs expire.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TaskRecord, TaskResult } from '../kie/schema.js';
import type { Logger } from '../logger.js';
import { downloadAll } from './download.js';
import { buildTranscript, type Transcript } from './transcript.js';

export interface WrittenFile {
  path: string;
  bytes: number;
}

export interface TaskFiles {
  files: WrittenFile[];
  transcript?: Pick<Transcript, 'text' | 'language'>;
}

export interface WriteResultsOptions {
  record: TaskRecord;
  result: TaskResult;
  dir: string;
  maxDownloadBytes: number;
  logger: Logger;
}

/** The transcript of a speech-to-text result, without writing anything (for outputs alone). */
export function transcriptOf(record: TaskRecord, result: TaskResult): Transcript | undefined {
  const value = result.value as { resultObject?: unknown } | undefined;
  if (value?.resultObject === undefined) return undefined;
  return buildTranscript(value.resultObject, { diarize: requestedDiarization(record.param) });
}

/** Throws DownloadError (naming the URL) when a download fails. */
export async function writeResults(options: WriteResultsOptions): Promise<TaskFiles> {
  const { record, result, dir, logger } = options;
  const transcript = transcriptOf(record, result);
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
    return { files: downloads.map(({ path, bytes }) => ({ path, bytes })) };
  }
  // Data without files (e.g. {"character_id": ...}), or a result we could not read: keep it.
  if (result.raw.trim() !== '') {
    const text =
      result.value === undefined ? result.raw : `${JSON.stringify(result.value, null, 2)}\n`;
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

/** `param` is the createTask request as a JSON string, whose `input` may itself be a string. */
function requestedDiarization(param: string | null | undefined): boolean {
  try {
    const request = JSON.parse(param ?? '{}') as { input?: unknown };
    const input = typeof request.input === 'string' ? JSON.parse(request.input) : request.input;
    return (input as { diarize?: unknown } | undefined)?.diarize === true;
  } catch {
    return false;
  }
}
