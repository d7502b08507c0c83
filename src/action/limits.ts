// GitHub's size limits on what a step hands back: a job's outputs may total 1 MB (counted as
// UTF-16, two bytes a character, names and values together) and a step's summary 1 MiB. A task
// can produce more (an hour of speech-to-text is ~2 MB of resultJson), so the large outputs share
// a budget and whatever does not fit is cut here, with its whole value kept for a file.
import { Outputs, type OutputName } from '../settings/constants.js';

/** Half of the job's 1 MB, so the outputs of the job's other steps still fit beside ours. */
export const MAX_OUTPUT_BYTES = 512 * 1024;
/** A step's summary may be 1 MiB; the margin covers the note that says it was cut. */
export const MAX_SUMMARY_BYTES = 1024 * 1024 - 1024;

/** The outputs that can grow with what tasks produce, cut in this order of preference. */
const LARGE_OUTPUTS: OutputName[] = [
  Outputs.ResultUrls,
  Outputs.Files,
  Outputs.Transcript,
  Outputs.ResultJson,
  Outputs.Tasks,
];

export interface CutOutput {
  name: OutputName;
  /** The whole value, as the output would have held it. */
  whole: string;
  /** Where the caller keeps `whole`, which the cut output names; unset when it could not be kept. */
  file?: string;
}

export interface BoundedOutputs {
  outputs: Record<string, string>;
  cut: CutOutput[];
}

/** An output's text as @actions/core's setOutput writes it: strings as they are, else JSON. */
export function outputText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const utf16Bytes = (name: string, value: string) => 2 * (name.length + value.length);

/**
 * The output fields within `maxBytes`. The small outputs are kept whole; the large ones share
 * what is left fairly: each gets an equal share, and what a small one leaves over goes to the
 * rest. `fileFor(name)` says where the whole of a cut output will be written, if anywhere.
 */
export function boundOutputs(
  fields: Record<OutputName, unknown>,
  fileFor: (name: OutputName) => string | undefined,
  maxBytes = MAX_OUTPUT_BYTES,
): BoundedOutputs {
  const outputs: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields)) outputs[name] = outputText(value);
  const cut: CutOutput[] = [];
  // The list of cut outputs is set last, so room for its longest is kept from the start.
  let available = maxBytes - utf16Bytes('', LARGE_OUTPUTS.join(','));
  for (const [name, text] of Object.entries(outputs)) {
    if (!LARGE_OUTPUTS.includes(name as OutputName)) available -= utf16Bytes(name, text);
  }
  // Shortest first; sort is stable, so outputs of the same length keep LARGE_OUTPUTS's order.
  const large = [...LARGE_OUTPUTS].sort((a, b) => outputs[a]!.length - outputs[b]!.length);
  large.forEach((name, index) => {
    const whole = outputs[name]!;
    const share = Math.floor(Math.max(0, available) / (large.length - index));
    if (utf16Bytes(name, whole) > share) {
      const file = fileFor(name);
      outputs[name] = shorten(fields[name], Math.max(0, share / 2 - name.length), file, name);
      cut.push({ name, whole, file });
    }
    available -= utf16Bytes(name, outputs[name]!);
  });
  outputs[Outputs.Truncated] = cut.map(({ name }) => name).join(',');
  return { outputs, cut };
}

/** A value cut to at most `chars` characters that still reads as what it was. */
function shorten(value: unknown, chars: number, file: string | undefined, name: string): string {
  if (Array.isArray(value)) {
    // Whole elements only, so the array stays valid JSON with the same kind of items; a long text
    // inside an element (a task's transcript) is cut first, so more elements fit.
    const kept: unknown[] = [];
    let length = 2;
    for (const item of value.map((element) => shortenFields(element, file))) {
      const itemLength = JSON.stringify(item).length + 1;
      if (length + itemLength > chars) break;
      kept.push(item);
      length += itemLength;
    }
    return JSON.stringify(kept);
  }
  const text = outputText(value);
  const marker = JSON.stringify({ truncated: true, bytes: Buffer.byteLength(text), file });
  // JSON is replaced by a small object that says where it is: a cut JSON text parses as nothing.
  // Told by the output's name: a transcript may well start with "[music]".
  if (name === Outputs.ResultJson) return marker.length <= chars ? marker : '';
  const note = file
    ? `\n[cut: the whole text is in ${file}]`
    : '\n[cut: the whole text could not be kept]';
  return chars > note.length ? `${cutAt(text, chars - note.length)}${note}` : '';
}

const MAX_FIELD_CHARS = 1_000;

function shortenFields(element: unknown, file: string | undefined): unknown {
  if (element === null || typeof element !== 'object' || Array.isArray(element)) return element;
  return Object.fromEntries(
    Object.entries(element).map(([key, value]) => [
      key,
      typeof value === 'string' && value.length > MAX_FIELD_CHARS
        ? shorten(value, MAX_FIELD_CHARS, file, key)
        : value,
    ]),
  );
}

/** The first `chars` UTF-16 units of `text`, never splitting a surrogate pair. */
function cutAt(text: string, chars: number): string {
  // Stryker disable next-line StringLiteral: any fallback without a high surrogate reads the same
  const end = /[\uD800-\uDBFF]/.test(text[chars - 1] ?? '') ? chars - 1 : chars;
  return text.slice(0, Math.max(0, end));
}

/** The summary within a step's limit: cut at a line, with a note that says where the rest is. */
export function boundSummary(markdown: string, maxBytes = MAX_SUMMARY_BYTES): string {
  if (Buffer.byteLength(markdown) <= maxBytes) return markdown;
  const lines = markdown.split('\n');
  const kept: string[] = [];
  let bytes = 0;
  for (const line of lines) {
    bytes += Buffer.byteLength(line) + 1;
    if (bytes > maxBytes) break;
    kept.push(line);
  }
  return [
    ...kept,
    '',
    `> [!NOTE]`,
    `> The summary was cut at GitHub's limit of 1 MiB (${lines.length - kept.length} more lines); the outputs and result files hold every task.`,
    '',
  ].join('\n');
}
