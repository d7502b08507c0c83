// Speech-to-text results (`resultJson.resultObject`) turned into transcript files: the raw JSON,
// plain text and SRT/WebVTT subtitles cut from the word timings.
import { z } from 'zod';

export interface Transcript {
  /** The plain text: `resultObject.text`, or the words joined when it is missing. */
  text: string;
  /** `language_code`, e.g. "eng". */
  language?: string;
  files: {
    'transcript.json': string;
    'transcript.txt': string;
    'transcript.srt': string;
    'transcript.vtt': string;
  };
}

// Only the fields used here are checked; anything else (extra fields, unknown `type`s such as
// future event kinds) passes through. Nullable fields are what ElevenLabs sends when a feature
// (diarization, timestamps) is off.
const wordSchema = z.object({
  text: z.string(),
  start: z.number().nullish(),
  end: z.number().nullish(),
  speaker_id: z.string().nullish(),
});
const resultObjectSchema = z.object({
  language_code: z.string().nullish(),
  text: z.string().nullish(),
  words: z.array(wordSchema).nullish(),
});
type Word = z.infer<typeof wordSchema>;

// Common broadcast subtitle limits.
const MAX_LINE_CHARS = 42;
const MAX_CUE_MS = 7_000;
/** A silence this long ends a cue even when the next words would fit. */
const PAUSE_MS = 1_000;
/** Display time given to a cue whose timings are degenerate (end <= start). */
const MIN_CUE_MS = 500;

