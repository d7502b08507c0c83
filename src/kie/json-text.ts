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
