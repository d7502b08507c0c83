// File names for downloads and written results: safe on any runner's file system, unique in their
// directory, and never one that is already there (so nothing of anyone else's is overwritten).
import path from 'node:path';

const MAX_NAME_BYTES = 100;
const MAX_EXTENSION_LENGTH = 10;

const EXTENSIONS: Record<string, string> = {
  'image/png': '.png',
  'image/jpeg': '.jpg',
  'image/webp': '.webp',
  'image/gif': '.gif',
  'image/avif': '.avif',
  'image/svg+xml': '.svg',
  'video/mp4': '.mp4',
  'video/webm': '.webm',
  'video/quicktime': '.mov',
  'audio/mpeg': '.mp3',
  'audio/wav': '.wav',
  'audio/x-wav': '.wav',
  'audio/ogg': '.ogg',
  'audio/mp4': '.m4a',
  'audio/aac': '.aac',
  'audio/flac': '.flac',
  'application/json': '.json',
  'application/zip': '.zip',
  'text/plain': '.txt',
};

/** The extension a Content-Type stands for, if it is one we know. */
export function extensionFor(contentType: string | undefined): string | undefined {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  return mediaType === undefined ? undefined : EXTENSIONS[mediaType];
}

/**
 * The URL path's last segment made safe for any runner's file system: no separators (a
 * percent-encoded path names its last part), no control or bidi characters, none of Windows'
 * reserved characters or device names, no "..", no leading dots, at most MAX_NAME_BYTES of UTF-8.
 */
export function fileNameFor(url: URL): string {
  const segment = url.pathname.slice(url.pathname.lastIndexOf('/') + 1);
  // Stryker disable next-line StringLiteral: split always gives at least one part
  const lastPart = percentDecode(segment).split(/[/\\]/).pop() ?? '';
  const cleaned = Array.from(lastPart)
    .filter((char) => !isControl(char))
    .map((char) => ('<>:"|?*'.includes(char) ? '_' : char))
    .join('')
    .replace(/\.{2,}/g, '.')
    .replace(/^[\s.]+|[\s.]+$/g, '');
  let extension = path.extname(cleaned);
  if (extension.length > MAX_EXTENSION_LENGTH) extension = '';
  const stem = truncateUtf8(
    cleaned.slice(0, cleaned.length - extension.length),
    MAX_NAME_BYTES - Buffer.byteLength(extension),
  ).replace(/[\s.]+$/, '');
  const name = (stem || 'file') + extension;
  // Windows reads COM¹ to COM³ and LPT¹ to LPT³ as devices too.
  return /^(con|prn|aux|nul|com[\d¹²³]|lpt[\d¹²³])(\.|$)/i.test(name) ? `_${name}` : name;
}

function percentDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // a stray "%" is kept as it is
  }
}

function isControl(char: string): boolean {
  const code = char.codePointAt(0)!;
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    (code >= 0x200e && code <= 0x200f) ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

function truncateUtf8(text: string, maxBytes: number): string {
  let result = '';
  for (const char of text) {
    if (Buffer.byteLength(result + char) > maxBytes) break;
    result += char;
  }
  return result;
}

/** A unique base name; names without an extension get one from Content-Type later. */
export interface ClaimedName {
  base: string;
  addExtension: boolean;
}

/** The claimed name once the Content-Type is known. */
export function finalName(name: ClaimedName, contentType: string | undefined): string {
  return name.addExtension ? name.base + (extensionFor(contentType) ?? '') : name.base;
}

/** `name` inside `dir` and nowhere else; `dir` must be resolved. */
export function pathInside(dir: string, name: string): string {
  const resolved = path.resolve(dir, name);
  if (path.dirname(resolved) !== dir)
    throw new Error(`refusing to write outside ${dir}: ${resolved}`);
  return resolved;
}

/** Unique names in one directory, compared case-insensitively for macOS and Windows runners. */
export class NameRegistry {
  private readonly taken = new Set<string>();
  // Every stem of a taken name ("a" and "a.b" of "a.b.c"): a name whose extension is not known
  // yet may share none of them.
  private readonly takenStems = new Set<string>();
  // Stems of names whose extension is not known yet: no other name may share them.
  private readonly openStems = new Set<string>();
  // Where the search for a free `stem-n` resumes: names only ever get taken, so the earlier
  // suffixes stay taken, and n names that share one cost n tries rather than n².
  private readonly nextSuffix = new Map<string, number>();

  /** `existing`: the names already in the directory, which are never claimed. */
  constructor(existing: string[]) {
    for (const name of existing) this.take(name.toLowerCase());
  }

  claim(name: string): ClaimedName {
    const extension = path.extname(name);
    const stem = name.slice(0, name.length - extension.length);
    const series = `${stem.toLowerCase()}/${extension.toLowerCase()}`;
    for (let n = this.nextSuffix.get(series) ?? 1; ; n++) {
      const candidate = n === 1 ? stem : `${stem}-${n}`;
      const key = candidate.toLowerCase();
      if (this.openStems.has(key)) continue;
      if (extension) {
        const full = key + extension.toLowerCase();
        if (this.taken.has(full)) continue;
        this.take(full);
        this.nextSuffix.set(series, n + 1);
        return { base: candidate + extension, addExtension: false };
      }
      if (this.taken.has(key) || this.takenStems.has(key)) continue;
      this.openStems.add(key);
      this.nextSuffix.set(series, n + 1);
      return { base: candidate, addExtension: true };
    }
  }

  private take(key: string): void {
    this.taken.add(key);
    // Stryker disable next-line StringLiteral: starting at 0 adds only the empty stem, and no name claimed is empty
    for (let dot = key.indexOf('.'); dot !== -1; dot = key.indexOf('.', dot + 1)) {
      this.takenStems.add(key.slice(0, dot));
    }
  }
}
