// A lean HTTP/1.1 GET for downloads: one request per connection, the body handed over in place.
//
// Why not undici or node:http: they allocate a new buffer for every socket read and copy the body
// on its way (undici twice, through its WebAssembly parser). On a 2-core runner the transfer is
// bound by CPU, and that costs them 2-3 CPU seconds a GB against 0.6-1.0 here (bench/download.ts
// has node:http as its second row; undici was the transport before this one). Here the socket
// reads into one reused buffer (net's `onread`), and ResponseParser frames the body without
// copying it.
import net from 'node:net';
import tls from 'node:tls';
import { getProxyUrl } from '@actions/http-client/lib/proxy';
import { formatDuration } from '../units.js';
import { ParseError, ResponseParser } from './response-parser.js';

export interface HttpResponse {
  status: number;
  /** Names in lower case; of a repeated header, the first value. */
  headers: Record<string, string>;
  /**
   * Hands the body to `onData` as it arrives and resolves once it is complete. A chunk is a view of
   * a reused buffer, valid only during the call. An error thrown by `onData` closes the
   * connection and rejects with that error.
   */
  readBody(onData: (chunk: Buffer) => void): Promise<void>;
  /** Closes the connection; a body still being read fails. */
  close(): void;
}

export interface HttpGetOptions {
  headers: Record<string, string>;
  /** A connection silent this long fails. */
  idleTimeoutMs: number;
  signal: AbortSignal;
}

/** A network or protocol failure: the connection, not the answer, went wrong. */
export class ConnectionError extends Error {
  constructor(
    message: string,
    /** False where trying again cannot help: a certificate, a proxy that says no. */
    readonly retryable = true,
  ) {
    super(message);
    this.name = 'ConnectionError';
  }
}

// Large reads mean fewer trips through JavaScript; one buffer per connection.
const READ_BUFFER_BYTES = 1024 * 1024;

/**
 * Sends a GET to `url`, through the runner's proxy where `https_proxy`/`http_proxy` (and
 * `no_proxy`) say so, as @actions/http-client decides it; resolves once the response head is in.
 */
export async function httpGet(url: URL, options: HttpGetOptions): Promise<HttpResponse> {
  options.signal.throwIfAborted();
  const proxy = proxyFor(url);
  const exchange = new Exchange(options);
  let target = `${url.pathname}${url.search}`;
  const headers: Record<string, string> = { host: url.host, ...options.headers };
  let socket: net.Socket;
  if (proxy === undefined) {
    socket = connect(url, exchange.onread);
  } else if (url.protocol === 'http:') {
    // A plain-HTTP request goes to the proxy itself, naming the whole URL.
    target = `${url.protocol}//${url.host}${target}`;
    Object.assign(headers, proxyAuthorization(proxy));
    socket = connect(proxy, exchange.onread);
  } else {
    socket = await tunnel(url, proxy, options);
  }
  // One request a connection: downloads are few and large, and nothing is left open after.
  return exchange.start(socket, requestHead('GET', target, { ...headers, connection: 'close' }));
}

function proxyFor(url: URL): URL | undefined {
  // Named by variable only: the value may hold a password.
  const invalid = () => {
    const variable = url.protocol === 'https:' ? 'https_proxy' : 'http_proxy';
    return new ConnectionError(`${variable} is not an http:// or https:// URL`, false);
  };
  let proxy: URL | undefined;
  try {
    proxy = getProxyUrl(url);
  } catch {
    throw invalid();
  }
  if (proxy !== undefined && proxy.protocol !== 'http:' && proxy.protocol !== 'https:') {
    throw invalid();
  }
  return proxy;
}

