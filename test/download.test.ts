import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../src/logger.js';
import { DownloadError, downloadAll, type DownloadOptions } from '../src/results/download.js';
import { DownloadPool } from '../src/results/pool.js';
import { USER_AGENT } from '../src/version.js';
import { generatedBytes, startMediaServer, type MediaServer } from './support/media-server.js';
import {
  startProxyServer,
  useCleanProxyEnvironment,
  type ProxyServer,
} from './support/proxy-server.js';

const MB = 1024 * 1024;

let server: MediaServer;
let otherOrigin: MediaServer;
let dir: string;
let logs: { info: string[]; warning: string[]; debug: string[] };

const logger: Logger = {
  info: (message) => logs.info.push(message),
  warning: (message) => logs.warning.push(message),
  debug: (message) => logs.debug.push(message),
};

function download(urls: string[], options: Partial<DownloadOptions> = {}) {
  return downloadAll({ urls, dir, maxBytes: 10 * MB, retryDelayMs: 1, logger, ...options });
}

async function rejection(promise: Promise<unknown>): Promise<DownloadError> {
  const error = await promise.then(
    () => expect.fail('expected the download to fail'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DownloadError);
  return error as DownloadError;
}

beforeEach(async () => {
  [server, otherOrigin] = await Promise.all([startMediaServer(), startMediaServer()]);
  dir = await mkdtemp(path.join(os.tmpdir(), 'kie-download-'));
  logs = { info: [], warning: [], debug: [] };
});

afterEach(async () => {
  // Every test doubles as a check on what the third-party hosts were sent.
  for (const request of [...server.requests, ...otherOrigin.requests]) {
    expect(request.headers['user-agent']).toMatch(new RegExp(`^${USER_AGENT}`));
    expect(request.headers).not.toHaveProperty('authorization');
    expect(request.method).toBe('GET');
  }
  await Promise.all([server.close(), otherOrigin.close()]);
  await rm(dir, { recursive: true, force: true });
});

describe('downloadAll', () => {
  it('downloads several files concurrently, in URL order, each logged once', async () => {
    const sizes = [3 * MB, 10, 0, 200_000, MB + 1, 5];
    const urls = sizes.map((size, i) =>
      server.route(`/files/${i}.bin`, { size, contentType: 'video/mp4', delayMs: 50 }),
    );

    const files = await download(urls, { pool: new DownloadPool(3) });

    expect(server.peakConcurrency).toBe(3);
    expect(files.map((f) => f.url)).toEqual(urls);
    for (const [i, file] of files.entries()) {
      expect(file).toEqual({
        url: urls[i],
        path: path.join(dir, `${i}.bin`),
        bytes: sizes[i],
        contentType: 'video/mp4',
      });
      expect((await readFile(file.path)).equals(generatedBytes(sizes[i]!))).toBe(true);
    }
    expect(logs.info).toHaveLength(sizes.length);
    expect(logs.info).toContainEqual(
      expect.stringMatching(/^Downloaded 0\.bin \(3\.0 MB in .+\)$/),
    );
    expect(logs.warning).toEqual([]);
  });

  it('runs four at a time by default', async () => {
    const urls = [1, 2, 3, 4, 5, 6].map((i) =>
      server.route(`/${i}.png`, { body: 'x', delayMs: 50 }),
    );
    await download(urls);
    expect(server.peakConcurrency).toBe(4);
  });

  it('writes the body to disk as it arrives', async () => {
    const cancel = new AbortController();
    const sent = 32 * MB;
    const url = server.route('/growing.mp4', { size: 64 * MB, stallAt: sent });
    const downloading = download([url], { maxBytes: 64 * MB, signal: cancel.signal });

    // The server has sent half and waits: everything it sent must already be in the file.
    await expect
      .poll(
        async () => {
          const [part] = await readdir(dir);
          return part === undefined ? 0 : (await stat(path.join(dir, part))).size;
        },
        { timeout: 10_000 },
      )
      .toBe(sent);

    cancel.abort(new Error('enough'));
    await expect(downloading).rejects.toThrow('enough');
  });

  it('holds far less than the body in memory', async () => {
    const size = 256 * MB;
    const url = server.route('/big.mp4', { size });
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);

    const [file] = await download([url], { maxBytes: size }).finally(() => clearInterval(sampler));

    expect(file!.bytes).toBe(size);
    // A client that buffers needs all 256 MB. A streaming one needs a few MB, but RSS also holds
    // garbage the GC has not yet collected: 82 MB has been seen on a busy CI machine.
    expect((peak - baseline) / MB).toBeLessThan(size / MB / 2);
  });

  it('follows relative, absolute and cross-origin redirects, naming the file after the first URL', async () => {
    const target = otherOrigin.route('/blobs/9f8e7d', { body: 'pixels', contentType: 'image/png' });
    server.route('/hop/3', { redirect: target, status: 307 });
    server.route('/hop/2', { redirect: `${server.url}/hop/3`, status: 301 });
    server.route('/hop/1', { redirect: '../hop/2' });
    const url = server.route('/share/photo.png', { redirect: '/hop/1', status: 308 });

    const [file] = await download([url]);

    expect(file).toMatchObject({ url, path: path.join(dir, 'photo.png'), bytes: 6 });
    expect(await readFile(file!.path, 'utf8')).toBe('pixels');
    expect(otherOrigin.requestsTo('/blobs/9f8e7d')).toHaveLength(1);
  });

  it('refuses a redirect from https to http, to another scheme, or to no URL at all, at once', async () => {
    const secure = await startMediaServer({ tls: 'trusted' });
    try {
      const plain = server.route('/plain.png', { body: 'x' });
      const cases: [string, string][] = [
        [
          secure.route('/down.png', { redirect: plain }),
          `refusing to follow a redirect from https to http: ${plain}`,
        ],
        [
          secure.route('/ftp.png', { redirect: 'ftp://media.test/a.png' }),
          'redirected to an unsupported URL: ftp://media.test/a.png',
        ],
        [
          secure.route('/bad.png', { redirect: 'http://[' }),
          'redirected to an invalid URL: http://[',
        ],
      ];
      for (const [url, reason] of cases) {
        const error = await rejection(download([url]));
        expect(error.message).toBe(`Could not download ${url}: ${reason}`);
      }
      expect(secure.requests).toHaveLength(3); // none retried
      expect(server.requestsTo('/plain.png')).toEqual([]);
    } finally {
      await secure.close();
    }
  });

  it('fails at once on a response that is not valid HTTP', async () => {
    const broken = net.createServer((socket) =>
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: lots\r\n\r\nbody'),
    );
    await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(broken.address() as AddressInfo).port}/x.png`;

      const error = await rejection(download([url]));

      expect(error.message).toMatch(
        new RegExp(`^Could not download ${url}: invalid HTTP response: .*Content-Length`),
      );
      expect(logs.info.filter((line) => line.includes('retrying'))).toEqual([]);
    } finally {
      broken.close();
    }
  });

  it('fails clearly after too many redirects, without retrying', async () => {
    const url = server.route('/loop.png', { redirect: '/loop.png' });

    const error = await rejection(download([url]));

    expect(error.url).toBe(url);
    expect(error.message).toBe(`Could not download ${url}: more than 5 redirects`);
    expect(server.requestsTo('/loop.png')).toHaveLength(6);
  });

  it.each(['chunked', 'close'] as const)(
    'accepts a body without Content-Length, %s-delimited',
    async (framing) => {
      const url = server.route('/unsized.mp3', { size: 2 * MB + 3, framing });

      const [file] = await download([url]);

      expect(file!.bytes).toBe(2 * MB + 3);
      expect((await readFile(file!.path)).equals(generatedBytes(2 * MB + 3))).toBe(true);
    },
  );

  it('reads past a 103 Early Hints to the answer', async () => {
    const url = server.route('/hinted.png', { body: 'png', earlyHints: true });
    const [file] = await download([url]);
    expect(await readFile(file!.path, 'utf8')).toBe('png');
  });

  it('downloads over https', async () => {
    const secure = await startMediaServer({ tls: 'trusted' });
    try {
      const url = secure.route('/secure.mp4', { size: 3 * MB + 1, contentType: 'video/mp4' });

      const [file] = await download([url]);

      expect(url).toMatch(/^https:/);
      expect((await readFile(file!.path)).equals(generatedBytes(3 * MB + 1))).toBe(true);
      expect(secure.requests[0]!.headers['user-agent']).toBe(USER_AGENT);
    } finally {
      await secure.close();
    }
  });

  it('refuses a certificate it cannot verify, without retrying', async () => {
    const impostor = await startMediaServer({ tls: 'untrusted' });
    try {
      const url = impostor.route('/secure.mp4', { body: 'x' });

      const error = await rejection(download([url]));

      // Node 24 adds a hint about --use-system-ca.
      expect(error.message).toMatch(
        `Could not download ${url}: the server's certificate was refused: self-signed certificate`,
      );
      expect(impostor.requests).toEqual([]);
      expect(logs.warning).toEqual([]);
    } finally {
      await impostor.close();
    }
  });

  it('treats 404 and other 4xx as permanent', async () => {
    const missing = `${server.url}/gone.png`;
    const forbidden = server.route('/forbidden.png', { status: 403 });

    const notFound = await rejection(download([missing]));
    expect(notFound.message).toBe(`Could not download ${missing}: HTTP 404 Not Found`);
    expect(server.requestsTo('/gone.png')).toHaveLength(1);

    const denied = await rejection(download([forbidden]));
    expect(denied.message).toBe(`Could not download ${forbidden}: HTTP 403 Forbidden`);
    expect(server.requestsTo('/forbidden.png')).toHaveLength(1);
    expect(logs.warning).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  it('retries 5xx, 408 and 429, logging each retry as info and warning about none', async () => {
    const url = server.route(
      '/flaky.webp',
      { status: 500 },
      { status: 503 },
      { status: 429 },
      { status: 408 },
      { body: 'ok' },
    );

    const [file] = await download([url], { retries: 4 });

    expect(file!.bytes).toBe(2);
    expect(server.requestsTo('/flaky.webp')).toHaveLength(5);
    expect(logs.warning).toEqual([]);
    expect(logs.info.slice(0, 4)).toEqual([
      `${url}: HTTP 500 Internal Server Error; retrying in 1ms (attempt 2 of 5)`,
      `${url}: HTTP 503 Service Unavailable; retrying in 2ms (attempt 3 of 5)`,
      `${url}: HTTP 429 Too Many Requests; retrying in 4ms (attempt 4 of 5)`,
      `${url}: HTTP 408 Request Timeout; retrying in 8ms (attempt 5 of 5)`,
    ]);
  });

  it('retries a refused connection', async () => {
    const closed = await startMediaServer();
    await closed.close(); // its port is free now: connections to it are refused
    const url = `${closed.url}/gone.png`;

    const error = await rejection(download([url], { retries: 1 }));

    expect(error.message).toMatch(
      new RegExp(`^Could not download ${url}: connect ECONNREFUSED .* \\(after 2 attempts\\)$`),
    );
    expect(logs.warning).toHaveLength(1);
  });

  it('names every refused address of a host name that has several', async () => {
    const closed = await startMediaServer();
    await closed.close();
    const url = `http://localhost:${new URL(closed.url).port}/gone.png`;

    const error = await rejection(download([url], { retries: 0 }));

    expect(error.message).toMatch(new RegExp(`^Could not download ${url}: .*ECONNREFUSED`));
  });

  it('gives up when the server keeps failing', async () => {
    const url = server.route('/down.png', { status: 502 });

    const error = await rejection(download([url], { retries: 2 }));

    expect(error.message).toBe(
      `Could not download ${url}: HTTP 502 Bad Gateway (after 3 attempts)`,
    );
    expect(server.requestsTo('/down.png')).toHaveLength(3);
    // Once, when giving up; the retries before were info.
    expect(logs.warning).toEqual([`${url}: giving up after 3 attempts: HTTP 502 Bad Gateway`]);
    expect(logs.info.filter((line) => line.includes('retrying'))).toHaveLength(2);
  });

  it('retries a truncated body', async () => {
    const body = generatedBytes(300_000);
    const url = server.route('/cut.png', { body, truncateAt: 100_000 }, { body });

    const [file] = await download([url]);

    expect((await readFile(file!.path)).equals(body)).toBe(true);
    expect(server.requestsTo('/cut.png')).toHaveLength(2);
    expect(logs.info).toContainEqual(
      expect.stringMatching(/connection lost after \d+ of 300000 bytes .*attempt 2 of 4/),
    );
    expect(logs.warning).toEqual([]);
    expect(await readdir(dir)).toEqual(['cut.png']);
  });

  it('fails when the body is always truncated, leaving nothing behind', async () => {
    const url = server.route('/cut.png', { size: 300_000, truncateAt: 100_000 });

    const error = await rejection(download([url], { retries: 2 }));

    expect(error.message).toMatch(
      /connection lost after \d+ of 300000 bytes .*\(after 3 attempts\)$/,
    );
    expect(server.requestsTo('/cut.png')).toHaveLength(3);
    expect(await readdir(dir)).toEqual([]);
  });

  it('gives up on a connection that goes silent', async () => {
    const url = server.route('/stuck.mp4', { size: 100_000, stallAt: 1_000 });

    const error = await rejection(download([url], { retries: 1, idleTimeoutMs: 200 }));

    expect(error.message).toMatch(
      /connection lost after 1000 of 100000 bytes \(no data for 200ms\) \(after 2 attempts\)$/,
    );
    expect(server.requestsTo('/stuck.mp4')).toHaveLength(2);
    expect(await readdir(dir)).toEqual([]);
  });

  it('gives up on a server that accepts the connection and never answers', async () => {
    const silent = net.createServer(() => {}); // not even a TLS handshake
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const url = `https://127.0.0.1:${(silent.address() as AddressInfo).port}/x.png`;

      const error = await rejection(download([url], { retries: 0, idleTimeoutMs: 200 }));

      expect(error.message).toBe(`Could not download ${url}: no data for 200ms`);
    } finally {
      silent.close();
    }
  });

  it('refuses a file whose Content-Length is over the limit, at once', async () => {
    const url = server.route('/huge.mp4', { size: 3 * MB });

    const error = await rejection(download([url], { maxBytes: MB }));

    expect(error.message).toBe(`Could not download ${url}: 3.0 MB is over the 1.0 MB limit`);
    expect(server.requestsTo('/huge.mp4')).toHaveLength(1);
    expect(await readdir(dir)).toEqual([]);
  });

  it('stops streaming a file without Content-Length once it is over the limit', async () => {
    const url = server.route('/huge.mp4', { size: 3 * MB, framing: 'chunked' });

    const error = await rejection(download([url], { maxBytes: MB }));

    expect(error.message).toBe(`Could not download ${url}: over the 1.0 MB limit`);
    expect(server.requestsTo('/huge.mp4')).toHaveLength(1);
    expect(await readdir(dir)).toEqual([]);
  });

  it('accepts a file of exactly the limit', async () => {
    const url = server.route('/exact.mp4', { size: MB, framing: 'chunked' });
    const [file] = await download([url], { maxBytes: MB });
    expect(file!.bytes).toBe(MB);
  });

  it('aborts the downloads in flight on the first permanent failure and cleans up', async () => {
    const midBody = server.route('/stalled.mp4', { size: 10 * MB, stallAt: MB });
    const awaitingHeaders = server.route('/slow.mp4', { body: 'x', delayMs: 30_000 });
    const missing = server.route('/missing.png', { status: 404, delayMs: 100 });
    const neverStarted = server.route('/later.png', { body: 'x' });
    const started = performance.now();

    const error = await rejection(
      download([midBody, awaitingHeaders, missing, neverStarted], { pool: new DownloadPool(3) }),
    );

    expect(error.url).toBe(missing);
    expect(performance.now() - started).toBeLessThan(5_000); // no waiting for the idle timeout
    expect(await readdir(dir)).toEqual([]);
    expect(server.requestsTo('/later.png')).toEqual([]);
  });

  it('tells which files it did download when a later one fails, and keeps them', async () => {
    const done = server.route('/done.png', { body: 'png' });
    const gone = server.route('/gone.png', { status: 404, delayMs: 100 });

    const error = await rejection(download([done, gone]));

    expect(error.url).toBe(gone);
    expect(error.completed).toEqual([expect.objectContaining({ url: done, bytes: 3 })]);
    expect(await readFile(error.completed[0]!.path, 'utf8')).toBe('png');
  });

  it('rejects URLs it cannot fetch before sending anything', async () => {
    const error = await rejection(download([server.route('/a.png', { body: 'a' }), 'ftp://x/y']));
    expect(error).toMatchObject({ url: 'ftp://x/y', message: expect.stringMatching(/only http/) });
    await expect(download(['not a url'])).rejects.toThrow('not a valid URL');
    expect(server.requests).toEqual([]);
  });

  it('keeps hostile names inside the directory (naming.test.ts has every case)', async () => {
    const paths = ['/../../etc/passwd', '/a/..%2f..%2fetc%2fpasswd', '/a/%2e%2e', '/a/CON.png'];
    for (const urlPath of paths) server.route(urlPath, { body: 'x' });

    const files = await download(paths.map((urlPath) => server.url + urlPath));

    expect(files.map((f) => path.basename(f.path))).toEqual([
      'passwd',
      'passwd-2',
      'file',
      '_CON.png',
    ]);
    for (const file of files) expect(path.dirname(file.path)).toBe(dir);
  });

  it('de-duplicates names, case-insensitively and against files already there', async () => {
    await writeFile(path.join(dir, 'image.png'), 'from an earlier run');
    const urls = ['/a/image.png', '/b/image.png', '/c/Image.PNG'].map((p) =>
      server.route(p, { body: p }),
    );

    const files = await download(urls);

    expect(files.map((f) => path.basename(f.path))).toEqual([
      'image-2.png',
      'image-3.png',
      'Image-4.PNG',
    ]);
    expect(await readFile(path.join(dir, 'image.png'), 'utf8')).toBe('from an earlier run');
    expect(await readFile(path.join(dir, 'Image-4.PNG'), 'utf8')).toBe('/c/Image.PNG');
  });

  it('adds an extension from Content-Type when the name has none', async () => {
    const urls = [
      server.route('/a/render', { body: 'x', contentType: 'image/png' }),
      server.route('/b/render.png', { body: 'x', contentType: 'image/png' }),
      server.route('/clip', { body: 'x', contentType: 'video/mp4' }),
      server.route('/still', { body: 'x', contentType: 'IMAGE/JPEG; charset=binary' }),
      server.route('/voice', { body: 'x', contentType: 'audio/mpeg' }),
      server.route('/blob', { body: 'x', contentType: 'application/octet-stream' }),
      server.route('/photo.webp', { body: 'x', contentType: 'image/png' }),
      server.route('/untyped', { body: 'x' }),
    ];

    const files = await download(urls);

    expect(files.map((f) => path.basename(f.path))).toEqual([
      'render.png',
      'render-2.png', // "render" had its stem reserved before its type was known
      'clip.mp4',
      'still.jpg',
      'voice.mp3',
      'blob',
      'photo.webp',
      'untyped',
    ]);
    expect(files[3]!.contentType).toBe('IMAGE/JPEG; charset=binary');
    expect(files[7]!.contentType).toBeUndefined();
  });

  it('fails without retrying when the file cannot be put in place', async () => {
    const url = server.route('/clip.mp4', { body: 'clip', delayMs: 100 });
    const downloading = rejection(download([url]));
    // Once the name is chosen, something else takes it: a directory, which no file can replace.
    await expect.poll(() => server.requests.length).toBe(1);
    await mkdir(path.join(dir, 'clip.mp4', 'inside'), { recursive: true });

    const error = await downloading;

    expect(error.message).toMatch(
      `Could not download ${url}: could not write clip.mp4 in ${dir}: EISDIR`,
    );
    expect(await readdir(dir)).toEqual(['clip.mp4']);
    expect(server.requests).toHaveLength(1);
  });

  it('creates the directory', async () => {
    const nested = path.join(dir, 'results', 'task-1');
    const [file] = await download([server.route('/a.png', { body: 'a' })], { dir: nested });
    expect(file!.path).toBe(path.join(nested, 'a.png'));
  });
});

