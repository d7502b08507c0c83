// Zod schemas for what Kie.ai sends, loose on purpose: the documented replies and the real ones
// differ (`message` vs `msg`, numbers as strings, fields that come and go), and an extra field must
// never fail a poll.
import JSON5 from 'json5';
import { z } from 'zod';

export const envelopeSchema = z.looseObject({
  // A number, or digits in a string; anything else (null, "abc") is not a Kie.ai reply.
  code: z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]),
  msg: z.string().nullish(),
  message: z.string().nullish(),
  data: z.unknown().optional(),
});
export type Envelope = z.infer<typeof envelopeSchema>;

// Only taskId and state must be right; any other field of a surprising type is read as empty
// rather than making the whole record unreadable.
const text = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((value) => (value == null ? '' : String(value)))
  .catch('');
const epochMs = z.coerce.number().finite().positive().nullish().catch(undefined);
// Failure messages end up in logs, outputs and the summary, which GitHub caps at 1 MiB.
const MAX_MESSAGE_CHARS = 2_000;

export const taskRecordSchema = z.looseObject({
  taskId: z.string(),
  model: text,
  state: z.string(),
  param: z.unknown().optional(),
  // Documented as a JSON string; an object sent as is is taken as its JSON.
  resultJson: z
    .unknown()
    .transform((value) =>
      typeof value === 'string' ? value : value == null ? '' : (safeStringify(value) ?? ''),
    )
    .catch(''),
  failCode: text,
  failMsg: text.transform((message) =>
    message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS)}…` : message,
  ),
  createTime: epochMs,
  completeTime: epochMs,
  updateTime: epochMs,
  progress: z.coerce.number().nullish().catch(undefined),
  // What the task cost, on the records that carry it: credits, and seconds of generation.
  creditsConsumed: z.coerce.number().finite().nonnegative().nullish().catch(undefined),
  costTime: z.coerce.number().finite().nonnegative().nullish().catch(undefined),
});
export type TaskRecord = z.infer<typeof taskRecordSchema>;

/** The credit balance: documented as an integer, seen as decimals (60.62), digits in a string taken too. */
export const creditsSchema = z.union([
  z.number().finite(),
  z
    .string()
    .regex(/^-?\d+(\.\d+)?$/)
    .transform(Number),
]);

export const TERMINAL_STATES = ['success', 'fail'] as const;
export const KNOWN_STATES = ['waiting', 'queuing', 'generating', ...TERMINAL_STATES] as const;
export type TerminalState = (typeof TERMINAL_STATES)[number];

export function isTerminal(state: string): state is TerminalState {
  return (TERMINAL_STATES as readonly string[]).includes(state);
}

const resultSchema = z.looseObject({
  resultUrls: z.array(z.string()).optional(),
  firstFrameUrl: z.array(z.string()).optional(),
  lastFrameUrl: z.array(z.string()).optional(),
  resultObject: z.unknown().optional(),
});

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

/** The result as compact JSON, or its raw text when it was unreadable or cannot be written. */
export function compactResultJson(result: TaskResult): string {
  return (result.value !== undefined && safeStringify(result.value)) || result.raw;
}

/** Reads `resultJson`: strict JSON first, then JSON5 for the documented unquoted-key form. */
export function parseResult(raw: string): TaskResult {
  const result: TaskResult = { value: undefined, raw, resultUrls: [], warnings: [] };
  if (raw.trim() === '') return result;
  try {
    result.value = JSON.parse(raw);
  } catch {
    try {
      result.value = JSON5.parse(raw);
    } catch (error) {
      result.warnings.push(
        `resultJson is not JSON (${(error as Error).message}); its raw text is kept in the resultJson output.`,
      );
      return result;
    }
  }
  const shape = resultSchema.safeParse(result.value);
  if (!shape.success) {
    result.warnings.push(
      `resultJson has an unexpected shape (${z.prettifyError(shape.error).replaceAll('\n', ' ')}); no result URLs were read from it.`,
    );
    return result;
  }
  result.resultUrls = shape.data.resultUrls ?? [];
  return result;
}
