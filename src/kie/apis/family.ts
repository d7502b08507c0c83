// What every API family module says about itself, and the read helpers they share. A family is
// data: its endpoints, how its create body is built, and how its status reply becomes the one
// normalised TaskRecord. Nothing after the client knows which family a record came from.
import { z } from 'zod';
import { Inputs, type InputNames } from '../../settings/constants.js';
import { message, safeStringify, text, time, type TaskRecord, type TaskState } from '../schema.js';
import { field, locateResultUrls, parseJson } from './result-urls.js';

export { field, urlsIn } from './result-urls.js';

export interface CreateRequest {
  /** Only for families whose create body has a `model` field. */
  model?: string;
  /** The request's fields (Market: its `input` object; other families: spread into the body). */
  input: Record<string, unknown>;
  callBackUrl?: string;
}

export interface ApiFamily {
  /** The `api` input's value. */
  name: string;
  /** For messages and the summary, e.g. "Veo 3.1". */
  label: string;
  /** GET {base-url}{statusPath}?taskId=… */
  statusPath: string;
  create: {
    path: string;
    /** Whether the body has a `model` field: Market needs one, some families take one, most none. */
    model: 'required' | 'optional' | 'none';
    /** Suno refuses a request without callBackUrl ("Please enter callBackUrl."). */
    callbackRequired: boolean;
    body: (request: CreateRequest) => object;
  };
  /** The status reply's `data` as the normalised record, or why it could not be read. */
  read: (data: unknown) => TaskRecord | { unreadable: string };
  /** The request that asks Kie.ai for a fresh link to one of this family's result files. */
  freshLink: (taskId: string, url: string) => { path: string; body: object };
  /** Said when an id stays unknown: what the user can check. */
  unknownTaskHint: (names: InputNames) => string;
}

export interface FamilySpec<Wire> extends Omit<
  ApiFamily,
  'read' | 'freshLink' | 'unknownTaskHint'
> {
  schema: z.ZodType<Wire>;
  /** `raw` is the record as sent, kept whole when a success holds no result URL. */
  normalise: (wire: Wire, raw: unknown) => TaskRecord;
  freshLink?: ApiFamily['freshLink'];
  unknownTaskHint?: ApiFamily['unknownTaskHint'];
}

export function defineFamily<Wire>(spec: FamilySpec<Wire>): ApiFamily {
  const { schema, normalise, ...family } = spec;
  return {
    freshLink: commonFreshLink,
    unknownTaskHint: (names) =>
      `Check ${names.of(Inputs.TaskId)}, and whether the task belongs to ${spec.label} (${names.of(Inputs.Api)} ${spec.name}) or another Kie.ai API.`,
    ...family,
    read: (data) => {
      const wire = schema.safeParse(data);
      if (!wire.success) {
        return { unreadable: z.prettifyError(wire.error).replaceAll('\n', ' ') };
      }
      return normalise(wire.data, data);
    },
  };
}

/** Kie.ai's own endpoint for a fresh link to a file it generated (valid 20 minutes). */
export function commonFreshLink(_taskId: string, url: string) {
  return { path: '/api/v1/common/download-url', body: { url } };
}

/** Most families: `model` where the body has one, the input's fields, then callBackUrl. */
export function flatBody(request: CreateRequest): object {
  return {
    ...(request.model && { model: request.model }),
    ...request.input,
    ...(request.callBackUrl && { callBackUrl: request.callBackUrl }),
  };
}

/** A task id as sent: a string, or a number read as one. */
export const taskId = z.union([z.string().min(1), z.number().transform(String)]);

/** A family's documented values and what each means in the one vocabulary. */
export type StateTable = Record<string, TaskState>;

/**
 * The state for a raw value. An undocumented one is read as still running (Kie.ai's advice for
 * Market states) and flagged, so the poll loop warns instead of guessing an ending.
 */
