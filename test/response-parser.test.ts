import { describe, expect, it } from 'vitest';
import { ParseError, ResponseParser } from '../src/results/response-parser.js';

interface Parsed {
  status?: number;
  headers?: Record<string, string>;
  body: string;
  completions: number;
}

/** Feeds `text` in pieces of `pieceBytes` (all at once by default), then the end of the connection. */
function parse(text: string, pieceBytes = Infinity, connectionEnds = true): Parsed {
  const parsed: Parsed = { body: '', completions: 0 };
  const parser = new ResponseParser({
    onHead: (status, headers) => Object.assign(parsed, { status, headers }),
    onBody: (chunk) => (parsed.body += chunk.toString('latin1')),
    onComplete: () => parsed.completions++,
  });
  const bytes = Buffer.from(text, 'latin1');
  for (let offset = 0; offset < bytes.length; offset += pieceBytes) {
    parser.execute(bytes, offset, Math.min(bytes.length, offset + pieceBytes));
  }
  if (connectionEnds) parser.finish();
  expect(parser.complete).toBe(parsed.completions === 1);
  return parsed;
}

function parseError(text: string): string {
  try {
    parse(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ParseError);
    return (error as Error).message;
  }
  return expect.fail('expected a ParseError');
}

const CHUNKED =
  'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' +
  '5\r\nhello\r\nA;name=value\r\n, world!!!\r\n0\r\nX-Checksum: 1\r\n\r\n';

