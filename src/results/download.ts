// Downloads a task's result URLs to disk: streamed, size-capped, retried when the failure is transient.
import { randomBytes } from 'node:crypto';
import { writeSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { STATUS_CODES } from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger.js';
import { formatDuration, formatSize } from '../units.js';
import { USER_AGENT } from '../version.js';
import { ConnectionError, httpGet, type HttpResponse } from './http-get.js';

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
  /** Default 4. */
  concurrency?: number;
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
const MAX_NAME_BYTES = 100;
const MAX_EXTENSION_LENGTH = 10;
// Larger writes made the kernel's page-cache work swing between 0.6 and 2.3 CPU seconds a GB on
// the benchmark machine, against a steady 0.7-0.9 at 64 KiB (bench/download.ts).
const MAX_WRITE_BYTES = 64 * 1024;

const EXTENSIONS: Record<string, string> = {
  'image/png': '.png',
  'image/jpeg': '.jpg',
  'image/webp': '.webp',
  'image/gif': '.gif',
  'image/avif': '.avif',
  'image/svg+xml': '.svg',
  'video/mp4': '.mp4',
  'video/webm': '.webm',
  'video/quicktime': '.mov',
  'audio/mpeg': '.mp3',
  'audio/wav': '.wav',
  'audio/x-wav': '.wav',
  'audio/ogg': '.ogg',
  'audio/mp4': '.m4a',
  'audio/aac': '.aac',
  'audio/flac': '.flac',
  'application/json': '.json',
  'application/zip': '.zip',
  'text/plain': '.txt',
};

/** Results in URL order. The first failure aborts the downloads in flight and rejects. */
export async function downloadAll(options: DownloadOptions): Promise<DownloadedFile[]> {
  const dir = path.resolve(options.dir);
  const urls = options.urls.map(parseUrl);
  await mkdir(dir, { recursive: true });
  // Claimed in URL order before any request, so names never collide and don't depend on timing.
  const names = new NameRegistry(await readdir(dir));
  const jobs = urls.map((url) => ({ url, name: names.claim(fileNameFor(url)) }));

  const context = {
    dir,
    maxBytes: options.maxBytes,
    retries: options.retries ?? 3,
    retryDelayMs: options.retryDelayMs ?? 1_000,
    idleTimeoutMs: options.idleTimeoutMs ?? 60_000,
    logger: options.logger,
  };
  const aborter = new AbortController();
  return mapPool(jobs, options.concurrency ?? 4, aborter, (job) =>
    downloadWithRetries(job, { ...context, signal: aborter.signal }),
  );
}

interface Job {
  url: URL;
  name: ClaimedName;
}

interface Context {
  dir: string;
  maxBytes: number;
  retries: number;
  retryDelayMs: number;
  idleTimeoutMs: number;
  logger: Logger;
  signal: AbortSignal;
}

/** A failure of one attempt; transient ones are retried. */
class Failure extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
  ) {
    super(message);
  }
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

async function downloadWithRetries(job: Job, context: Context): Promise<DownloadedFile> {
  const { logger, retries, retryDelayMs, signal } = context;
  const url = job.url.href;
  const started = performance.now();
  logger.debug(`Downloading ${url}`);
  for (let attempt = 1; ; attempt++) {
    try {
      const file = await downloadOnce(job, context);
      const elapsed = formatDuration(performance.now() - started);
      logger.info(
        `Downloaded ${path.basename(file.path)} (${formatSize(file.bytes)} in ${elapsed})`,
      );
      return file;
    } catch (error) {
      if (signal.aborted) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      if (!(error instanceof Failure) || !error.transient || attempt > retries) {
        const attempts = attempt > 1 ? ` (after ${attempt} attempts)` : '';
        throw new DownloadError(url, `Could not download ${url}: ${reason}${attempts}`);
      }
      const delay = retryDelayMs * 2 ** (attempt - 1);
      logger.warning(
        `${url}: ${reason}; retrying in ${formatDuration(delay)} (attempt ${attempt + 1} of ${retries + 1})`,
      );
      await sleep(delay, undefined, { signal });
    }
  }
}

async function downloadOnce(job: Job, context: Context): Promise<DownloadedFile> {
  const { dir, maxBytes, signal } = context;
  const response = await get(job.url, context);
  try {
    signal.throwIfAborted();
    const contentLength = parseContentLength(response.headers['content-length']);
    if (contentLength !== undefined && contentLength > maxBytes) {
      throw new Failure(
        `${formatSize(contentLength)} is over the ${formatSize(maxBytes)} limit`,
        false,
      );
    }
    const contentType = response.headers['content-type'];
    const name = job.name.addExtension
      ? job.name.base + (extensionFor(contentType) ?? '')
      : job.name.base;
    const finalPath = pathInside(dir, name);
    // A hidden temporary name, renamed once complete, so a failed download leaves nothing behind.
    const tempPath = pathInside(dir, `.${name}.${randomBytes(4).toString('hex')}.part`);
    const file = await open(tempPath, 'wx').catch((error: Error) => {
      throw new Failure(`could not write ${tempPath}: ${error.message}`, false);
    });
    let bytes = 0;
    try {
      await response.readBody((chunk) => {
        bytes += chunk.length;
        if (bytes > maxBytes) throw new Failure(`over the ${formatSize(maxBytes)} limit`, false);
        // Synchronously, as the chunk is a view of the socket's reused buffer; a write to the
        // page cache is over before an asynchronous one would even be scheduled.
        try {
          for (let written = 0; written < chunk.length;) {
            const length = Math.min(MAX_WRITE_BYTES, chunk.length - written);
            written += writeSync(file.fd, chunk, written, length);
          }
        } catch (error) {
          throw new Failure(`could not write ${tempPath}: ${(error as Error).message}`, false);
        }
      });
    } catch (error) {
      await file.close().catch(() => {}); // the download's own failure is the one to report
      await rm(tempPath, { force: true });
      if (error instanceof Failure || signal.aborted) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      const received = contentLength === undefined ? `${bytes}` : `${bytes} of ${contentLength}`;
      if (error instanceof ConnectionError && !error.retryable) {
        throw new Failure(`${reason}, after ${received} bytes`, false);
      }
      throw new Failure(`connection lost after ${received} bytes (${reason})`, true);
    }
    try {
      await file.close();
      await rename(tempPath, finalPath);
    } catch (error) {
      await rm(tempPath, { force: true });
      throw new Failure(`could not write ${finalPath}: ${(error as Error).message}`, false);
    }
    return { url: job.url.href, path: finalPath, bytes, contentType };
  } finally {
    response.close(); // a no-op once the body is read
  }
}

