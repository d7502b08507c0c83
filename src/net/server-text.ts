// Text from a server, made safe where it enters and where it is shown: the API key (which a
// server may echo back) redacted, length capped, and control characters written out so no
// terminal or log viewer acts on them. Every surface (log, CLI, summary) uses these.
import { exactNumber } from '../kie/json-text.js';

/** What a message or reason from the server may fill in a log line, an output or the summary. */
export const MAX_SERVER_TEXT_CHARS = 2_000;

/** At most `max` characters, with a note saying how many more there were. */
export function capText(text: string, max = MAX_SERVER_TEXT_CHARS): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${text.length - max} more characters not shown)`;
}

// C0 but newline and tab, DEL, and C1: ESC, BEL, CR, CSI (U+009B) could recolour, retitle or
// overwrite a terminal, or hide what comes before them.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/** `text` with each control character written out (`\x1b`); a CRLF line end is a newline. */
export function escapeControls(text: string): string {
  return text
    .replaceAll('\r\n', '\n')
    .replace(CONTROL, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export const REDACTED = '***';

/**
 * `text` with every secret replaced by `***`: as is, percent-encoded, or hidden behind percent
 * escapes that decode to it (a URL's query string). JSON escapes are undone by the JSON parser
 * first: see redactingReviver.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    result = result.replaceAll(secret, REDACTED);
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) result = result.replaceAll(encoded, REDACTED);
  }
  if (!result.includes('%')) return result;
  const decoded = percentDecoded(result);
  return secrets.some((secret) => decoded.includes(secret)) ? redact(decoded, secrets) : result;
}

function percentDecoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * For JSON.parse: every string value of the reply redacted, whatever escapes spelt it, and every
 * number kept as written where JSON.stringify would rewrite it (see exactNumber).
 */
export function redactingReviver(secrets: readonly string[]) {
  return (_key: string, value: unknown, context?: { source?: string }): unknown =>
    typeof value === 'string'
      ? secrets.length > 0
        ? redact(value, secrets)
        : value
      : exactNumber(value, context?.source);
}

/**
 * JSON text (a result nested in the reply as a string, whose own escapes the envelope's parser
 * did not undo) redacted: re-serialised only when a secret was found in it, so the text stays as
 * sent otherwise. Text that is not strict JSON is redacted as text.
 */
export function redactJsonText(text: string, secrets: readonly string[]): string {
  const plain = redact(text, secrets);
  if (secrets.length === 0 || !/[\\%]/.test(plain)) return plain;
  let found = false;
  const reviver = redactingReviver(secrets);
  let value: unknown;
  try {
    value = JSON.parse(plain, (key, item: unknown, context?: { source?: string }) => {
      const redacted = reviver(key, item, context);
      found ||= typeof item === 'string' && redacted !== item;
      return redacted;
    });
  } catch {
    return plain;
  }
  return found ? JSON.stringify(value) : plain;
}
