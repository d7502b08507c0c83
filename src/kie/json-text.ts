// JSON as Kie.ai wrote it: re-serialising a parsed value rewrites what JavaScript cannot hold (a
// 30-digit seed becomes 1.2345678901234568e+29, 1e999 becomes null), so the text is kept instead
// wherever that would change it.

/** `text` without the whitespace between tokens: every number and string exactly as written. */
export function compactJson(text: string): string {
  let compact = '';
  let start = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
    } else if (char === ' ' || char === '\n' || char === '\r' || char === '\t') {
      compact += text.slice(start, i);
      start = i + 1;
    }
  }
  return compact + text.slice(start);
}

/**
 * `value` (parsed from `raw`) as JSON text that says what `raw` says: compact, or indented by
 * `indent` when re-serialising keeps every number and string; else raw, compacted unless indented.
 */
export function faithfulJson(value: unknown, raw: string, indent?: number): string | undefined {
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch {
    return undefined; // nested deeper than the stack goes
  }
  const compact = compactJson(raw);
  if (text === compact || !isStrictJson(compact)) {
    return indent === undefined ? text : JSON.stringify(value, null, indent);
  }
  return indent === undefined ? compact : raw.trim();
}

function isStrictJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

// JSON.parse's source text and JSON.rawJSON (Node 22+; ES2023's lib does not type them yet).
interface RawJson {
  rawJSON(text: string): unknown;
}
const rawJson = (JSON as Partial<RawJson>).rawJSON?.bind(JSON);

/**
 * For a reviver: a number JSON.stringify would write as another value (a 30-digit seed, 1e999,
 * more digits than a double keeps) kept as its source text, which JSON.stringify writes as is;
 * schemas meet an object there and read it as absent. Ordinary numbers stay numbers. Without
 * the source (Node 20) the value as parsed.
 */
export function exactNumber(value: unknown, source: string | undefined): unknown {
  if (typeof value !== 'number' || source === undefined || rawJson === undefined) return value;
  if (source === String(value) || decimal(source) === decimal(String(value))) return value;
  return rawJson(source);
}

/** A number literal's value as sign, significant digits and exponent: `1.50e1` and `15` alike. */
function decimal(literal: string): string {
  const match = /^(-?)(\d*)\.?(\d*)(?:e([+-]?\d+))?$/i.exec(literal);
  if (!match) return literal; // Infinity, NaN: never equal to a literal's
  const [, sign, whole = '', fraction = '', exponent = '0'] = match;
  const digits = `${whole}${fraction}`.replace(/^0+/, '');
  const significant = digits.replace(/0+$/, '');
  if (significant === '') return '0';
  // Not BigInt: a hostile exponent of millions of digits would take seconds to read. Number is
  // exact to 15 digits, and beyond that no fraction in a 32 MB reply brings it near a double's.
  const power = Number(exponent) - fraction.length + (digits.length - significant.length);
  return `${sign}${significant}e${power}`;
}
