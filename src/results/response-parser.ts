// An HTTP/1.1 response parser for downloads: strict framing, bounded memory, and the body handed
// over as views of the bytes it is fed, never copied.
//
// Why not http-parser-js (tried first): it reads chunk sizes with parseInt, so a size of "-5"
// loops forever and "zz" ends the body early as if complete, and it does not bound trailers or
// chunk extensions. Node's own llhttp is not public, and copies every body chunk.

export interface ResponseHandlers {
  /** Names in lower case; of a repeated header, the first value. */
  onHead(status: number, headers: Record<string, string>): void;
  /** A view of the bytes passed to execute(), valid only during the call. */
  onBody(chunk: Buffer): void;
  onComplete(): void;
}

export class ParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParseError';
  }
}

// Room for any real head, 1xx answers included, and trailers; nothing a hostile server can abuse.
const MAX_HEAD_BYTES = 64 * 1024;
const MAX_CHUNK_LINE_BYTES = 4 * 1024;
const MAX_CHUNK_SIZE_DIGITS = 12; // 2^48: a TB per chunk, and exact as a number
const LF = 0x0a;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

type State =
  | 'status'
  | 'headers'
  | 'sized'
  | 'until-close'
  | 'chunk-size'
  | 'chunk-data'
  | 'chunk-end'
  | 'trailers'
  | 'complete';

export class ResponseParser {
  private state: State = 'status';
  private status = 0;
  private fields: [string, string][] = [];
  /** Body bytes left in a sized body or in the current chunk. */
  private remaining = 0;
  /** The start of a line that has not ended yet, in latin1. */
  private partialLine = '';
  /** Bytes of lines read in the current section: the head (1xx included), a chunk line, trailers. */
  private sectionBytes = 0;

  constructor(private readonly handlers: ResponseHandlers) {}

  get complete(): boolean {
    return this.state === 'complete';
  }

  /** Parses `data[start, end)`. Throws ParseError, or what a handler threw. */
  execute(data: Buffer, start = 0, end = data.length): void {
    let offset = start;
    while (offset < end && this.state !== 'complete') {
      switch (this.state) {
        case 'sized':
        case 'chunk-data': {
          const length = Math.min(this.remaining, end - offset);
          this.remaining -= length;
          const chunk = data.subarray(offset, offset + length);
          offset += length;
          if (this.remaining === 0) this.state = this.state === 'sized' ? 'complete' : 'chunk-end';
          this.handlers.onBody(chunk);
          if (this.complete) this.handlers.onComplete();
          break;
        }
        case 'until-close':
          this.handlers.onBody(data.subarray(offset, end));
          offset = end;
          break;
        default:
          offset = this.readLine(data, offset, end);
      }
    }
    // Bytes after the end of the response belong to nothing: we asked for the connection to close.
  }

  /** The connection ended: that completes a body that runs to the close, and nothing else. */
  finish(): void {
    if (this.state !== 'until-close') return;
    this.state = 'complete';
    this.handlers.onComplete();
  }

  private readLine(data: Buffer, offset: number, end: number): number {
    const newline = data.subarray(offset, end).indexOf(LF);
    const lineEnd = newline === -1 ? end : offset + newline;
    this.sectionBytes += lineEnd - offset + (newline === -1 ? 0 : 1);
    const limit =
      this.state === 'chunk-size' || this.state === 'chunk-end'
        ? MAX_CHUNK_LINE_BYTES
        : MAX_HEAD_BYTES;
    if (this.sectionBytes > limit)
      throw new ParseError(`more than ${limit} bytes of ${this.section()}`);
    this.partialLine += data.toString('latin1', offset, lineEnd);
    if (newline === -1) return end;
    // A lone LF ends a line too (RFC 9112, 2.2).
    const line = this.partialLine.endsWith('\r') ? this.partialLine.slice(0, -1) : this.partialLine;
    this.partialLine = '';
    this.line(line);
    return lineEnd + 1;
  }

  private section(): string {
    if (this.state === 'trailers') return 'trailers';
    return this.state.startsWith('chunk') ? 'chunk line' : 'response head';
  }

  private line(line: string): void {
    switch (this.state) {
      case 'status': {
        const match = /^HTTP\/1\.[01] ([1-9]\d\d)(?: |$)/.exec(line);
        if (!match)
          throw new ParseError(`not an HTTP/1.1 status line: ${JSON.stringify(line.slice(0, 40))}`);
        this.status = Number(match[1]);
        this.fields = [];
        this.state = 'headers';
        return;
      }
      case 'headers': {
        if (line === '') return this.headComplete();
        const colon = line.indexOf(':');
        const name = line.slice(0, colon);
        // Folded lines (obsolete) and names with spaces are how responses get smuggled.
        if (colon === -1 || !TOKEN.test(name)) {
          throw new ParseError(`invalid header line: ${JSON.stringify(line.slice(0, 40))}`);
        }
        this.fields.push([name.toLowerCase(), line.slice(colon + 1).trim()]);
        return;
      }
      case 'chunk-size': {
        const match = /^([0-9A-Fa-f]+)[ \t]*(?:;.*)?$/.exec(line);
        if (!match || match[1]!.length > MAX_CHUNK_SIZE_DIGITS) {
          throw new ParseError(`invalid chunk size: ${JSON.stringify(line.slice(0, 40))}`);
        }
        this.remaining = parseInt(match[1]!, 16);
        this.sectionBytes = 0;
        this.state = this.remaining === 0 ? 'trailers' : 'chunk-data';
        return;
      }
      case 'chunk-end':
        if (line !== '') throw new ParseError('chunk longer than its size');
        this.sectionBytes = 0;
        this.state = 'chunk-size';
        return;
      case 'trailers':
        if (line !== '') return; // trailers are read and dropped: a file has no use for them
        this.state = 'complete';
        this.handlers.onComplete();
        return;
    }
  }

  private headComplete(): void {
    const { status } = this;
    if (status < 200) {
      // 103 Early Hints and the like precede the answer; 101 would leave HTTP, which we never ask.
      if (status === 101) throw new ParseError('an unrequested protocol switch (101)');
      this.state = 'status';
      return;
    }
    const framing = this.bodyFraming(status); // first, as it may find the head invalid
    const headers: Record<string, string> = {};
    for (const [name, value] of this.fields) headers[name] ??= value;
    this.sectionBytes = 0;
    this.state = framing;
    this.handlers.onHead(status, headers);
    if (framing === 'complete') this.handlers.onComplete();
  }

  /** RFC 9112, 6.3, for a response to GET. */
  private bodyFraming(status: number): State {
    if (status === 204 || status === 304) return 'complete';
    const values = (name: string) =>
      this.fields
        .filter(([field]) => field === name)
        .flatMap(([, value]) => value.split(','))
        .map((value) => value.trim().toLowerCase())
        .filter((value) => value !== '');
    const codings = values('transfer-encoding');
    if (codings.length > 0) return codings.at(-1) === 'chunked' ? 'chunk-size' : 'until-close';
    const lengths = new Set(values('content-length'));
    if (lengths.size === 0) return 'until-close';
    const [length] = lengths;
    if (lengths.size > 1 || !/^\d{1,15}$/.test(length!)) {
      throw new ParseError(`invalid Content-Length: ${[...lengths].join(', ')}`);
    }
    this.remaining = Number(length);
    return this.remaining === 0 ? 'complete' : 'sized';
  }
}