/** GET following up to MAX_REDIRECTS redirects; resolves with a 2xx response, body unread. */
async function get(start: URL, context: Context): Promise<HttpResponse> {
  let url = start;
  for (let redirects = 0; ; redirects++) {
    let response: HttpResponse;
    try {
      // No request carries credentials: these are third-party hosts.
      response = await httpGet(url, {
        headers: { 'user-agent': USER_AGENT },
        idleTimeoutMs: context.idleTimeoutMs,
        signal: context.signal,
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Failure(reason, !(error instanceof ConnectionError) || error.retryable);
    }
    const { status, headers } = response;
    if (status >= 200 && status < 300) return response;
    response.close();
    const location = headers['location'];
    if (!REDIRECT_STATUSES.has(status) || location === undefined) {
      const transient = status >= 500 || status === 408 || status === 429;
      throw new Failure(`HTTP ${status} ${STATUS_CODES[status] ?? ''}`.trim(), transient);
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

function extensionFor(contentType: string | undefined): string | undefined {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  return mediaType === undefined ? undefined : EXTENSIONS[mediaType];
}

function pathInside(dir: string, name: string): string {
  const resolved = path.resolve(dir, name);
  if (path.dirname(resolved) !== dir) {
    throw new Failure(`refusing to write outside ${dir}: ${resolved}`, false);
  }
  return resolved;
}

/**
 * The URL path's last segment made safe for any runner's file system: no separators (a
 * percent-encoded path names its last part), no control or bidi characters, none of Windows'
 * reserved characters or device names, no "..", no leading dots, at most MAX_NAME_BYTES of UTF-8.
 */
function fileNameFor(url: URL): string {
  const segment = url.pathname.slice(url.pathname.lastIndexOf('/') + 1);
  const lastPart = percentDecode(segment).split(/[/\\]/).pop() ?? '';
  const cleaned = Array.from(lastPart)
    .filter((char) => !isControl(char))
    .map((char) => ('<>:"|?*'.includes(char) ? '_' : char))
    .join('')
    .replace(/\.{2,}/g, '.')
    .replace(/^[\s.]+|[\s.]+$/g, '');
  let extension = path.extname(cleaned);
  if (extension.length > MAX_EXTENSION_LENGTH) extension = '';
  const stem = truncateUtf8(
    cleaned.slice(0, cleaned.length - extension.length),
    MAX_NAME_BYTES - Buffer.byteLength(extension),
  ).replace(/[\s.]+$/, '');
  const name = (stem || 'file') + extension;
  return /^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i.test(name) ? `_${name}` : name;
}

function percentDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // a stray "%" is kept as it is
  }
}

function isControl(char: string): boolean {
  const code = char.codePointAt(0)!;
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    (code >= 0x200e && code <= 0x200f) ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

function truncateUtf8(text: string, maxBytes: number): string {
  let result = '';
  for (const char of text) {
    if (Buffer.byteLength(result + char) > maxBytes) break;
    result += char;
  }
  return result;
}

/** A unique base name; names without an extension get one from Content-Type later. */
interface ClaimedName {
  base: string;
  addExtension: boolean;
}

/** Unique names in one directory, compared case-insensitively for macOS and Windows runners. */
class NameRegistry {
  private readonly taken = new Set<string>();
  // Stems of names whose extension is not known yet: no other name may share them.
  private readonly openStems = new Set<string>();

  constructor(existing: string[]) {
    for (const name of existing) this.taken.add(name.toLowerCase());
  }

  claim(name: string): ClaimedName {
    const extension = path.extname(name);
    const stem = name.slice(0, name.length - extension.length);
    for (let n = 1; ; n++) {
      const candidate = n === 1 ? stem : `${stem}-${n}`;
      const key = candidate.toLowerCase();
      if (this.openStems.has(key)) continue;
      if (extension) {
        const full = key + extension.toLowerCase();
        if (this.taken.has(full)) continue;
        this.taken.add(full);
        return { base: candidate + extension, addExtension: false };
      }
      if ([...this.taken].some((taken) => taken === key || taken.startsWith(`${key}.`))) continue;
      this.openStems.add(key);
      return { base: candidate, addExtension: true };
    }
  }
}

/** Runs `task` over `items`, at most `limit` at a time; the first failure aborts the rest. */
async function mapPool<T, R>(
  items: T[],
  limit: number,
  aborter: AbortController,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  let failure: { error: unknown } | undefined;
  let next = 0;
  const worker = async () => {
    while (next < items.length && !failure) {
      const index = next++;
      try {
        results[index] = await task(items[index]!);
      } catch (error) {
        failure ??= { error };
        aborter.abort();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  if (failure) throw failure.error;
  return results;
}
