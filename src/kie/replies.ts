// The client's pure helpers: whether base-url would carry the key in clear text, and reading a
// reply as text (the envelope, Retry-After, short descriptions of what came back for messages).
import { BlockList, isIP } from 'node:net';
import { capText, redact, redactingReviver, redactJsonText } from '../net/server-text.js';
import { envelopeSchema, type Envelope, type TaskRecord } from './schema.js';

const BODY_EXCERPT_CHARS = 120;

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Plain http to a host that is not this machine (localhost, 127.0.0.0/8, ::1, IPv4-mapped too). */
export function sendsKeyInClearText(baseUrl: string): boolean {
  const url = new URL(baseUrl);
  const host = url.hostname
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();
  if (url.protocol !== 'http:' || host === 'localhost' || host.endsWith('.localhost')) return false;
  const family = isIP(host);
  return family === 0 || !LOOPBACK.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

/** The reply's envelope, every string in it redacted of `secrets` however the JSON spelt them. */
export function parseEnvelope(body: string, secrets: readonly string[] = []): Envelope | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body, redactingReviver(secrets));
  } catch {
    return undefined;
  }
  const envelope = envelopeSchema.safeParse(json);
  return envelope.success ? envelope.data : undefined;
}

// A Retry-After of hours would hold every task past its timeout: a minute is the most we honour.
const MAX_RETRY_AFTER_MS = 60_000;

/** Retry-After as delta-seconds or an HTTP date, at most a minute; undefined when absent or unreadable. */
export function parseRetryAfter(
  value: string | string[] | undefined,
  now: number,
): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  const ms = /^\d+$/.test(text.trim()) ? Number(text.trim()) * 1_000 : Date.parse(text) - now;
  return Number.isNaN(ms) ? undefined : Math.min(Math.max(0, ms), MAX_RETRY_AFTER_MS);
}

export function excerpt(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  if (flat === '') return '(empty body)';
  return flat.length > BODY_EXCERPT_CHARS ? `${flat.slice(0, BODY_EXCERPT_CHARS)}…` : flat;
}

export function describeShape(value: unknown): string {
  if (value === null || value === undefined) return 'data is empty';
  if (Array.isArray(value)) return 'data is an array';
  if (typeof value !== 'object') return `data is a ${typeof value}`;
  return `data has fields ${Object.keys(value).slice(0, 8).join(', ') || 'none'}`;
}

/**
 * A record as it may go on to outputs, files and logs: the secrets redacted where the envelope's
 * parser could not see them (inside resultJson's own JSON, percent-encoded in a URL), and the
 * server's words capped.
 */
export function sanitisedRecord(record: TaskRecord, secrets: readonly string[]): TaskRecord {
  const words = (text: string) => capText(redact(text, secrets));
  return {
    ...record,
    resultJson: redactJsonText(record.resultJson, secrets),
    resultUrls: record.resultUrls.map((url) => redact(url, secrets)),
    failMsg: redact(record.failMsg, secrets), // capped as it was read
    failCode: words(record.failCode),
    apiState: words(record.apiState),
    model: words(record.model),
    warnings: record.warnings.map(words),
  };
}
