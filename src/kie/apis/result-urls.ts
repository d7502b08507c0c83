// Where a record's result URLs are: each API's documented field first, then a bounded set of places
// real replies have used instead (a whole envelope inside resultJson, snake_case `result_urls`,
// Veo's older `resultUrls` JSON string on the record). A success with no URL in any of them says
// where it looked, and the record as sent is kept.
import { safeStringify } from '../schema.js';

/** A field of an object that may be anything (null, a string, an array). */
export function field(value: unknown, name: string): unknown {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)[name]
    : undefined;
}

/** How deep urlsIn looks: a JSON string holding a list of objects is the deepest shape seen. */
const MAX_URL_DEPTH = 5;
// The keys a URL object carries: Midjourney's `{resultUrl}`, and `{url}` seen in real replies.
const URL_KEYS = ['resultUrl', 'url'];
// What an empty value looks like on the wire: a legacy image API sent the string "null".
const EMPTY = new Set(['', 'null', 'undefined']);

/**
 * Every URL string in `values`, in order and once each: strings, arrays, objects with `resultUrl`
 * or `url`, and JSON text of those (Veo's older `resultUrls` string). Anything else is skipped,
 * never thrown on; so is nesting deeper than any shape seen, which could overflow the stack.
 */
export function urlsIn(...values: unknown[]): string[] {
  const found: string[] = [];
  const visit = (value: unknown, depth: number) => {
    if (depth > MAX_URL_DEPTH) return;
    if (typeof value === 'string') {
      const url = value.trim();
      if (url.startsWith('[') || url.startsWith('{')) visit(parseJson(url), depth + 1);
      else if (!EMPTY.has(url.toLowerCase())) found.push(url);
    } else if (Array.isArray(value)) {
      for (const item of value) visit(item, depth + 1);
    } else if (value !== null && typeof value === 'object') {
      const key = URL_KEYS.find((name) => name in value);
      if (key) visit((value as Record<string, unknown>)[key], depth + 1);
    }
  };
  for (const value of values) visit(value, 0);
  return [...new Set(found)];
}

/** The URLs in every field of `value` whose name matches `names` (`…Url`: each stem's), in order. */
export function urlsInFields(value: unknown, names: RegExp): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  const fields = Object.entries(value as Record<string, unknown>);
  return urlsIn(...fields.filter(([name]) => names.test(name)).map(([, url]) => url));
}

/** JSON text's value, or undefined for text that is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Not JSON: undefined, in which no URL or model is found.
  }
}

export interface UrlSearch {
  /** The API's name for the object that holds its result (`response`, `resultJson` …). */
  resultField: string;
  result?: unknown;
  /** The record as sent. */
  raw: unknown;
  /** The documented fields read already, for the warning. */
  documented: string[];
}

/**
 * The places looked in when the documented fields hold no URL, in this order; the first that
 * holds any wins, so one file is never fetched twice under two names.
 */
export function fallbackPlaces({ resultField, result, raw }: UrlSearch) {
  const nested = field(result, 'data');
  return [
    { name: `${resultField}.resultUrls`, value: field(result, 'resultUrls') },
    { name: `${resultField}.result_urls`, value: field(result, 'result_urls') },
    { name: `${resultField}.data.resultUrls`, value: field(nested, 'resultUrls') },
    { name: `${resultField}.data.result_urls`, value: field(nested, 'result_urls') },
    { name: 'resultUrls', value: field(raw, 'resultUrls') },
    { name: 'result_urls', value: field(raw, 'result_urls') },
  ];
}

/** The URLs from the fallback places, and every place looked in (documented ones first). */
export function searchFallbacks(search: UrlSearch): { urls: string[]; lookedIn: string[] } {
  const places = fallbackPlaces(search);
  const lookedIn = [...new Set([...search.documented, ...places.map((place) => place.name)])];
  for (const place of places) {
    const urls = urlsIn(place.value);
    if (urls.length > 0) return { urls, lookedIn };
  }
  return { urls: [], lookedIn };
}

/**
 * A success's URLs: `documented` when it has any, else the fallbacks'. With none anywhere, a
 * warning naming every place looked in, and the record as sent for resultJson, so nothing is lost.
 */
export function locateResultUrls(
  documented: string[],
  search: UrlSearch & { label: string; success: boolean },
): { urls: string[]; warning?: string; rawJson?: string } {
  if (documented.length > 0) return { urls: documented };
  const { urls, lookedIn } = searchFallbacks(search);
  if (urls.length > 0 || !search.success) return { urls };
  return {
    urls,
    warning:
      `${search.label} reported success but no result URL was found (looked in ${lookedIn.join(', ')}); ` +
      'the record as sent is kept in resultJson.',
    rawJson: safeStringify(search.raw),
  };
}