export function lookup(
  table: StateTable,
  raw: unknown,
): { state: TaskState; apiState: string; documented: boolean } {
  const apiState =
    typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean'
      ? String(raw).trim()
      : // Stryker disable next-line ConditionalExpression: the rest (undefined) stringifies to nothing, read as '' all the same
        typeof raw === 'object' && raw !== null
        ? (safeStringify(raw) ?? '')
        : '';
  const state = Object.hasOwn(table, apiState) ? table[apiState] : undefined;
  return state
    ? { state, apiState, documented: true }
    : { state: 'generating', apiState, documented: false };
}

/** `paramJson` / `param` is the request as a JSON string; its `model`, when it names one. */
export function modelInParam(param: unknown): string {
  const model = field(typeof param === 'string' ? parseJson(param) : param, 'model');
  return typeof model === 'string' ? model : '';
}

export interface RecordParts {
  taskId: string;
  read: ReturnType<typeof lookup>;
  label: string;
  model?: string;
  param?: unknown;
  /** The record as sent. */
  raw: unknown;
  /** The family's result object: resultJson is its JSON ('' when there is none yet). */
  result?: unknown;
  /** The result object's name in the record (`response`, `videoInfo` …). */
  resultField: string;
  /** The URLs in the documented fields, and those fields' names. */
  resultUrls?: string[];
  urlFields?: string[];
  /** Whether a success should have files (not so for lyrics or MIDI). */
  expectsFiles: boolean;
  /** Used only when the state is fail (some families fill them with 0 on success). */
  failCode?: string;
  failMsg?: string;
  /** Which field holds the state, for a failure with no message of its own. */
  stateField: string;
  createTime?: number;
  completeTime?: number;
  updateTime?: number;
  progress?: number;
  warnings?: string[];
}

/** The normalised record from a family's parts. */
export function record(parts: RecordParts): TaskRecord {
  const { read, label } = parts;
  const located = locateResultUrls(parts.resultUrls ?? [], {
    ...parts,
    documented: parts.urlFields ?? [],
    success: read.state === 'success' && parts.expectsFiles,
  });
  const warnings = [...(parts.warnings ?? []), ...(located.warning ? [located.warning] : [])];
  const resultJson =
    located.rawJson ?? (parts.result == null ? '' : (safeStringify(parts.result) ?? ''));
  const failed = read.state === 'fail';
  return {
    taskId: parts.taskId,
    state: read.state,
    apiState: read.apiState,
    apiStateField: parts.stateField,
    stateDocumented: read.documented,
    model: parts.model ?? '',
    param: parts.param,
    resultJson,
    resultUrls: located.urls,
    // Stryker disable next-line StringLiteral: every family passes its failCode (text, '' when absent)
    failCode: failed ? (parts.failCode ?? '') : '',
    failMsg: failed
      ? parts.failMsg || `${label} reported ${parts.stateField} ${read.apiState}.`
      : '',
    createTime: parts.createTime,
    completeTime: parts.completeTime,
    updateTime: parts.updateTime,
    progress: parts.progress,
    warnings,
  };
}

/** The fields the successFlag families (Veo, 4o, Flux, Aleph, Midjourney, Luma, Suno's) share. */
export const flagFields = {
  taskId,
  successFlag: z.unknown().optional(),
  errorCode: text,
  errorMessage: message,
  createTime: time,
  completeTime: time,
  paramJson: z.unknown().optional(),
  model: text,
};

/** The schema of a successFlag family whose result object is `response`. */
export const flagSchema = z.looseObject({ ...flagFields, response: z.unknown().optional() });

/**
 * The record of a successFlag family whose result is `response` and whose errors are
 * errorCode/errorMessage (Veo, Flux Kontext, Aleph, Luma): only the state and URLs differ.
 */
export function flagRecord(
  wire: z.infer<typeof flagSchema>,
  parts: Pick<RecordParts, 'label' | 'read' | 'raw' | 'resultUrls' | 'urlFields'>,
): TaskRecord {
  return record({
    ...parts,
    resultField: 'response',
    taskId: wire.taskId,
    stateField: 'successFlag',
    model: wire.model || modelInParam(wire.paramJson),
    param: wire.paramJson,
    result: wire.response,
    expectsFiles: true,
    failCode: wire.errorCode,
    failMsg: wire.errorMessage,
    createTime: wire.createTime,
    completeTime: wire.completeTime,
  });
}
