// One attempt at one download: a GET following redirects one hop at a time, the body streamed
// (with backpressure) into a hidden temporary file that is renamed into place once complete.
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '../logger.js';
import { AddressRefused, type AddressPolicy } from '../net/address-policy.js';
import { formatDuration, formatSize } from '../settings/units.js';
import { tempPath } from './files.js';
import { ConnectionError, requestMedia } from './media-request.js';
import { finalName, pathInside, type ClaimedName } from './naming.js';

export interface DownloadedFile {
  url: string;
  path: string;
  bytes: number;
  contentType?: string;
}

/** The download an attempt is for: its URL as given, and the name claimed for it. */
export interface Attempt {
  url: URL;
  name: ClaimedName;
}

export interface AttemptContext {
  /** Resolved. */
  dir: string;
  maxBytes: number;
  /** How messages call that limit, if they should. */
  maxBytesName?: string;
  idleTimeoutMs: number;
  /** Which hosts may be connected to, checked on every request and redirect hop. */
  addresses: AddressPolicy;
  logger: Logger;
  /** Aborts the attempt from outside: it then rejects with the signal's reason. */
  signal: AbortSignal;
}

/** A failure of one attempt; transient ones are retried. */
export class Failure extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
    /** The HTTP status that failed it, if one did. */
    readonly status?: number,
  ) {
    super(message);
  }
}

const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
// The file stream gathers what arrives while a write is under way into one writev of up to this.
const WRITE_BUFFER_BYTES = 1024 * 1024;

/** Downloads `url` (the job's own, or a fresh link for it) to the job's name. */
export async function downloadOnce(
  job: Attempt,
  url: URL,
  context: AttemptContext,
): Promise<DownloadedFile> {
  const { idleTimeoutMs } = context;
  // One timer for the attempt, from the request to the head and then between chunks of the body.
  const attempt = new AbortController();
  const idle = setTimeout(
    () => attempt.abort(new ConnectionError(`no data for ${formatDuration(idleTimeoutMs)}`)),
    idleTimeoutMs,
  );
  const signal = AbortSignal.any([context.signal, attempt.signal]);
  try {
    const response = await get(job, url, context, signal, () => idle.refresh());
    try {
      return await save(job, response, context, signal, () => idle.refresh());
    } finally {
      response.destroy(); // a no-op once the body is read
    }
  } finally {
    clearTimeout(idle);
  }
}

/** Streams the body to a hidden temporary file, then renames it into place. */
async function save(
  job: Attempt,
  response: IncomingMessage,
  context: AttemptContext,
  signal: AbortSignal,
  alive: () => void,
): Promise<DownloadedFile> {
  const { dir, maxBytes } = context;
  const limit = `the ${formatSize(maxBytes)} limit${context.maxBytesName ? ` (${context.maxBytesName})` : ''}`;
  const contentLength = parseContentLength(response.headers['content-length']);
  if (contentLength !== undefined && contentLength > maxBytes) {
    throw new Failure(`${formatSize(contentLength)} is over ${limit}`, false);
  }
  const contentType = response.headers['content-type'];
  const name = finalName(job.name, contentType);
  const finalPath = pathInside(dir, name);
  const partPath = tempPath(dir, name);
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      alive();
      bytes += chunk.length;
      if (bytes > maxBytes) done(new Failure(`over ${limit}`, false));
      else done(null, chunk);
    },
  });
  // 'wx': a file created here and now, never one (or a link) that was already there.
  const out = createWriteStream(partPath, { flags: 'wx', highWaterMark: WRITE_BUFFER_BYTES });
  let writeError: Error | undefined;
  // pipeline passes a failure of the body on to the file stream too: only its own errors count.
  out.once('error', (error) => {
    if (!response.destroyed && !counter.destroyed) writeError = error;
  });
  try {
    await pipeline(response, counter, out);
  } catch (error) {
    if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()));
    await rm(partPath, { force: true });
    if (error instanceof Failure || context.signal.aborted) throw error;
    // Named as the user knows it, not by its hidden temporary name; a full disk is not retried.
    if (writeError)
      throw new Failure(`could not write ${name} in ${dir}: ${writeError.message}`, false);
    const reason = signal.aborted ? (signal.reason as Error).message : (error as Error).message;
    const received = contentLength === undefined ? `${bytes}` : `${bytes} of ${contentLength}`;
    throw new Failure(`connection lost after ${received} bytes (${reason})`, true);
  }
  try {
    await rename(partPath, finalPath);
  } catch (error) {
    await rm(partPath, { force: true });
    throw new Failure(`could not write ${name} in ${dir}: ${(error as Error).message}`, false);
  }
  return { url: job.url.href, path: finalPath, bytes, contentType };
}

/** GET following up to MAX_REDIRECTS redirects; resolves with a 2xx response, body unread. */
async function get(
  job: Attempt,
  start: URL,
  context: AttemptContext,
  signal: AbortSignal,
  alive: () => void,
): Promise<IncomingMessage> {
  let url = start;
  for (let redirects = 0; ; redirects++) {
    let response: IncomingMessage;
    try {
      response = await requestMedia(url, signal, context.addresses);
    } catch (error) {
      if (context.signal.aborted) throw error;
      if (error instanceof AddressRefused) {
        // A redirect or a fresh link is named: the URL the user sees is the task's own.
        const which = url.href === job.url.href ? '' : `refused ${url.href}: `;
        throw new Failure(`${which}${error.message}`, false);
      }
      const reason = error instanceof Error ? error.message : String(error);
      throw new Failure(reason, !(error instanceof ConnectionError) || error.retryable);
    }
    alive();
    const status = response.statusCode ?? 0;
    if (status >= 200 && status < 300) return response;
    response.destroy();
    const location = response.headers.location;
    if (!REDIRECT_STATUSES.has(status) || location === undefined) {
      const transient = status >= 500 || status === 408 || status === 429;
      throw new Failure(`HTTP ${status} ${STATUS_CODES[status] ?? ''}`.trim(), transient, status);
    }
    if (redirects === MAX_REDIRECTS) {
      throw new Failure(`more than ${MAX_REDIRECTS} redirects`, false);
    }
    // Followed here, one hop at a time, so each is checked.
    url = redirectTarget(url, location);
    context.logger.debug(`Redirected to ${url.href}`);
  }
}

function redirectTarget(from: URL, location: string): URL {
  let to: URL;
  try {
    to = new URL(location, from);
  } catch {
    throw new Failure(`redirected to an invalid URL: ${location}`, false);
  }
  if (to.protocol !== 'http:' && to.protocol !== 'https:') {
    throw new Failure(`redirected to an unsupported URL: ${to.href}`, false);
  }
  if (from.protocol === 'https:' && to.protocol === 'http:') {
    throw new Failure(`refusing to follow a redirect from https to http: ${to.href}`, false);
  }
  return to;
}

function parseContentLength(header: string | undefined): number | undefined {
  const length = Number(header);
  return header !== undefined && Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}