const SENTENCE_END = /[.?!…。？！]["'”’)\]]*$/u;
const CLAUSE_END = /[,;:，、；：–—]["'”’)\]]*$/u;

/** A word or audio event, with the separator that precedes it ("" between CJK characters). */
interface Token {
  text: string;
  glue: string;
  startMs: number;
  endMs: number;
  speaker?: string;
}

interface Cue {
  label?: string;
  tokens: Token[];
}

/** undefined when the value is not a speech-to-text result object (no `text` and no `words`). */
export function buildTranscript(
  resultObject: unknown,
  options: { diarize?: boolean } = {},
): Transcript | undefined {
  const parsed = resultObjectSchema.safeParse(resultObject);
  if (!parsed.success) return undefined;
  const { language_code, text, words } = parsed.data;
  if (text == null && words == null) return undefined;

  const tokens = toTokens(words ?? []);
  const speakers = new Set(tokens.flatMap((token) => (token.speaker ? [token.speaker] : [])));
  // One speaker's label is noise; diarization only matters when there is a conversation.
  const labelled = options.diarize === true && speakers.size >= 2;
  const plainText = text ?? joinTokens(tokens);
  const cues = timeCues(labelled ? labelledCues(tokens) : splitIntoCues(tokens, undefined));

  return {
    text: plainText,
    language: language_code || undefined,
    files: {
      'transcript.json': `${JSON.stringify(resultObject, null, 2)}\n`,
      'transcript.txt': labelled ? speakerParagraphs(tokens) : `${plainText.trim()}\n`,
      'transcript.srt': toSrt(cues),
      'transcript.vtt': toVtt(cues),
    },
  };
}

function toTokens(words: Word[]): Token[] {
  // Lists without any whitespace entries (other providers) still need spaces between words.
  const spaced = words.some((word) => /\s/u.test(word.text));
  const tokens: Token[] = [];
  let pendingSpace = false;
  let lastEndMs = 0;
  let speaker: string | undefined;
  for (const word of words) {
    const text = word.text.trim();
    if (/^\s/u.test(word.text)) pendingSpace = true;
    // Missing timings continue from the previous word; `end` before `start` happens in real data.
    const startMs = word.start == null ? lastEndMs : toMs(word.start);
    const endMs = Math.max(startMs, word.end == null ? startMs : toMs(word.end));
    speaker = word.speaker_id ?? speaker;
    if (text) {
      const glue = pendingSpace || !spaced ? ' ' : '';
      tokens.push(...splitLongToken({ text, glue, startMs, endMs, speaker }));
      pendingSpace = false;
      lastEndMs = endMs;
    }
    if (/\s$/u.test(word.text)) pendingSpace = true;
  }
  return tokens;
}

/** A word longer than a line (a URL, a long CJK run) is cut into line-sized pieces. */
function splitLongToken(token: Token): Token[] {
  const chars = [...token.text];
  if (chars.length <= MAX_LINE_CHARS) return [token];
  const pieces: Token[] = [];
  const msPerChar = (token.endMs - token.startMs) / chars.length;
  for (let from = 0; from < chars.length; from += MAX_LINE_CHARS) {
    const to = Math.min(from + MAX_LINE_CHARS, chars.length);
    pieces.push({
      ...token,
      text: chars.slice(from, to).join(''),
      glue: from === 0 ? token.glue : '',
      startMs: token.startMs + Math.round(from * msPerChar),
      endMs: token.startMs + Math.round(to * msPerChar),
    });
  }
  return pieces;
}

function toMs(seconds: number): number {
  return Math.max(0, Math.round(seconds * 1_000));
}

function joinTokens(tokens: Pick<Token, 'text' | 'glue'>[]): string {
  return tokens.map((token, index) => (index === 0 ? '' : token.glue) + token.text).join('');
}

function width(text: string): number {
  return [...text].length;
}

/** Runs of consecutive tokens; `startsNew` decides where one run ends. */
function splitWhere(tokens: Token[], startsNew: (previous: Token, next: Token) => boolean) {
  const runs: Token[][] = [];
  for (const [index, token] of tokens.entries()) {
    const previous = tokens[index - 1];
    const run = runs.at(-1);
    if (run && previous && !startsNew(previous, token)) run.push(token);
    else runs.push([token]);
  }
  return runs;
}

function speakerTurns(tokens: Token[]): Token[][] {
  return splitWhere(tokens, (previous, next) => previous.speaker !== next.speaker);
}

function speakerParagraphs(tokens: Token[]): string {
  const paragraphs = speakerTurns(tokens).map((turn) => {
    const speaker = turn[0]?.speaker;
    const text = joinTokens(turn);
    return speaker ? `${speaker}: ${text}` : text;
  });
  return `${paragraphs.join('\n\n')}\n`;
}

/** Every speaker turn starts a new cue, and its first cue names the speaker. */
function labelledCues(tokens: Token[]): Cue[] {
  return speakerTurns(tokens).flatMap((turn) => splitIntoCues(turn, turn[0]?.speaker));
}

function splitIntoCues(tokens: Token[], label: string | undefined): Cue[] {
  const phrases = splitWhere(tokens, (previous, next) => next.startMs - previous.endMs >= PAUSE_MS);
  return phrases.flatMap((phrase, index) => fillCues(phrase, index === 0 ? label : undefined));
}

/**
 * Greedy fill; when the next token does not fit, the cue is cut after its last sentence end,
 * else its last clause end, else right before that token, and the rest carries on.
 */
function fillCues(tokens: Token[], label: string | undefined): Cue[] {
  const cues: Cue[] = [];
  let current: Cue = { label, tokens: [] };
  for (const token of tokens) {
    current.tokens.push(token);
    while (!fits(current)) {
      const cut = preferredCut(current.tokens.slice(0, -1));
      cues.push({ ...current, tokens: current.tokens.slice(0, cut) });
      current = { tokens: current.tokens.slice(cut) };
    }
  }
  if (current.tokens.length > 0) cues.push(current);
  return cues;
}

/** How many of `tokens` the cue keeps. */
function preferredCut(tokens: Token[]): number {
  for (const boundary of [SENTENCE_END, CLAUSE_END]) {
    const last = tokens.findLastIndex((token) => boundary.test(token.text));
    if (last >= 0) return last + 1;
  }
  return tokens.length;
}

/** A lone token always fits, so that cutting terminates (its duration is capped later). */
function fits(cue: Cue): boolean {
  const [first] = cue.tokens;
  if (!first || cue.tokens.length === 1) return true;
  const endMs = Math.max(...cue.tokens.map((token) => token.endMs));
  return endMs - first.startMs <= MAX_CUE_MS && wrapLines(cue) !== undefined;
}

/** At most two lines of at most MAX_LINE_CHARS, broken where the longer line is shortest. */
function wrapLines(cue: Cue): string[] | undefined {
  const [first, ...rest] = cue.tokens;
  const pieces =
    cue.label && first
      ? [{ text: `[${cue.label}]`, glue: '' }, { ...first, glue: ' ' }, ...rest]
      : cue.tokens;
  const whole = joinTokens(pieces);
  if (width(whole) <= MAX_LINE_CHARS) return [whole];
  let best: { lines: string[]; longest: number } | undefined;
  for (let cut = 1; cut < pieces.length; cut++) {
    const lines = [joinTokens(pieces.slice(0, cut)), joinTokens(pieces.slice(cut))];
    const longest = Math.max(...lines.map(width));
    if (longest <= MAX_LINE_CHARS && (!best || longest < best.longest)) best = { lines, longest };
  }
  return best?.lines;
}

interface TimedCue {
  startMs: number;
  endMs: number;
  lines: string[];
}

/** Starts strictly increase, every cue shows for a while, and no cue runs into the next. */
function timeCues(cues: Cue[]): TimedCue[] {
  const starts: number[] = [];
  for (const cue of cues) {
    const previous = starts.at(-1);
    const start = cue.tokens[0]?.startMs ?? 0;
    starts.push(previous === undefined ? start : Math.max(start, previous + 1));
  }
  return cues.map((cue, index) => {
    const startMs = starts[index]!;
    const lastEndMs = Math.max(...cue.tokens.map((token) => token.endMs));
    const endMs =
      lastEndMs > startMs ? Math.min(lastEndMs, startMs + MAX_CUE_MS) : startMs + MIN_CUE_MS;
    return {
      startMs,
      endMs: Math.min(endMs, starts[index + 1] ?? Infinity),
      // A cue that fits() always wraps; only an oversized lone token falls back to one line.
      lines: wrapLines(cue) ?? [joinTokens(cue.tokens)],
    };
  });
}

function timestamp(ms: number, fractionSeparator: ',' | '.'): string {
  const pad = (value: number, digits = 2) => String(value).padStart(digits, '0');
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor(ms / 60_000) % 60;
  const seconds = Math.floor(ms / 1_000) % 60;
  return `${pad(hours)}:${pad(minutes)}:${pad(seconds)}${fractionSeparator}${pad(ms % 1_000, 3)}`;
}

/** A cue line as one line of text: words may hold line breaks, and a blank line ends a cue. */
function oneLine(line: string): string {
  return line.replace(/\s+/gu, ' ').trim();
}

// Without word timings there can be no cue: the SRT is then empty and the WebVTT only its header.
function toSrt(cues: TimedCue[]): string {
  // SRT has no escapes: an arrow in the text, which parsers take for a timing line, is shortened.
  const text = (line: string) => oneLine(line).replace(/-{2,}>/g, '->');
  const blocks = cues.map(
    (cue, index) =>
      `${index + 1}\n${timestamp(cue.startMs, ',')} --> ${timestamp(cue.endMs, ',')}\n${cue.lines.map(text).join('\n')}`,
  );
  return blocks.length > 0 ? `${blocks.join('\n\n')}\n` : '';
}

function toVtt(cues: TimedCue[]): string {
  // WebVTT cue text is markup: & and < start escapes and tags, and "-->" may not appear at all.
  const text = (line: string) =>
    oneLine(line).replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
  const blocks = cues.map(
    (cue) =>
      `${timestamp(cue.startMs, '.')} --> ${timestamp(cue.endMs, '.')}\n${cue.lines.map(text).join('\n')}`,
  );
  return `${['WEBVTT', ...blocks].join('\n\n')}\n`;
}
