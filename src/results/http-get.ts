// A lean HTTP/1.1 GET for downloads: one request per connection, the body handed over in place.
//
// Why not undici or node:http: they allocate a new buffer for every socket read and copy the body
// on its way (undici twice, through its WebAssembly parser). On a 2-core runner the transfer is
// bound by CPU, and that costs them 2-3 CPU seconds a GB against 0.6-1.0 here (bench/download.ts
// has node:http as its second row; undici was the transport before this one). Here the socket
// reads into one reused buffer (net's `onread`), and http-parser-js, a pure-JS parser that slices
// rather than copies, frames the body.
import net from 'node:net';
import tls from 'node:tls';
import { getProxyUrl } from '@actions/http-client/lib/proxy';
import { HTTPParser } from 'http-parser-js';
import { formatDuration } from '../units.js';

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
  /** Closes the connection, the body unread. */
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
  const proxy = getProxyUrl(url);
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
  const stopWatching = watch(socket, options, (error) => socket.destroy(error));
  try {
    const authority = `${url.hostname}:${portOf(url)}`;
    socket.write(
      requestHead('CONNECT', authority, { host: authority, ...proxyAuthorization(proxy) }),
    );
    const status = await connectStatus(socket);
    if (status < 200 || status >= 300) {
      const message = `the proxy ${proxy.host} refused the tunnel: HTTP ${status}`;
      throw new ConnectionError(message, status >= 500);
    }
  } catch (error) {
    socket.destroy();
    throw error;
  } finally {
    stopWatching();
  }
  // TLS over an existing socket takes no `onread`: this one hands its data over as events.
  const secure = tls.connect({ socket, servername: serverName(url) });
  // The tunnel's own faults reach the request through the TLS connection over it.
  socket.on('error', (error) => secure.destroy(error));
  secure.on('close', () => socket.destroy());
  return secure;
}

