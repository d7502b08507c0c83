// One HTTP request and its whole reply, within a time limit, a size limit and the caller's
// signal: what @actions/http-client does not bound by itself.
import type { HttpClient, HttpClientResponse } from '@actions/http-client';
import { formatDuration, formatSize } from '../settings/units.js';
import { KieApiError } from './faults.js';

/** The largest reply read: Kie.ai's records are kilobytes, a transcript a few megabytes. */
export const MAX_REPLY_BYTES = 32 * 1024 * 1024;

/** What ends a request early: `cutOffAt` (epoch ms), the caller's time limit, and its signal. */
export interface Limits {
  cutOffAt?: number;
  signal?: AbortSignal;
}

export interface Exchange {
  status: number;
  headers: HttpClientResponse['message']['headers'];
  body: string;
}

/**
 * Rejects after `requestTimeoutMs` with a plain Error (a silent API: a connection fault), or
 * sooner at `cutOffAt` with a transient KieApiError (the caller's limit says nothing about the
 * API), or with the signal's reason.
 */
export async function exchange(
  http: HttpClient,
  request: { method: 'GET' | 'POST'; url: string; body?: string },
  requestTimeoutMs: number,
  { cutOffAt = Infinity, signal }: Limits,
  now: () => number,
): Promise<Exchange> {
  const { method, url, body } = request;
  let response: HttpClientResponse | undefined;
  let timer: NodeJS.Timeout | undefined;
  let abort = () => {};
  const ms = Math.max(0, Math.min(requestTimeoutMs, cutOffAt - now()));
  // http-client's socketTimeout ends idle sockets; this deadline also bounds a body that trickles.
  // It takes no AbortSignal, so the caller's is raced too.
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      response?.message.destroy();
      const cut = `Kie.ai had not answered within the ${formatDuration(ms)} left for this request.`;
      if (ms < requestTimeoutMs) reject(new KieApiError('transient', cut));
      else reject(new Error(`no complete reply within ${formatDuration(ms)}`));
    }, ms);
    abort = () => {
      response?.message.destroy();
      reject(signal!.reason as Error);
    };
    signal?.addEventListener('abort', abort, { once: true });
  });
  try {
    const reply = (async () => {
      const headers = body === undefined ? {} : { 'content-type': 'application/json' };
      response = await http.request(method, url, body ?? null, headers);
      return {
        status: response.message.statusCode ?? 0,
        headers: response.message.headers,
        body: await readReply(response, `${method} ${new URL(url).pathname}`),
      };
    })();
    return await Promise.race([reply, deadline]);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', abort);
  }
}

/**
 * The body as UTF-8 text, read in one pass (http-client's readBody concatenates per chunk, which
 * is quadratic), refused once it passes MAX_REPLY_BYTES.
 */
async function readReply(response: HttpClientResponse, request: string): Promise<string> {
  const tooLarge = () => {
    response.message.destroy();
    return new KieApiError(
      'fatal',
      `The reply to ${request} is larger than ${formatSize(MAX_REPLY_BYTES)}: refused unread.`,
    );
  };
  if (Number(response.message.headers['content-length']) > MAX_REPLY_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of response.message as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > MAX_REPLY_BYTES) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, bytes).toString('utf8');
}