describe('ResponseParser', () => {
  it('reads a sized response the same whatever the pieces it comes in', () => {
    const text =
      'HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nContent-Length: 11\r\n\r\nhello world';
    for (const piece of [1, 2, 3, 7, 40, Infinity]) {
      expect(parse(text, piece, false)).toEqual({
        status: 200,
        headers: { 'content-type': 'video/mp4', 'content-length': '11' },
        body: 'hello world',
        completions: 1,
      });
    }
  });

  it('decodes chunks, extensions and trailers whatever the pieces', () => {
    for (const piece of [1, 2, 5, 13, Infinity]) {
      expect(parse(CHUNKED, piece, false)).toMatchObject({
        body: 'hello, world!!!',
        completions: 1,
      });
    }
  });

  it('hands the body over as views of the bytes it was given, not copies', () => {
    // Not from Buffer's shared pool, where a small copy would share the same ArrayBuffer.
    const text = 'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody';
    const input = Buffer.alloc(text.length);
    input.write(text);
    const chunks: Buffer[] = [];
    new ResponseParser({
      onHead: () => {},
      onBody: (chunk) => chunks.push(chunk),
      onComplete: () => {},
    }).execute(input);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.buffer).toBe(input.buffer);
  });

  it('keeps the first of repeated headers and accepts lines ended by LF alone', () => {
    expect(parse('HTTP/1.0 200 OK\nX-Tag: one\nx-tag:  two \n\nbody')).toEqual({
      status: 200,
      headers: { 'x-tag': 'one' },
      body: 'body',
      completions: 1,
    });
  });

  it('reads a body without length to the end of the connection, and only then completes', () => {
    expect(parse('HTTP/1.1 200 OK\r\n\r\nall of it', Infinity, false).completions).toBe(0);
    expect(parse('HTTP/1.1 200 OK\r\n\r\nall of it').body).toBe('all of it');
  });

  it('never completes a sized or chunked body cut short', () => {
    expect(parse('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort')).toMatchObject({
      body: 'short',
      completions: 0,
    });
    expect(parse(CHUNKED.slice(0, -4)).completions).toBe(0);
  });

  it('skips informational answers', () => {
    const text =
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n' +
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
    expect(parse(text)).toMatchObject({
      status: 200,
      headers: { 'content-length': '2' },
      body: 'ok',
    });
  });

  it.each([
    ['204 No Content', 'HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n'],
    ['304 Not Modified', 'HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n'],
    ['Content-Length: 0', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'],
  ])('completes with the head when there is no body: %s', (_, text) => {
    expect(parse(`${text}junk after`, Infinity, false)).toMatchObject({ body: '', completions: 1 });
  });

  it.each([
    [
      'chunked last wins over Content-Length',
      'Transfer-Encoding: gzip, chunked\r\nContent-Length: 3',
      'chunked',
    ],
    [
      'a coding other than chunked last is read to the close',
      'Transfer-Encoding: chunked, gzip',
      'close',
    ],
    [
      'equal Content-Length values count as one',
      'Content-Length: 5, 5\r\nContent-Length: 5',
      'sized',
    ],
  ])('frames the body by RFC 9112: %s', (_, headers, framing) => {
    const body = { chunked: '5\r\nhello\r\n0\r\n\r\n', close: 'hello', sized: 'hello' }[framing]!;
    const parsed = parse(
      `HTTP/1.1 200 OK\r\n${headers}\r\n\r\n${body}`,
      Infinity,
      framing === 'close',
    );
    expect(parsed).toMatchObject({ body: 'hello', completions: 1 });
  });

  it('ignores whatever follows a complete response', () => {
    const text =
      'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello' +
      'HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nINJECTED';
    expect(parse(text)).toMatchObject({ body: 'hello', completions: 1 });
  });

  it.each([
    ['a negative size', '-5'],
    ['a size that is not hex', 'zz'],
    ['an empty size line', ''],
    ['a 0x prefix', '0x5'],
    ['a size of 13 hex digits', '1000000000000'],
  ])('refuses %s of chunk', (_, size) => {
    const text = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${size}\r\nhello\r\n0\r\n\r\n`;
    expect(parseError(text)).toMatch(/^invalid chunk size/);
  });

  it('refuses a chunk longer than its size', () => {
    const text = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n';
    expect(parseError(text)).toBe('chunk longer than its size');
  });

  it.each([
    ['HTTP/2', 'HTTP/2 200 OK\r\n\r\n', /^not an HTTP\/1.1 status line/],
    ['not HTTP', 'SSH-2.0-OpenSSH_9.6\r\n\r\n', /^not an HTTP\/1.1 status line/],
    ['a two-digit status', 'HTTP/1.1 99 Odd\r\n\r\n', /^not an HTTP\/1.1 status line/],
    ['a folded header', 'HTTP/1.1 200 OK\r\nX-A: 1\r\n continued\r\n\r\n', /^invalid header line/],
    ['a space in a name', 'HTTP/1.1 200 OK\r\nContent Length: 5\r\n\r\n', /^invalid header line/],
    [
      'Content-Length with letters',
      'HTTP/1.1 200 OK\r\nContent-Length: 5a\r\n\r\n',
      /^invalid Content-Length/,
    ],
    [
      'a negative Content-Length',
      'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n',
      /^invalid Content-Length/,
    ],
    [
      'Content-Lengths that differ',
      'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n',
      /^invalid Content-Length/,
    ],
    ['an unrequested switch', 'HTTP/1.1 101 Switching Protocols\r\n\r\n', /\(101\)$/],
  ])('refuses %s', (_, text, message) => {
    expect(parseError(text)).toMatch(message);
  });

  it('counts the limits the same whatever the pieces', () => {
    const head = `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(65_000)}\r\nContent-Length: 2\r\n\r\nok`;
    const chunked =
      `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n` +
      `2;${'x'.repeat(4_000)}\r\nok\r\n0\r\n\r\n`;
    for (const piece of [1, 1448, Infinity]) {
      expect(parse(head, piece).body).toBe('ok');
      expect(parse(chunked, piece).body).toBe('ok');
    }
  });

  it.each([
    ['a head', `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`, 'response head'],
    [
      'answers before the head',
      'HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n'.repeat(2_000),
      'response head',
    ],
    [
      'a chunk line',
      `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;${'x'.repeat(5_000)}\r\n`,
      'chunk line',
    ],
    [
      'trailers',
      `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n${'X-T: 1\r\n'.repeat(10_000)}`,
      'trailers',
    ],
  ])('bounds the memory %s may take, whatever the pieces', (_, text, section) => {
    for (const piece of [997, Infinity]) {
      expect(() => parse(text, piece)).toThrow(new RegExp(`^more than \\d+ bytes of ${section}$`));
    }
  });
});