describe('downloadAll: deadline, cancellation and fresh links', () => {
  it('stops a server that trickles within every idle period at the deadline, naming the URL', async () => {
    const url = server.route('/trickle.mp4', { size: 100_000, trickleMs: 10 });
    const quick = server.route('/quick.png', { body: 'x' });

    const error = await rejection(
      download([quick, url], {
        idleTimeoutMs: 1_000,
        timeoutMs: 300,
        timeoutName: "'download-timeout'",
      }),
    );

    expect(error.url).toBe(url);
    expect(error.message).toBe(
      `Could not download ${url}: not done when 'download-timeout' (300ms) ran out`,
    );
    expect(server.requestsTo('/trickle.mp4')).toHaveLength(1); // a deadline is not retried
    expect(await readdir(dir)).toEqual(['quick.png']); // no partial file left
    await expect.poll(() => server.active).toBe(0);
  });

  it('names a download still waiting for the pool when the deadline runs out', async () => {
    const pool = new DownloadPool(1);
    const blocker = server.route('/blocker.mp4', { size: 100_000, stallAt: 10 });
    const stopOther = new AbortController();
    const otherTask = download([blocker], { pool, signal: stopOther.signal });
    await expect.poll(() => server.requests.length).toBe(1);
    const waiting = `${server.url}/waiting.png`;

    const error = await rejection(download([waiting], { pool, timeoutMs: 50 }));

    expect(error.message).toBe(
      `Could not download ${waiting}: not done when the download timeout (50ms) ran out`,
    );
    expect(server.requestsTo('/waiting.png')).toEqual([]);
    stopOther.abort();
    await otherTask.catch(() => {});
  });

  it('stops on its signal: requests end, partial files go, queued downloads never start', async () => {
    const cancel = new AbortController();
    const midBody = server.route('/stalled.mp4', { size: 10 * MB, stallAt: MB });
    const queued = server.route('/queued.png', { body: 'x' });
    const downloading = download([midBody, queued], {
      pool: new DownloadPool(1),
      signal: cancel.signal,
    });
    // Under way: the temporary file is there, with some of the body in it.
    await expect.poll(async () => (await readdir(dir)).length).toBe(1);
    const reason = new Error('cancelled');

    cancel.abort(reason);

    await expect(downloading).rejects.toBe(reason);
    expect(await readdir(dir)).toEqual([]);
    expect(server.requestsTo('/queued.png')).toEqual([]);
    await expect.poll(() => server.active).toBe(0);
  });

  it('fails as before, saying nothing of fresh links, when there is none to be had', async () => {
    const url = server.route('/elsewhere/photo.png', { status: 404 });
    const error = await rejection(download([url], { refreshUrl: async () => undefined }));
    expect(error.message).toBe(`Could not download ${url}: HTTP 404 Not Found`);
    expect([...logs.info, ...logs.warning].join('\n')).not.toMatch(/fresh link/);
  });

  it('asks once for a fresh link when a URL has expired, and downloads that', async () => {
    const fresh = otherOrigin.route('/signed/new', { body: 'fresh', contentType: 'image/png' });
    const expired = server.route('/signed/photo', { status: 410 });
    const asked: string[] = [];

    const [file] = await download([expired], {
      refreshUrl: async (url) => (asked.push(url), fresh),
    });

    expect(asked).toEqual([expired]);
    expect(file).toMatchObject({ url: expired, path: path.join(dir, 'photo.png'), bytes: 5 });
    expect(await readFile(file!.path, 'utf8')).toBe('fresh');
    expect(logs.info).toContain(`${expired}: HTTP 410 Gone; trying the fresh link Kie.ai gave.`);
    expect(logs.warning).toEqual([]);
  });

  it.each([403, 404])(
    'asks at most once per URL (HTTP %i), then fails as before',
    async (status) => {
      const expired = server.route('/signed/a.png', { status });
      const stillExpired = server.route('/signed/b.png', { status });
      let calls = 0;

      const error = await rejection(
        download([expired], { refreshUrl: async () => (calls++, stillExpired) }),
      );

      expect(calls).toBe(1);
      expect(error.message).toMatch(new RegExp(`^Could not download ${expired}: HTTP ${status}`));
      expect(server.requestsTo('/signed/b.png')).toHaveLength(1);
    },
  );

  /** A refreshUrl hook still waiting for Kie.ai: it ends only when its signal aborts. */
  const neverAnswered = (_url: string, signal: AbortSignal) =>
    new Promise<undefined>((_, reject) => {
      signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
    });

  it('holds its timeout while a fresh link is asked for', async () => {
    const expired = server.route('/signed/slow.png', { status: 403 });

    const error = await rejection(
      download([expired], { timeoutMs: 200, refreshUrl: neverAnswered }),
    );

    expect(error.message).toBe(
      `Could not download ${expired}: not done when the download timeout (200ms) ran out`,
    );
  });

  it('stops on its signal while a fresh link is asked for', async () => {
    const expired = server.route('/signed/asked.png', { status: 403 });
    const cancel = new AbortController();
    let asked = 0;
    const downloading = download([expired], {
      signal: cancel.signal,
      refreshUrl: (url, signal) => (asked++, neverAnswered(url, signal)),
    });
    await expect.poll(() => asked).toBe(1);
    const reason = new Error('Received SIGINT.');

    cancel.abort(reason);

    await expect(downloading).rejects.toBe(reason);
  });

  it('fails as before when no fresh link comes back', async () => {
    const expired = server.route('/signed/c.png', { status: 410 });
    let calls = 0;

    const error = await rejection(
      download([expired], { refreshUrl: async () => (calls++, undefined) }),
    );

    expect(calls).toBe(1);
    expect(error.message).toBe(`Could not download ${expired}: HTTP 410 Gone`);
    expect(server.requestsTo('/signed/c.png')).toHaveLength(1);
  });
});