function requestHead(method: string, target: string, headers: Record<string, string>): string {
  const lines = [`${method} ${target} HTTP/1.1`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

type OnRead = net.OnReadOpts;
// tls.connect documents `onread` as net.connect does (ignored with `socket`); @types/node lacks it.
type TlsOptions = tls.ConnectionOptions & { onread?: OnRead };

/** A TCP connection to the URL's host and port, with TLS for https. */
function connect(url: URL, onread?: OnRead): net.Socket {
  const host = hostOf(url);
  const port = portOf(url);
  if (url.protocol !== 'https:') return net.connect({ host, port, onread });
  const options: TlsOptions = { host, port, servername: serverName(url), onread };
  return tls.connect(options);
}

/** The host to connect to: an IPv6 literal without its brackets. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

function portOf(url: URL): number {
  return Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
}

/** SNI takes host names only. */
function serverName(url: URL): string | undefined {
  return net.isIP(hostOf(url)) ? undefined : hostOf(url);
}

/** An https request through a proxy: CONNECT, then TLS with the target inside the tunnel. */
async function tunnel(url: URL, proxy: URL, options: HttpGetOptions): Promise<net.Socket> {
  const socket = connect(proxy);
  const watcher = watch(options, (error) => socket.destroy(error));
  socket.on('data', watcher.touch);
  try {
    const authority = `${url.hostname}:${portOf(url)}`;
    socket.write(
      requestHead('CONNECT', authority, { host: authority, ...proxyAuthorization(proxy) }),
    );
    const status = await connectStatus(socket);
    if (status < 200 || status >= 300) {
      const message = `the proxy ${proxy.host} refused the tunnel: HTTP ${status}`;
      throw new ConnectionError(message, status >= 500 || status === 408 || status === 429);
    }
  } catch (error) {
    socket.destroy();
    throw error;
  } finally {
    watcher.stop();
    socket.off('data', watcher.touch);
  }
  // TLS over an existing socket takes no `onread`: this one hands its data over as events. The
  // certificate is checked against `host` when there is no server name, so it must be the target.
  const secure = tls.connect({ socket, host: hostOf(url), servername: serverName(url) });
  // The tunnel's own faults reach the request through the TLS connection over it.
  socket.on('error', (error) => secure.destroy(error));
  secure.on('close', () => socket.destroy());
  return secure;
}

/** The status of the proxy's answer to CONNECT; after a 2xx the connection is the tunnel. */
function connectStatus(socket: net.Socket): Promise<number> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error, status?: number) => {
      socket.off('data', onData).off('error', done).off('close', onClose);
      socket.pause();
      if (error) reject(error instanceof ConnectionError ? error : asConnectionError(error));
      else resolve(status!);
    };
    // Only the head matters: a tunnel has no body, and a refusal's body is of no use.
    const parser = new ResponseParser({
      onHead: (status) => done(undefined, status),
      onBody: () => {},
      onComplete: () => {},
    });
    const onData = (chunk: Buffer) => {
      try {
        parser.execute(chunk);
      } catch (error) {
        done(new ConnectionError(`the proxy sent an invalid answer (${(error as Error).message})`));
      }
    };
    const onClose = () => done(new ConnectionError('the proxy closed the connection'));
    socket.on('data', onData).on('error', done).on('close', onClose);
  });
}

function proxyAuthorization(proxy: URL): Record<string, string> {
  if (!proxy.username && !proxy.password) return {};
  // getProxyUrl's URL gives the user name and password already decoded.
  const credentials = Buffer.from(`${proxy.username}:${proxy.password}`).toString('base64');
  return { 'proxy-authorization': `Basic ${credentials}` };
}

interface Watcher {
  /** Data arrived: the connection is not idle. */
  touch: () => void;
  stop: () => void;
}

/**
 * Fails a connection that goes silent or whose signal aborts. Its own timer rather than the
 * socket's: that one lets a connection stalled with a write queued (a TLS handshake) run for twice
 * the time.
 */
function watch({ idleTimeoutMs, signal }: HttpGetOptions, fail: (error: Error) => void): Watcher {
  const onAbort = () => fail(signal.reason as Error);
  const timer = setTimeout(
    () => fail(new ConnectionError(`no data for ${formatDuration(idleTimeoutMs)}`)),
    idleTimeoutMs,
  );
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) queueMicrotask(onAbort); // fired while the connection was being set up
  return {
    touch: () => timer.refresh(),
    stop: () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    },
  };
}

function asConnectionError(error: Error): Error {
  // An abort keeps its own error, so the caller can tell it from a failure.
  if (error.name === 'AbortError') return error;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (/CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code)) {
    return new ConnectionError(`the server's certificate was refused: ${error.message}`, false);
  }
  return new ConnectionError(describeError(error));
}

