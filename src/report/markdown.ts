// Server text in the job summary, made inert: a failMsg, title, prompt or URL from Kie.ai (or
// whatever answers at base-url) renders as the text it is, never as Markdown or HTML of its own:
// no tracking image, no javascript: link, no fake heading. Every helper returns one line.

const LINE_BREAK = /\r\n?|\n|\u2028|\u2029/g;
// Every ASCII punctuation character may be backslash-escaped in CommonMark, and an escaped one is
// never markup: headings, emphasis, links, HTML, entities, table pipes all become plain text.
const PUNCTUATION = /[!-/:-@[-`{-~]/g;

/** Text as literal Markdown on one line; line breaks become `breakWith` (a space by default). */
export function mdText(text: string, breakWith = ' '): string {
  return text
    .replace(PUNCTUATION, '\\$&')
    .replace(/[\t ]+/g, ' ')
    .replace(LINE_BREAK, breakWith);
}

/** Text for a table cell: literal, a line break kept as <br> (a newline would end the row). */
export function mdCell(text: string): string {
  return mdText(text.trim(), '<br>');
}

/**
 * A code span that holds `text` literally: fenced by more backticks than the longest run inside,
 * padded with a space where the text starts or ends with a backtick (or would lose its own
 * padding). In a table cell a pipe must be written `\|` even inside code (GFM splits the row first).
 */
export function mdCode(text: string, { inTable = false } = {}): string {
  const flat = text.replace(LINE_BREAK, ' ');
  if (flat === '') return '';
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = /^[` ]|[` ]$/.test(flat) && flat.trim() !== '' ? ' ' : '';
  const body = inTable ? flat.replaceAll('|', '\\|') : flat;
  return `${fence}${pad}${body}${pad}${fence}`;
}

/** The URL as an absolute http(s) address, or undefined: javascript:, data:, file: never pass. */
export function webUrl(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
  // href is percent-encoded already (spaces, quotes, <>); what Markdown or a table would still read
  // as syntax is encoded too.
  return parsed.href.replace(
    /[()|<>"'`\\[\]*_]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** A Markdown link to an http(s) URL; any other URL shows as text, never as a link. */
export function mdLink(url: string, label: string): string {
  const safe = webUrl(url);
  return safe ? `[${mdText(label)}](${safe})` : mdText(label);
}

/** An attribute value for the few HTML tags the summary writes itself. */
function attribute(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('"', '&quot;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;');
}

/**
 * An image `height` pixels high that links to itself (HTML: Markdown cannot size an image), or
 * undefined for a URL that is not http(s).
 */
export function htmlImage(url: string, alt: string, height: number): string | undefined {
  const safe = webUrl(url);
  if (!safe) return undefined;
  const src = attribute(safe);
  return `<a href="${src}"><img src="${src}" alt="${attribute(alt.replace(LINE_BREAK, ' '))}" height="${height}"></a>`;
}

/** At most `chars` characters of `text`, with an ellipsis when cut (never inside a surrogate pair). */
export function clip(text: string, chars: number): string {
  if (text.length <= chars) return text;
  const end = /[\uD800-\uDBFF]/.test(text[chars - 1] ?? '') ? chars - 1 : chars;
  return `${text.slice(0, end).trimEnd()}…`;
}
