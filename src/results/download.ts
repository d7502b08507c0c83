// Downloads a task's result URLs to disk: streamed with backpressure, size-capped, retried when the
// failure is transient, through the step's one download pool and within one deadline.
import { open, readdir, rename, rm } from 'node:fs/promises';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger.js';
import { formatDuration, formatSize } from '../units.js';
import { makeDirectory, tempPath } from './files.js';
import { ConnectionError, requestMedia } from './media-request.js';
import { fileNameFor, finalName, NameRegistry, pathInside, type ClaimedName } from './naming.js';
import { DownloadPool } from './pool.js';

export interface DownloadedFile {
  url: string;
  path: string;
  bytes: number;
  contentType?: string;
}

export class DownloadError extends Error {
  constructor(
    readonly url: string,
    message: string,
  ) {
    super(message);
    this.name = 'DownloadError';
  }
}

export interface DownloadOptions {
  urls: string[];
  /** Created if missing. */
  dir: string;
  /** Per file. */
  maxBytes: number;
  /** The step's pool, shared by every task; default a pool of 4 for these URLs alone. */
  pool?: DownloadPool;
  /** For all these downloads together, waiting for the pool and retries included. */
  timeoutMs?: number;
  /** How messages call that timeout, e.g. `'download-timeout'`. */
  timeoutName?: string;
  /** Cancels: requests stop, partial files are removed, and downloadAll rejects with the reason. */
  signal?: AbortSignal;
  /**
   * Asked at most once per URL for a fresh link when a download answers 403, 404 or 410 (a signed
   * URL that expired); undefined keeps the failure.
   */
  refreshUrl?: (url: string) => Promise<string | undefined>;
  /** For network errors, 5xx, 408, 429 and truncated bodies (not for invalid ones); default 3. */
  retries?: number;
  /** First backoff, doubling after each retry; default 1000. */
  retryDelayMs?: number;
  /** A connection silent this long counts as a network error; default 60000. */
  idleTimeoutMs?: number;
  logger: Logger;
}

const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const EXPIRED_STATUSES = new Set([403, 404, 410]);
// The file stream gathers what arrives while a write is under way into one writev of up to this.
const WRITE_BUFFER_BYTES = 1024 * 1024;

interface Job {
  url: URL;
  name: ClaimedName;
  started: boolean;
}

interface Context {
  dir: string;
  maxBytes: number;
  retries: number;
  retryDelayMs: number;
  idleTimeoutMs: number;
  refreshUrl?: DownloadOptions['refreshUrl'];
  logger: Logger;
  /** Aborts on cancellation, the deadline, or another download's failure. */
  signal: AbortSignal;
  deadline?: { signal: AbortSignal; ms: number; name: string };
}

