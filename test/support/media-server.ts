// A scriptable stand-in for the CDN hosts behind Kie result URLs, for tests, the demo and the benchmark.
import { readFileSync } from 'node:fs';
import {
  createServer,
  type IncomingHttpHeaders,
  type RequestListener,
  type ServerResponse,
} from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** One scripted answer. With neither body nor size the body is empty. */
export interface MediaResponse {
  /** Default 200, or 302 with `redirect`. */
  status?: number;
  body?: Buffer | string;
  /** Serve this many bytes of `generatedBytes` content, streamed, so 1 GB costs no memory. */
  size?: number;
  contentType?: string;
  /** How the body's end is told: by Content-Length (the default), chunks, or closing. */
  framing?: 'chunked' | 'close';
  /** Send a 103 Early Hints first. */
  earlyHints?: boolean;
  /** Location header, relative or absolute, sent verbatim. */
  redirect?: string;
  /** Advertise the full length but close the connection after this many bytes. */
  truncateAt?: number;
  /** Send this many bytes, then go silent until the client or `close()` gives up. */
  stallAt?: number;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Send the body one byte at a time, this many ms apart: alive, yet never done. */
  trickleMs?: number;
}

export interface RecordedRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  headers: IncomingHttpHeaders;
}

export interface MediaServer {
  /** Origin, e.g. http://127.0.0.1:41234 */
  url: string;
  /**
   * Answers requests for `path` (query ignored) with `responses` in turn, repeating the last,
   * so `route(p, { status: 500 }, { status: 500 }, ok)` fails twice then succeeds. Returns the URL.
   */
  route(path: string, ...responses: MediaResponse[]): string;
  /** Every request received, in order; unknown paths get 404 and are recorded too. */
  requests: RecordedRequest[];
  requestsTo(path: string): RecordedRequest[];
  /** The most requests ever being answered at once. */
  readonly peakConcurrency: number;
  /** Requests being answered now (a response whose client hung up is over). */
  readonly active: number;
  close(): Promise<void>;
}

const BLOCK_SIZE = 1024 * 1024;
const CHUNK_SIZE = 256 * 1024; // divides BLOCK_SIZE, so a chunk never wraps around the block
const block = pseudoRandomBlock();

/** The content a `size` route serves: a fixed pseudo-random 1 MiB block, repeated. */
export function generatedBytes(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let offset = 0; offset < size; offset += BLOCK_SIZE) block.copy(bytes, offset);
  return bytes;
}

export interface MediaServerOptions {
  /**
   * Serve https with a certificate for 127.0.0.1 and media.test that the test processes trust
   * (vitest.config.ts), or with one that nobody trusts.
   */
  tls?: 'trusted' | 'untrusted';
  /** The address to listen on; default 127.0.0.1 (the benchmark uses one in a network namespace). */
  host?: string;
}

export async function startMediaServer(options: MediaServerOptions = {}): Promise<MediaServer> {
  const routes = new Map<string, { responses: MediaResponse[]; served: number }>();
  const requests: RecordedRequest[] = [];
  let active = 0;
  let peakConcurrency = 0;

  const handler: RequestListener = (req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    peakConcurrency = Math.max(peakConcurrency, ++active);
    res.once('close', () => active--);
    const route = routes.get(pathnameOf(req.url ?? '/'));
    if (!route) {
      res.writeHead(404).end('not found');
      return;
    }
    const response = route.responses[Math.min(route.served++, route.responses.length - 1)]!;
    respond(res, response).catch(() => res.destroy()); // the client hung up: nothing to tell it
  };
  const server = options.tls
    ? createTlsServer(certificate(options.tls), handler)
    : createServer(handler);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const scheme = options.tls ? 'https' : 'http';
  const url = `${scheme}://${host}:${(server.address() as AddressInfo).port}`;

  return {
    url,
    requests,
    route(path, ...responses) {
      if (responses.length === 0) throw new Error(`route ${path} needs at least one response`);
      routes.set(pathnameOf(path), { responses, served: 0 });
      return new URL(path, url).href;
    },
    requestsTo: (path) => requests.filter((r) => pathnameOf(r.url) === pathnameOf(path)),
    get peakConcurrency() {
      return peakConcurrency;
    },
    get active() {
      return active;
    },
    close() {
      server.closeAllConnections(); // stalled responses would otherwise keep close() waiting
      return new Promise((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
    },
  };
}

/** The test certificates: test/fixtures/tls/README.md says how they were made. */
function certificate(name: 'trusted' | 'untrusted'): { cert: Buffer; key: Buffer } {
  const dir = path.resolve(import.meta.dirname, '../fixtures/tls');
  return {
    cert: readFileSync(path.join(dir, `${name}.pem`)),
    key: readFileSync(path.join(dir, `${name}-key.pem`)),
  };
}

// Matched the way a client sends it: the URL parser resolves %2e%2e and .. segments on both sides.
function pathnameOf(path: string): string {
  return new URL(path, 'http://media.invalid').pathname;
}

async function respond(res: ServerResponse, response: MediaResponse): Promise<void> {
  // Unref'd, so a delay still pending when a test ends keeps no process alive.
  if (response.delayMs !== undefined) await sleep(response.delayMs, undefined, { ref: false });
  const headers: Record<string, string | number> = {};
  if (response.redirect !== undefined) headers['location'] = response.redirect;
  if (response.contentType !== undefined) headers['content-type'] = response.contentType;
  const body = typeof response.body === 'string' ? Buffer.from(response.body) : response.body;
  const length = body?.length ?? response.size ?? 0;
  if (response.framing === undefined) headers['content-length'] = length;
  // Without Content-Length Node sends chunks, unless told not to: then closing ends the body.
  else if (response.framing === 'close') res.useChunkedEncodingByDefault = false;
  if (response.earlyHints) res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
  res.writeHead(response.status ?? (response.redirect === undefined ? 200 : 302), headers);

  const sent = Math.min(length, response.truncateAt ?? response.stallAt ?? length);
  if (response.trickleMs !== undefined) {
    const bytes = body ?? generatedBytes(length);
    for (let offset = 0; offset < length && !res.destroyed; offset++) {
      res.write(bytes.subarray(offset, offset + 1));
      await sleep(response.trickleMs, undefined, { ref: false });
    }
  } else await pipeline(Readable.from(chunks(sent, body)), res, { end: false });
  if (response.truncateAt !== undefined)
    res.socket?.end(); // flushes what was written, then FIN
  else if (response.stallAt === undefined) res.end();
}

function* chunks(length: number, body: Buffer | undefined): Generator<Buffer> {
  for (let offset = 0; offset < length; offset += CHUNK_SIZE) {
    const end = Math.min(offset + CHUNK_SIZE, length);
    yield body
      ? body.subarray(offset, end)
      : block.subarray(offset % BLOCK_SIZE, (offset % BLOCK_SIZE) + end - offset);
  }
}

// xorshift32: deterministic, so tests can compare downloads with generatedBytes().
function pseudoRandomBlock(): Buffer {
  const bytes = Buffer.alloc(BLOCK_SIZE);
  let state = 0x9e3779b9;
  for (let i = 0; i < BLOCK_SIZE; i += 4) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes.writeUInt32LE(state >>> 0, i);
  }
  return bytes;
}
