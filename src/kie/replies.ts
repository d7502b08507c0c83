// The client's pure helpers: whether base-url would carry the key in clear text, and reading a
// reply as text (the envelope, Retry-After, short descriptions of what came back for messages).
import { BlockList, isIP } from 'node:net';
import { envelopeSchema, type Envelope } from './schema.js';

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

export function parseEnvelope(body: string): Envelope | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
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
