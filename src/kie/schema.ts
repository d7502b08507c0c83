// Zod schemas for what Kie.ai sends, loose on purpose: the documented replies and the real ones
// differ (`message` vs `msg`, numbers as strings, fields that come and go), and an extra field must
// never fail a poll.
import JSON5 from 'json5';
import { z } from 'zod';

export const envelopeSchema = z.looseObject({
  code: z.coerce.number().int(),
  msg: z.string().nullish(),
  message: z.string().nullish(),
  data: z.unknown().optional(),
});
export type Envelope = z.infer<typeof envelopeSchema>;

const text = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((value) => (value == null ? '' : String(value)));
const epochMs = z.coerce.number().finite().positive().nullish().catch(undefined);

export const taskRecordSchema = z.looseObject({
  taskId: z.string(),
  model: text,
  state: z.string(),
  param: z.string().nullish(),
  resultJson: text,
  failCode: text,
  failMsg: text,
  createTime: epochMs,
  completeTime: epochMs,
  updateTime: epochMs,
  progress: z.coerce.number().nullish().catch(undefined),
});
export type TaskRecord = z.infer<typeof taskRecordSchema>;

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