/** A socket error as one line. A host whose every address refused gives an AggregateError with an empty message. */
export function describeError(error: Error): string {
  if (error.message) return error.message;
  const causes = error instanceof AggregateError ? (error.errors as unknown[]) : [];
  const messages = causes.map((cause) => (cause instanceof Error ? cause.message : String(cause)));
  return messages.filter(Boolean).join('; ') || (error as NodeJS.ErrnoException).code || error.name;
}

/** One request and its response on one connection. */
class Exchange {
  private readonly parser = new ResponseParser({
    onHead: (status, headers) => this.headReceived(status, headers),
    onBody: (chunk) => {
      if (this.stage !== 'body') return; // closed or failed while this read was being parsed
      if (this.onData) this.onData(chunk);
      else this.early.push(Buffer.from(chunk));
    },
    onComplete: () => this.bodyComplete(),
  });
  private socket!: net.Socket;
  private stage: 'head' | 'body' | 'complete' | 'failed' = 'head';
  private failure?: Error;
  private head?: { resolve: (response: HttpResponse) => void; reject: (error: Error) => void };
  private body?: { resolve: () => void; reject: (error: Error) => void };
  private onData?: (chunk: Buffer) => void;
  /** Body bytes that came in with the head, before readBody: copied, as the buffer is reused. */
  private early: Buffer[] = [];
  private watcher?: Watcher;

  private readonly readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  readonly onread: OnRead = {
    buffer: this.readBuffer,
    callback: (length) => this.received(this.readBuffer, length),
  };

  constructor(private readonly options: HttpGetOptions) {}

  start(socket: net.Socket, requestHead: string): Promise<HttpResponse> {
    this.socket = socket;
    const response = new Promise<HttpResponse>((resolve, reject) => {
      this.head = { resolve, reject };
    });
    this.watcher = watch(this.options, (error) => this.fail(error));
    // Only a socket made without `onread` (TLS in a proxy tunnel) has data events.
    socket.on('data', (chunk: Buffer) => {
      if (!this.received(chunk, chunk.length)) socket.pause();
    });
    socket.on('error', (error) => this.fail(asConnectionError(error)));
    socket.on('end', () => this.ended());
    socket.on('close', () => this.fail(new ConnectionError('the connection closed')));
    socket.write(requestHead);
    return response;
  }

  /** Returns false to stop reading until readBody asks for more. */
  private received(buffer: Buffer, length: number): boolean {
    if (this.stage === 'complete' || this.stage === 'failed') return false;
    this.watcher?.touch();
    try {
      this.parser.execute(buffer, 0, length);
    } catch (error) {
      this.fail(
        error instanceof ParseError
          ? new ConnectionError(`invalid HTTP response: ${error.message}`, false)
          : (error as Error), // thrown by onData
      );
    }
    return this.stage !== 'body' || this.onData !== undefined;
  }

  private headReceived(status: number, headers: Record<string, string>): void {
    this.stage = 'body';
    this.head?.resolve({
      status,
      headers,
      readBody: (onData) => this.readBody(onData),
      close: () => this.fail(new ConnectionError('closed before the end of the body')),
    });
  }

  private readBody(onData: (chunk: Buffer) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      if (this.onData) return reject(new Error('the body is already being read'));
      try {
        for (const chunk of this.early) if (!this.failure) onData(chunk);
      } catch (error) {
        this.fail(error as Error);
      }
      this.early = [];
      // this.fail() may have set it since the check above, which TypeScript cannot see (so: never).
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      if (this.failure) return reject(this.failure); // onData threw, or closed the response
      if (this.stage === 'complete') return resolve();
      this.onData = onData;
      this.body = { resolve, reject };
      this.socket.resume();
    });
  }

  private bodyComplete(): void {
    if (this.stage === 'failed') return;
    this.stage = 'complete';
    this.watcher?.stop();
    this.socket.destroy();
    this.body?.resolve();
  }

  /** The server closed its side: the end of a body without length, or too early. */
  private ended(): void {
    this.parser.finish(); // completes a body that runs to the end of the connection
    this.fail(new ConnectionError('the connection closed before the response was complete'));
  }

  /** A no-op once the exchange is over, so the first failure is the one reported. */
  private fail(error: Error): void {
    if (this.stage === 'complete' || this.stage === 'failed') return;
    this.stage = 'failed';
    this.failure = error;
    this.watcher?.stop();
    this.socket.destroy();
    this.head?.reject(error);
    this.body?.reject(error);
  }
}
