// Zod schemas for what Kie.ai sends, loose on purpose: the documented replies and the real ones
// differ (`message` vs `msg`, numbers as strings, fields that come and go), and an extra field must
// never fail a poll.
import JSON5 from 'json5';
import { z } from 'zod';
import { capText } from '../net/server-text.js';
import { faithfulJson } from './json-text.js';

export const envelopeSchema = z.looseObject({
  // A number, or digits in a string; anything else (null, "abc") is not a Kie.ai reply.
  code: z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]),
  msg: z.string().nullish(),
  message: z.string().nullish(),
  data: z.unknown().optional(),
});
export type Envelope = z.infer<typeof envelopeSchema>;

// Read helpers for every family's record: any field of a surprising type is read as empty rather
// than making the whole record unreadable.
// An empty value comes as null, "" or the string "null" (a legacy image API's): all read as ''.
export const text = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((value) => (value == null || /^\s*null\s*$/i.test(String(value)) ? '' : String(value)))
  .catch('');
/** A count or amount (costTime, creditsConsumed): a number or digits; else (null, "", "null") absent. */
export const amount = z
  .unknown()
  .transform((value) => {
    const number =
      typeof value === 'number'
        ? value
        : typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value)
          ? Number(value)
          : NaN;
    return Number.isFinite(number) && number >= 0 ? number : undefined;
  })
  .catch(undefined);
/** Epoch ms as a number or digits; a date string (Veo's "2025-06-06 10:30:00", ISO) parsed. */
export const time = z
  .unknown()
  .transform((value) => parseTime(value))
  .catch(undefined);
// Failure messages end up in logs, outputs and the summary, which GitHub caps at 1 MiB.
export const message = text.transform((message) => capText(message));

/** The credit balance: documented as an integer, seen as decimals (60.62), digits in a string taken too. */
export const creditsSchema = z.union([
  z.number().finite(),
  z
    .string()
    .regex(/^-?\d+(\.\d+)?$/)
    .transform(Number),
]);

/** The one vocabulary every family's state is read into. */
export const TERMINAL_STATES = ['success', 'fail'] as const;
export const KNOWN_STATES = ['waiting', 'queuing', 'generating', ...TERMINAL_STATES] as const;
export type TerminalState = (typeof TERMINAL_STATES)[number];
export type TaskState = (typeof KNOWN_STATES)[number];

/**
 * A task's record, the same for every API family (src/kie/apis/): the poll loop, results, report
 * and summary read only this.
 */
export interface TaskRecord {
  taskId: string;
  /** The family's state in the one vocabulary. */
  state: TaskState;
  /** The family's own value as a string (`1`, `FIRST_SUCCESS`, `queueing` …), so nothing is lost. */
  apiState: string;
  /** The field the family's value is in (`successFlag`, `status`); unset for Market's `state`. */
  apiStateField?: string;
  /** False for a value no documentation names: read as still running, worth a warning. */
  stateDocumented: boolean;
  model: string;
  /** The request as Kie.ai echoes it (often a JSON string). */
  param?: unknown;
  /** The family's result object as JSON text (Market's `resultJson` as sent); '' while running. */
  resultJson: string;
  /** The generated media, as the family names them. */
  resultUrls: string[];
  failCode: string;
  failMsg: string;
  /** Epoch ms. */
  createTime?: number;
  completeTime?: number;
  updateTime?: number;
  progress?: number;
  /** What the task cost, on the records that carry it (Market's): credits, seconds of generation. */
  creditsConsumed?: number;
  costTime?: number;
  /** What could not be read as documented (an unexpected shape): warnings, never a crash. */
  warnings: string[];
}

/** The family's own state as it named it: `successFlag 1`, `status FIRST_SUCCESS`, `generating`. */
export function apiStateLabel(record: Pick<TaskRecord, 'apiState' | 'apiStateField'>): string {
  return record.apiStateField ? `${record.apiStateField} ${record.apiState}` : record.apiState;
}

export function isTerminal(state: string): state is TerminalState {
  return (TERMINAL_STATES as readonly string[]).includes(state);
}

const ZONELESS_DATE = /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?$/;

/** Epoch ms from a number, digits, or a date string; undefined when absent or unreadable. */
export function parseTime(value: unknown): number | undefined {
  let ms: number;
  if (typeof value === 'number') ms = value;
  else if (typeof value !== 'string' || value.trim() === '') return undefined;
  else if (/^\d+(\.\d+)?$/.test(value.trim())) ms = Number(value);
  // The docs give Veo times and Runway's generateTime as "2025-06-06 10:30:00", no zone: read as UTC, so
  // the runner's own zone cannot shift them (a time read into the future is ignored by the poll
  // loop's age arithmetic anyway).
  else if (ZONELESS_DATE.test(value.trim())) ms = Date.parse(`${value.trim().replace(' ', 'T')}Z`);
  else ms = Date.parse(value);
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

export interface TaskResult {
  /** The parsed result; undefined when resultJson is empty or unreadable. */
  value: unknown;
  /** The text as Kie.ai sent it, kept so an unreadable result is never lost. */
  raw: string;
  resultUrls: string[];
  /** Problems worth a warning; the action reports them instead of crashing. */
  warnings: string[];
}

/** JSON of a parsed value, or undefined: a value nested deeper than the stack cannot be written. */
export function safeStringify(value: unknown, indent?: number): string | undefined {
  try {
    return JSON.stringify(value, null, indent);
  } catch {
    return undefined;
  }
}

/** The result as compact JSON, every number as sent; its raw text when it was unreadable. */
export function compactResultJson(result: TaskResult): string {
  return (result.value !== undefined && faithfulJson(result.value, result.raw)) || result.raw;
}

/**
 * Reads `resultJson`: strict JSON first, then JSON5 for the documented unquoted-key form; a result
 * encoded twice (a JSON string holding the JSON) is read through. Where its URLs are is for the
 * family to say (apis/result-urls.ts).
 */
export function parseResult(raw: string): { value: unknown; warnings: string[] } {
  if (raw.trim() === '') return { value: undefined, warnings: [] };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    try {
      value = JSON5.parse(raw);
    } catch (error) {
      const why = (error as Error).message;
      return {
        value: undefined,
        warnings: [
          `resultJson is not JSON (${why}); its raw text is kept in the resultJson output.`,
        ],
      };
    }
  }
  if (typeof value === 'string' && /^\s*\{/.test(value)) value = parseResult(value).value ?? value;
  const isObject = value !== null && typeof value === 'object' && !Array.isArray(value);
  return {
    value,
    warnings: isObject
      ? []
      : [`resultJson has an unexpected shape (not an object); no result URLs were read from it.`],
  };
}

/**
 * A finished record's result: its value read back from resultJson, its URLs and warnings as the
 * family read them (Market's come from parseResult on its own resultJson, so not warned twice).
 */
export function resultOf(record: TaskRecord | undefined): TaskResult {
  if (!record) return { value: undefined, raw: '', resultUrls: [], warnings: [] };
  return {
    value: parseResult(record.resultJson).value,
    raw: record.resultJson,
    resultUrls: record.resultUrls,
    warnings: record.warnings,
  };
}
