// Downloads a task's result URLs to disk: streamed with backpressure, size-capped, retried when the
// failure is transient, through the step's one download pool and within one deadline.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger.js';
import { addressPolicy, type AddressPolicy } from '../net/address-policy.js';
import { ownSignal } from '../runtime.js';
import { formatDuration, formatSize } from '../settings/units.js';
import { downloadOnce, Failure, type Attempt, type DownloadedFile } from './attempt.js';
import { makeResultsFolder } from './files.js';
import { fileNameFor, NameRegistry } from './naming.js';
import { DownloadPool } from './pool.js';

export type { DownloadedFile } from './attempt.js';

export class DownloadError extends Error {
  /** What downloadAll did download before this failure stopped the rest: kept, and to be told. */
  completed: DownloadedFile[] = [];

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
  /** download-dir, when `dir` is a folder in it: no folder below it may be a symbolic link. */
  root?: string;
  /** Per file. */
  maxBytes: number;
  /** How messages call that limit, e.g. `'max-download-size'`. */
  maxBytesName?: string;
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
   * URL that expired); undefined keeps the failure. It should stop when `signal` aborts: the
   * downloads' timeout ran out, or they were cancelled.
   */
  refreshUrl?: (url: string, signal: AbortSignal) => Promise<string | undefined>;
  /** For network errors, 5xx, 408, 429 and truncated bodies (not for invalid ones); default 3. */
  retries?: number;
  /** First backoff, doubling after each retry; default 1000. */
  retryDelayMs?: number;
  /** A connection silent this long counts as a network error; default 60000. */
  idleTimeoutMs?: number;
  /** Which hosts may be fetched; default: any but link-local and cloud metadata addresses. */
  addresses?: AddressPolicy;
  logger: Logger;
}

const EXPIRED_STATUSES = new Set([403, 404, 410]);
// Naming yields to the event loop this often, so the deadline and cancellation are heard.
const NAMES_PER_TURN = 1_000;

interface Job extends Attempt {
  started: boolean;
}

interface Context {
  dir: string;
  maxBytes: number;
  maxBytesName?: string;
  retries: number;
  retryDelayMs: number;
  idleTimeoutMs: number;
  addresses: AddressPolicy;
  refreshUrl?: DownloadOptions['refreshUrl'];
  logger: Logger;
  /** Aborts on cancellation, the deadline, or another download's failure. */
  signal: AbortSignal;
  deadline?: { signal: AbortSignal; ms: number; name: string };
}

/** Results in URL order. The first failure aborts the downloads in flight and rejects. */
export async function downloadAll(options: DownloadOptions): Promise<DownloadedFile[]> {
  const dir = path.resolve(options.dir);
  const urls = options.urls.map(parseUrl);
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
    maxBytesName: options.maxBytesName,
    retries: options.retries ?? 3,
    retryDelayMs: options.retryDelayMs ?? 1_000,
    idleTimeoutMs: options.idleTimeoutMs ?? 60_000,
    addresses: options.addresses ?? addressPolicy({ allowPrivate: true, allowName: '' }),
    refreshUrl: options.refreshUrl,
    logger: options.logger,
    signal: AbortSignal.any(signals.filter((signal) => signal !== undefined)),
    deadline,
  };
  await makeResultsFolder(dir, options.root && path.resolve(options.root));
  let jobs: Job[];
  try {
    jobs = await claimNames(urls, dir, context.signal);
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    throw stopped(urls[0]!.href, error, context);
  }
  const pool = options.pool ?? new DownloadPool();
  const failures: { job: Job; error: unknown }[] = [];
  const files = await Promise.all(
    jobs.map((job) =>
      pool
        // Each job waits on a signal of its own: a dozen queued jobs add no dozen listeners to one.
        .run(ownSignal(context.signal), () => {
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
    if (!(first.error instanceof DownloadError) && !deadline?.signal.aborted) throw first.error;
    // Else stopped by the deadline while waiting for the pool or between retries.
    const url = first.job.url.href;
    const error = first.error instanceof DownloadError ? first.error : lateError(url, context);
    error.completed = files.filter((file) => file !== undefined);
    throw error;
  }
  return files as DownloadedFile[];
}

/** Names claimed in URL order before any request, so they never collide nor depend on timing. */
async function claimNames(urls: URL[], dir: string, signal: AbortSignal): Promise<Job[]> {
  const names = new NameRegistry(await readdir(dir));
  const jobs: Job[] = [];
  for (const url of urls) {
    if (jobs.length % NAMES_PER_TURN === NAMES_PER_TURN - 1) {
      await nextTurn();
      signal.throwIfAborted();
    }
    jobs.push({ url, name: names.claim(fileNameFor(url)), started: false });
  }
  return jobs;
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

function lateError(url: string, context: Context): DownloadError {
  return new DownloadError(url, `Could not download ${url}: ${lateReason(context)}`);
}

/** What to throw once the downloads' signal aborted: the deadline, named, or the error itself. */
function stopped(url: string, error: unknown, context: Context): unknown {
  return context.deadline?.signal.aborted ? lateError(url, context) : error;
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
      if (signal.aborted) throw stopped(url, error, context);
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
      await sleep(delay, undefined, { signal: ownSignal(signal) });
    }
  }
}

/** A fresh link for an expired one, if the caller can get one. */
async function freshLink(url: string, reason: string, context: Context): Promise<URL | undefined> {
  if (!context.refreshUrl) return undefined;
  let fresh: string | undefined;
  try {
    fresh = await context.refreshUrl(url, context.signal);
    context.signal.throwIfAborted();
  } catch (error) {
    if (context.signal.aborted) throw stopped(url, error, context);
    throw new DownloadError(
      url,
      `Could not download ${url}: ${reason}, and no fresh link: ${(error as Error).message}`,
    );
  }
  // Said only once there is one: most hosts are never asked (fresh-links.ts).
  if (fresh === undefined) return undefined;
  context.logger.info(`${url}: ${reason}; trying the fresh link Kie.ai gave.`);
  try {
    return parseUrl(fresh);
  } catch {
    throw new DownloadError(url, `Could not download ${url}: the fresh link is no http(s) URL`);
  }
}