describe('downloadAll naming many results', () => {
  const many = (count: number) =>
    Array.from({ length: count }, (_, i) => `${server.url}/same/clip.mp4?part=${i}`);

  it('hears cancellation while naming, before any request', async () => {
    const controller = new AbortController();
    setImmediate(() => controller.abort(new Error('cancelled')));
    await expect(download(many(20_000), { signal: controller.signal })).rejects.toThrow(
      'cancelled',
    );
    expect(server.requests).toEqual([]);
  });

  it('runs download-timeout while naming, naming the first URL', async () => {
    const pending = download(many(20_000), { timeoutMs: 1, timeoutName: 'download-timeout' });
    const error = await rejection(pending);
    expect(error.message).toMatch(
      /^Could not download .*: not done when download-timeout \(1ms\) ran out$/,
    );
  });
});

describe('downloadAll through a proxy', () => {
  useCleanProxyEnvironment();
  let proxy: ProxyServer | undefined;
  // Only the proxy knows this name, so a download of it went through the proxy.
  const hostOf = (media: MediaServer) => `media.test:${new URL(media.url).port}`;

  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  it('sends http downloads to http_proxy with its credentials, and nowhere else', async () => {
    const credentials = `Basic ${Buffer.from('runner:p@ss').toString('base64')}`;
    proxy = await startProxyServer({
      hosts: { 'media.test': '127.0.0.1' },
      requireAuthorization: credentials,
    });
    process.env['http_proxy'] = proxy.url.replace('//', '//runner:p%40ss@');
    server.route('/clip.mp4', { size: MB, contentType: 'video/mp4' });
    const url = `http://${hostOf(server)}/clip.mp4`;

    const [file] = await download([url]);

    expect((await readFile(file!.path)).equals(generatedBytes(MB))).toBe(true);
    expect(proxy.requests).toEqual([
      expect.objectContaining({
        method: 'GET',
        target: url,
        headers: expect.objectContaining({ 'proxy-authorization': credentials }),
      }),
    ]);
    expect(server.requests[0]!.headers['host']).toBe(hostOf(server));
  });

  it('tunnels https downloads through https_proxy, its credentials on CONNECT only', async () => {
    const secure = await startMediaServer({ tls: 'trusted' });
    try {
      const credentials = `Basic ${Buffer.from('runner:secret').toString('base64')}`;
      proxy = await startProxyServer({
        hosts: { 'media.test': '127.0.0.1' },
        requireAuthorization: credentials,
      });
      process.env['https_proxy'] = proxy.url.replace('//', '//runner:secret@');
      secure.route('/clip.mp4', { size: 2 * MB, contentType: 'video/mp4' });
      const url = `https://${hostOf(secure)}/clip.mp4`;

      const [file] = await download([url]);

      expect((await readFile(file!.path)).equals(generatedBytes(2 * MB))).toBe(true);
      expect(proxy.requests.map((r) => [r.method, r.target])).toEqual([
        ['CONNECT', hostOf(secure)],
      ]);
      // What went through the tunnel reached the origin as sent: without the proxy's credentials.
      expect(secure.requests).toHaveLength(1);
      expect(secure.requests[0]!.headers).not.toHaveProperty('proxy-authorization');
    } finally {
      await secure.close();
    }
  });

  it('fails at once when the proxy refuses the tunnel', async () => {
    proxy = await startProxyServer({ hosts: {}, requireAuthorization: 'Basic secret' });
    process.env['HTTPS_PROXY'] = proxy.url;
    const url = 'https://media.test/clip.mp4';

    const error = await rejection(download([url]));

    expect(error.message).toBe(
      `Could not download ${url}: the proxy ${new URL(proxy.url).host} refused the tunnel: HTTP 407`,
    );
    expect(proxy.requests).toHaveLength(1);
  });

  it('goes straight to hosts in no_proxy', async () => {
    proxy = await startProxyServer({ hosts: {} });
    process.env['http_proxy'] = proxy.url;
    process.env['no_proxy'] = 'example.org, media.test';
    const url = 'http://media.test/clip.mp4'; // a name nothing else resolves

    const error = await rejection(download([url], { retries: 0 }));

    expect(error.message).toMatch(/ENOTFOUND|EAI_AGAIN/);
    expect(proxy.requests).toEqual([]);
  });

  it.each(['proxy.corp:3128', 'corp proxy:3128'])(
    'refuses a proxy variable that is no http(s) URL, %s, naming the variable only',
    async (value) => {
      process.env['http_proxy'] = value;

      const error = await rejection(download(['http://media.test/clip.mp4']));

      expect(error.message).toBe(
        'Could not download http://media.test/clip.mp4: http_proxy is not an http:// or https:// URL',
      );
      expect(logs.warning).toEqual([]);
    },
  );
});