/** A failure of one attempt; transient ones are retried. */
class Failure extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Results in URL order. The first failure aborts the downloads in flight and rejects. */
export async function downloadAll(options: DownloadOptions): Promise<DownloadedFile[]> {
  const dir = path.resolve(options.dir);
  const urls = options.urls.map(parseUrl);
  await makeDirectory(dir);
  // Claimed in URL order before any request, so names never collide and don't depend on timing.
  const names = new NameRegistry(await readdir(dir));
  const jobs: Job[] = urls.map((url) => ({
    url,
    name: names.claim(fileNameFor(url)),
    started: false,
  }));

  const failed = new AbortController();
  const deadline =
    options.timeoutMs === undefined
      ? undefined
      : {
          signal: AbortSignal.timeout(options.timeoutMs),
          ms: options.timeoutMs,
          name: options.timeoutName ?? 'the download timeout',
        };
  const signals = [failed.signal, deadline?.signal, options.signal];
  const context: Context = {
    dir,
    maxBytes: options.maxBytes,
    retries: options.retries ?? 3,
    retryDelayMs: options.retryDelayMs ?? 1_000,
    idleTimeoutMs: options.idleTimeoutMs ?? 60_000,
    refreshUrl: options.refreshUrl,
    logger: options.logger,
    signal: AbortSignal.any(signals.filter((signal) => signal !== undefined)),
    deadline,
  };
  const pool = options.pool ?? new DownloadPool();
  const failures: { job: Job; error: unknown }[] = [];
  const files = await Promise.all(
    jobs.map((job) =>
      pool
        .run(context.signal, () => {
          job.started = true;
          return downloadWithRetries(job, context);
        })
        .catch((error: unknown) => {
          failures.push({ job, error });
          failed.abort(); // the task's results are incomplete anyway: stop the others
          return undefined;
        }),
    ),
  );
  if (failures.length > 0) {
    if (options.signal?.aborted) throw options.signal.reason;
    // A download that ran failed first; the ones still queued only stopped because of it.
    const first = failures.find(({ job }) => job.started) ?? failures[0]!;
    if (first.error instanceof DownloadError) throw first.error;
    const url = first.job.url.href;
    throw new DownloadError(url, `Could not download ${url}: ${lateReason(context)}`);
  }
  return files as DownloadedFile[];
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new DownloadError(text, `Could not download ${text}: not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DownloadError(text, `Could not download ${text}: only http and https are supported`);
  }
  return url;
}

function lateReason({ deadline }: Context): string {
  return `not done when ${deadline!.name} (${formatDuration(deadline!.ms)}) ran out`;
}

async function downloadWithRetries(job: Job, context: Context): Promise<DownloadedFile> {
  const { logger, retries, retryDelayMs, signal } = context;
  const url = job.url.href;
  let current = job.url;
  let refreshed = false;
  const started = performance.now();
  logger.debug(`Downloading ${url}`);
  for (let attempt = 1; ; attempt++) {
    try {
      const file = await downloadOnce(job, current, context);
      const elapsed = formatDuration(performance.now() - started);
      logger.info(
        `Downloaded ${path.basename(file.path)} (${formatSize(file.bytes)} in ${elapsed})`,
      );
      return file;
    } catch (error) {
      if (signal.aborted) {
        if (context.deadline?.signal.aborted) {
          throw new DownloadError(url, `Could not download ${url}: ${lateReason(context)}`);
        }
        throw error;
      }
      const reason = error instanceof Error ? error.message : String(error);
      if (error instanceof Failure && EXPIRED_STATUSES.has(error.status!) && !refreshed) {
        refreshed = true;
        const fresh = await freshLink(url, reason, context);
        if (fresh) {
          current = fresh;
          attempt--; // a new link, not a retry of the old one
          continue;
        }
      }
      if (!(error instanceof Failure) || !error.transient || attempt > retries) {
        const attempts = attempt > 1 ? ` (after ${attempt} attempts)` : '';
        // After retries the step is failing for a reason a person should see once, as a warning.
        if (attempt > 1) logger.warning(`${url}: giving up after ${attempt} attempts: ${reason}`);
        throw new DownloadError(url, `Could not download ${url}: ${reason}${attempts}`);
      }
      const delay = retryDelayMs * 2 ** (attempt - 1);
      // Info, not a warning: a retry that works needs no one's attention.
      logger.info(
        `${url}: ${reason}; retrying in ${formatDuration(delay)} (attempt ${attempt + 1} of ${retries + 1})`,
      );
      await sleep(delay, undefined, { signal });
    }
  }
}

/** A fresh link for an expired one, if the caller can get one. */
async function freshLink(url: string, reason: string, context: Context): Promise<URL | undefined> {
  if (!context.refreshUrl) return undefined;
  context.logger.info(`${url}: ${reason}; asking for a fresh link.`);
  let fresh: string | undefined;
  try {
    fresh = await context.refreshUrl(url);
  } catch (error) {
    throw new DownloadError(
      url,
      `Could not download ${url}: ${reason}, and no fresh link: ${(error as Error).message}`,
    );
  }
  if (fresh === undefined) return undefined;
  try {
    return parseUrl(fresh);
  } catch {
    throw new DownloadError(url, `Could not download ${url}: the fresh link is no http(s) URL`);
  }
}

async function downloadOnce(job: Job, url: URL, context: Context): Promise<DownloadedFile> {
  const { idleTimeoutMs } = context;
  // One timer for the attempt, from the request to the head and then between chunks of the body.
  const attempt = new AbortController();
  const idle = setTimeout(
    () => attempt.abort(new ConnectionError(`no data for ${formatDuration(idleTimeoutMs)}`)),
    idleTimeoutMs,
  );
  const signal = AbortSignal.any([context.signal, attempt.signal]);
  try {
    const response = await get(url, context, signal, () => idle.refresh());
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
  job: Job,
  response: IncomingMessage,
  context: Context,
  signal: AbortSignal,
  alive: () => void,
): Promise<DownloadedFile> {
  const { dir, maxBytes } = context;
  const contentLength = parseContentLength(response.headers['content-length']);
  if (contentLength !== undefined && contentLength > maxBytes) {
    throw new Failure(
      `${formatSize(contentLength)} is over the ${formatSize(maxBytes)} limit`,
      false,
    );
  }
  const contentType = response.headers['content-type'];
  const name = finalName(job.name, contentType);
  const finalPath = pathInside(dir, name);
  const partPath = tempPath(dir, name);
  // 'wx': a file created here and now, never one (or a link) that was already there.
  const file = await open(partPath, 'wx').catch((error: Error) => {
    throw new Failure(`could not write ${partPath}: ${error.message}`, false);
  });
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      alive();
      bytes += chunk.length;
      if (bytes > maxBytes) done(new Failure(`over the ${formatSize(maxBytes)} limit`, false));
      else done(null, chunk);
    },
  });
  const out = file.createWriteStream({ highWaterMark: WRITE_BUFFER_BYTES });
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
    if (writeError) throw new Failure(`could not write ${partPath}: ${writeError.message}`, false);
    const reason = signal.aborted ? (signal.reason as Error).message : (error as Error).message;
    const received = contentLength === undefined ? `${bytes}` : `${bytes} of ${contentLength}`;
    throw new Failure(`connection lost after ${received} bytes (${reason})`, true);
  }
  try {
    await rename(partPath, finalPath);
  } catch (error) {
    await rm(partPath, { force: true });
    throw new Failure(`could not write ${finalPath}: ${(error as Error).message}`, false);
  }
  return { url: job.url.href, path: finalPath, bytes, contentType };
}

/** GET following up to MAX_REDIRECTS redirects; resolves with a 2xx response, body unread. */
async function get(
  start: URL,
  context: Context,
  signal: AbortSignal,
  alive: () => void,
): Promise<IncomingMessage> {
  let url = start;
  for (let redirects = 0; ; redirects++) {
    let response: IncomingMessage;
    try {
      response = await requestMedia(url, signal);
    } catch (error) {
      if (context.signal.aborted) throw error;
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
