// httpGet against a server that writes raw bytes, for what a well-behaved server never sends.
import { getEventListeners } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConnectionError,
  describeError,
  httpGet,
  type HttpResponse,
} from '../src/results/http-get.js';
import { useCleanProxyEnvironment } from './support/proxy-server.js';

/** Answers each connection with `respond`, once the request head is in; returns its origin. */
async function rawServer(
  respond: (socket: net.Socket) => unknown,
  host = '127.0.0.1',
): Promise<string> {
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => {});
    let head = '';
    socket.on('data', (chunk) => {
      head += chunk.toString('latin1');
      if (head.endsWith('\r\n\r\n')) {
        received.push(head);
        void respond(socket);
      }
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return `http://${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
}

const servers: net.Server[] = [];
const sockets = new Set<net.Socket>();
let received: string[] = [];
let connections = 0;

afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  received = [];
  connections = 0;
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

function get(
  origin: string,
  signal = new AbortController().signal,
  idleTimeoutMs = 2_000,
): Promise<HttpResponse> {
  return httpGet(new URL(`${origin}/file.bin?v=1`), {
    headers: { 'user-agent': 'test-agent' },
    idleTimeoutMs,
    signal,
  });
}

async function bodyOf(response: HttpResponse): Promise<string> {
  const chunks: Buffer[] = [];
  await response.readBody((chunk) => chunks.push(Buffer.from(chunk)));
  return Buffer.concat(chunks).toString();
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => expect.fail('expected a failure'),
    (error: Error) => error,
  );
}

describe('httpGet', () => {
  it('sends one plain GET that asks for the connection to close', async () => {
    // Left open, as a 204 has no body to wait for.
    const origin = await rawServer((s) => s.write('HTTP/1.1 204 No Content\r\n\r\n'));

    const response = await get(origin);

    expect(response.status).toBe(204);
    expect(await bodyOf(response)).toBe('');
    expect(received).toEqual([
      `GET /file.bin?v=1 HTTP/1.1\r\nhost: ${new URL(origin).host}\r\n` +
        'user-agent: test-agent\r\nconnection: close\r\n\r\n',
    ]);
  });

  it('connects to an IPv6 literal, named in brackets in Host', async () => {
    const origin = await rawServer(
      (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nv6'),
      '::1',
    );

    const response = await get(origin);

    expect(await bodyOf(response)).toBe('v6');
    expect(received[0]).toContain(`\r\nhost: [::1]:${new URL(origin).port}\r\n`);
  });

  it('reads a head split into single bytes, and the first of repeated headers', async () => {
    const answer = 'HTTP/1.1 200 OK\r\nX-Tag: one\r\nx-tag: two\r\nContent-Length: 5\r\n\r\nhello';
    const origin = await rawServer(async (s) => {
      for (const byte of answer) {
        s.write(byte);
        await sleep(0);
      }
    });

    const response = await get(origin);

    expect(response.headers).toEqual({ 'x-tag': 'one', 'content-length': '5' });
    expect(await bodyOf(response)).toBe('hello');
  });

  it('keeps body bytes that came with the head until they are asked for', async () => {
    const origin = await rawServer(async (s) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello');
      await sleep(20);
      s.end(' world');
    });

    const response = await get(origin);
    await sleep(100); // everything has arrived before the body is read

    expect(await bodyOf(response)).toBe('hello world');
  });

  it('decodes chunks whatever their split, trailers and all', async () => {
    const origin = await rawServer(async (s) => {
      s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel');
      await sleep(10);
      s.write('lo\r\n6;note=x\r\n world\r\n0\r\nX-Checksum: 1\r\n\r\n');
    });

    expect(await bodyOf(await get(origin))).toBe('hello world');
  });

  it('skips informational answers', async () => {
    const origin = await rawServer((s) =>
      s.end(
        'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n' +
          'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
      ),
    );

    const response = await get(origin);

    expect(response.status).toBe(200);
    expect(await bodyOf(response)).toBe('ok');
  });

  it.each([
    ['not HTTP at all', 'SSH-2.0-OpenSSH_9.6\r\n\r\n'],
    ['a Content-Length that is not a number', 'HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\n'],
    ['a negative Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n'],
    ['an upgrade nobody asked for', 'HTTP/1.1 101 Switching Protocols\r\n\r\n'],
  ])('fails on %s', async (_, answer) => {
    const origin = await rawServer((s) => s.write(answer));

    const error = await failure(get(origin));

    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.message).toMatch(/^invalid HTTP response/);
    expect((error as ConnectionError).retryable).toBe(false);
  });

  it('fails when the connection closes before an answer', async () => {
    const origin = await rawServer((s) => s.end());
    const error = await failure(get(origin));
    expect(error.message).toBe('the connection closed before the response was complete');
  });

  it.each([
    ['sized', 'Content-Length: 100\r\n\r\nonly this'],
    ['chunked', 'Transfer-Encoding: chunked\r\n\r\n64\r\nonly this'],
  ])('fails when a %s body is cut short', async (_, rest) => {
    const origin = await rawServer((s) => s.end(`HTTP/1.1 200 OK\r\n${rest}`));
    const response = await get(origin);

    const error = await failure(bodyOf(response));

    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.message).toBe('the connection closed before the response was complete');
  });

  it('stops reading and closes when the reader throws', async () => {
    let closed = false;
    const origin = await rawServer((s) => {
      s.on('close', () => (closed = true));
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\nfirst');
    });
    const response = await get(origin);
    const full = new Error('disk full');

    const error = await failure(
      response.readBody(() => {
        throw full;
      }),
    );

    expect(error).toBe(full);
    await expect.poll(() => closed).toBe(true);
  });

  it('stops reading and closes when the reader throws mid-body', async () => {
    const origin = await rawServer(async (s) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n');
      await sleep(50); // the reader is in place before the body comes
      s.write('x'.repeat(1000));
    });
    const response = await get(origin);
    let calls = 0;

    const error = await failure(
      response.readBody(() => {
        calls++;
        throw new Error('over the limit');
      }),
    );

    expect(error.message).toBe('over the limit');
    expect(calls).toBe(1);
  });

  it('fails a body still being read when the response is closed', async () => {
    const origin = await rawServer((s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n'));
    const response = await get(origin);
    const reading = failure(bodyOf(response));

    response.close();

    expect((await reading).message).toBe('closed before the end of the body');
  });

  it('gives up on a TLS handshake that never ends after one idle timeout', async () => {
    // It never answers: a TLS ClientHello is no HTTP request head.
    const origin = await rawServer(() => {});
    const started = performance.now();

    const error = await failure(get(origin.replace('http:', 'https:'), undefined, 1_000));

    expect(error.message).toBe('no data for 1.0s');
    // Node's own socket timeout would let a connection with a write queued run for twice as long.
    expect(performance.now() - started).toBeLessThan(1_900);
  });

  it('gives up on the signal, with its reason', async () => {
    const origin = await rawServer((s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n'));
    const aborter = new AbortController();
    const response = await get(origin, aborter.signal);
    const reading = failure(bodyOf(response));
    const reason = Object.assign(new Error('another download failed'), { name: 'AbortError' });

    aborter.abort(reason);

    expect(await reading).toBe(reason);
  });

  it('keeps a connection that trickles data alive past the idle timeout', async () => {
    const origin = await rawServer(async (s) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n');
      for (let i = 0; i < 12; i++) {
        await sleep(50);
        s.write('x');
      }
    });

    const response = await get(origin, undefined, 400); // the whole body takes 600 ms

    expect(await bodyOf(response)).toBe('x'.repeat(12));
  });

  it('leaves no timer, listener or connection behind once the body is read', async () => {
    let serverSawClose = false;
    // This server would keep the connection open: the client has to close it.
    const origin = await rawServer((s) => {
      s.on('close', () => (serverSawClose = true));
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const timersBefore = timers();
    const aborter = new AbortController();

    expect(await bodyOf(await get(origin, aborter.signal))).toBe('ok');

    expect(timers()).toBe(timersBefore);
    expect(getEventListeners(aborter.signal, 'abort')).toEqual([]);
    await expect.poll(() => serverSawClose).toBe(true);
  });

  it('stops reading until the body is asked for', async () => {
    const size = 64 * 1024 * 1024;
    let server!: net.Socket;
    const origin = await rawServer((s) => {
      server = s;
      s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\n\r\n`);
      s.write(Buffer.alloc(size));
    });
    const response = await get(origin);
    await sleep(300);

    // Held back on the server's side, not piled up in the client.
    expect(server.writableLength).toBeGreaterThan(0);
    let bytes = 0;
    await response.readBody((chunk) => (bytes += chunk.length));
    expect(bytes).toBe(size);
  });

  it.each([
    ['with the head', true],
    ['after the reader is in place', false],
  ])(
    'delivers nothing more once closed from inside the reader, chunks coming %s',
    async (_, early) => {
      const chunks = '1\r\na\r\n1\r\nb\r\n'; // two chunks, in one read
      const origin = await rawServer(async (s) => {
        s.write(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${early ? chunks : ''}`);
        if (early) return;
        await sleep(100);
        s.write(chunks);
      });
      const response = await get(origin);
      if (early) await sleep(50);
      const delivered: string[] = [];

      const error = await failure(
        response.readBody((chunk) => {
          delivered.push(chunk.toString());
          response.close();
        }),
      );

      expect(delivered).toEqual(['a']);
      expect(error.message).toBe('closed before the end of the body');
    },
  );

  it('refuses a second reader', async () => {
    const origin = await rawServer((s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n'));
    const response = await get(origin);
    const first = failure(response.readBody(() => {}));

    const error = await failure(response.readBody(() => {}));

    expect(error.message).toBe('the body is already being read');
    response.close();
    expect((await first).message).toBe('closed before the end of the body');
  });

  it('refuses to start once the signal has fired', async () => {
    const origin = await rawServer(() => {});
    const error = await failure(get(origin, AbortSignal.abort()));
    expect(error.name).toBe('AbortError');
    await sleep(50);
    expect(connections).toBe(0);
  });
});

describe('describeError', () => {
  it('names the causes of an error without a message of its own', () => {
    // What net gives when every address of a host refused the connection.
    const refused = new AggregateError(
      [new Error('connect ECONNREFUSED ::1:80'), new Error('connect ECONNREFUSED 127.0.0.1:80')],
      '',
    );
    expect(describeError(refused)).toBe(
      'connect ECONNREFUSED ::1:80; connect ECONNREFUSED 127.0.0.1:80',
    );
    expect(describeError(Object.assign(new Error(''), { code: 'ECONNRESET' }))).toBe('ECONNRESET');
    expect(describeError(new Error('plain'))).toBe('plain');
  });
});

describe('httpGet through a proxy that never answers', () => {
  useCleanProxyEnvironment();

  async function silentProxy(): Promise<void> {
    process.env['https_proxy'] = await rawServer(() => {});
  }

  it('gives up after the idle timeout', async () => {
    await silentProxy();
    const error = await failure(get('https://media.test', undefined, 200));
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.message).toBe('no data for 200ms');
    expect(received[0]).toMatch(/^CONNECT media.test:443 HTTP\/1.1\r\n/);
  });

  it('gives up on the signal', async () => {
    await silentProxy();
    const aborter = new AbortController();
    const connecting = failure(get('https://media.test', aborter.signal));
    await expect.poll(() => received.length).toBe(1);

    aborter.abort();

    expect((await connecting).name).toBe('AbortError');
  });
});