/** The status of the proxy's answer to CONNECT; after a 2xx the connection is the tunnel. */
function connectStatus(socket: net.Socket): Promise<number> {
  return new Promise((resolve, reject) => {
    const parser = new HTTPParser(HTTPParser.RESPONSE);
    const done = (error?: Error, status?: number) => {
      socket.off('data', onData).off('error', done).off('close', onClose);
      socket.pause();
      if (error) reject(error instanceof ConnectionError ? error : asConnectionError(error));
      else resolve(status!);
    };
    // A response to CONNECT has no body (RFC 9110, 9.3.6): nothing follows the head.
    parser[HTTPParser.kOnHeadersComplete] = ({ statusCode }) => {
      done(undefined, statusCode);
      return 1;
    };
    const onData = (chunk: Buffer) => {
      const result = parser.execute(chunk);
      if (result instanceof Error) done(new ConnectionError('the proxy sent an invalid response'));
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

/** Fails a connection that goes silent or whose signal aborts; returns the way to stop. */
function watch(
  socket: net.Socket,
  { idleTimeoutMs, signal }: HttpGetOptions,
  fail: (error: Error) => void,
): () => void {
  const onTimeout = () => fail(new ConnectionError(`no data for ${formatDuration(idleTimeoutMs)}`));
  const onAbort = () => fail(signal.reason as Error);
  socket.setTimeout(idleTimeoutMs, onTimeout);
  signal.addEventListener('abort', onAbort, { once: true });
  return () => {
    socket.setTimeout(0);
    socket.off('timeout', onTimeout);
    signal.removeEventListener('abort', onAbort);
  };
}

function asConnectionError(error: Error): Error {
  // An abort keeps its own error, so the caller can tell it from a failure.
  if (error.name === 'AbortError') return error;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (/CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code)) {
    return new ConnectionError(`the server's certificate was refused: ${error.message}`, false);
  }
  return new ConnectionError(error.message);
}

/** One request and its response on one connection. */
class Exchange {
  private readonly parser = new HTTPParser(HTTPParser.RESPONSE);
  private socket!: net.Socket;
  private stage: 'head' | 'informational' | 'body' | 'complete' | 'failed' = 'head';
  private failure?: Error;
  private head?: { resolve: (response: HttpResponse) => void; reject: (error: Error) => void };
  private body?: { resolve: () => void; reject: (error: Error) => void };
  private onData?: (chunk: Buffer) => void;
  /** Body bytes that came in with the head, before readBody: copied, as the buffer is reused. */
  private early: Buffer[] = [];
  private stopWatching = () => {};

  private readonly readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  readonly onread: OnRead = {
    buffer: this.readBuffer,
    callback: (length) => this.received(this.readBuffer, length),
  };

  constructor(private readonly options: HttpGetOptions) {
    this.parser[HTTPParser.kOnHeadersComplete] = ({ statusCode, headers }) =>
      this.headComplete(statusCode, headers);
    this.parser[HTTPParser.kOnBody] = (chunk) => {
      if (this.onData) this.onData(chunk);
      else this.early.push(Buffer.from(chunk));
    };
    this.parser[HTTPParser.kOnMessageComplete] = () => this.messageComplete();
  }

  start(socket: net.Socket, requestHead: string): Promise<HttpResponse> {
    this.socket = socket;
    this.stopWatching = watch(socket, this.options, (error) => this.fail(error));
    // Only a socket made without `onread` (TLS in a proxy tunnel) has data events.
    socket.on('data', (chunk: Buffer) => {
      if (!this.received(chunk, chunk.length)) socket.pause();
    });
    socket.on('error', (error) => this.fail(asConnectionError(error)));
    socket.on('end', () => this.ended());
    socket.on('close', () => this.fail(new ConnectionError('the connection closed')));
    socket.write(requestHead);
    return new Promise((resolve, reject) => (this.head = { resolve, reject }));
  }

  /** Returns false to stop reading until readBody asks for more. */
  private received(buffer: Buffer, length: number): boolean {
    try {
      const result = this.parser.execute(buffer, 0, length);
      if (result instanceof Error && this.stage !== 'complete') {
        this.fail(new ConnectionError(`invalid HTTP response (${result.message})`));
      }
    } catch (error) {
      this.fail(error as Error); // thrown by onData
    }
    return this.stage !== 'body' || this.onData !== undefined;
  }

  /** The return value tells the parser whether to skip the body. */
  private headComplete(status: number, rawHeaders: string[]): number {
    if (status >= 100 && status < 200 && status !== 101) {
      this.stage = 'informational'; // 103 Early Hints and the like; the real answer follows
      return 1;
    }
    const headers: Record<string, string> = {};
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      headers[rawHeaders[i]!.toLowerCase()] ??= rawHeaders[i + 1]!;
    }
    const length = headers['content-length'];
    if (status === 101 || (length !== undefined && !/^\d+$/.test(length.trim()))) {
      this.fail(new ConnectionError(`invalid HTTP response (status ${status}, length ${length})`));
      return 1;
    }
    this.stage = 'body';
    this.head?.resolve({
      status,
      headers,
      readBody: (onData) => this.readBody(onData),
      close: () => this.finish(),
    });
    return status === 204 || status === 304 ? 1 : 0; // answers that never have a body
  }

  private readBody(onData: (chunk: Buffer) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      try {
        for (const chunk of this.early) onData(chunk);
      } catch (error) {
        this.fail(error as Error);
        return reject(error as Error);
      }
      this.early = [];
      if (this.stage === 'complete') return resolve();
      this.onData = onData;
      this.body = { resolve, reject };
      this.socket.resume();
    });
  }

  private messageComplete(): void {
    if (this.stage === 'informational') {
      this.stage = 'head';
      return;
    }
    this.finish();
    this.body?.resolve();
  }

  /** The server closed its side: the end of a body without length, or too early. */
  private ended(): void {
    if (this.stage === 'complete' || this.stage === 'failed') return;
    this.parser.finish(); // completes a body that runs to the end of the connection
    // A no-op if it did.
    this.fail(new ConnectionError('the connection closed before the response was complete'));
  }

  private finish(): void {
    if (this.stage === 'failed') return;
    this.stage = 'complete';
    this.stopWatching();
    this.socket.destroy();
  }

  private fail(error: Error): void {
    if (this.stage === 'complete' || this.stage === 'failed') return;
    this.stage = 'failed';
    this.failure = error;
    this.stopWatching();
    this.socket.destroy();
    this.head?.reject(error);
    this.body?.reject(error);
  }
}
