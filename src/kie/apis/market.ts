// Market (jobs) API: most models (Kling, Seedance, Nano Banana, ElevenLabs, Sora 2 …). Its record
// is the one the action started with: `state` already speaks the common vocabulary and
// `resultJson` is a JSON string. Source: docs market/common/get-task-detail.md, live captures.
import { z } from 'zod';
import { Inputs } from '../../settings/constants.js';
import { amount, message, parseResult, safeStringify, text, time } from '../schema.js';
import { defineFamily, lookup, taskId } from './family.js';
import { field, locateResultUrls, urlsIn } from './result-urls.js';

// Documented results without files: text (speech-to-text's resultObject) and sora-2-characters' id.
const FILELESS_RESULTS = ['resultObject', 'character_id'];

export const market = defineFamily({
  name: 'market',
  label: 'Market',
  statusPath: '/api/v1/jobs/recordInfo',
  create: {
    path: '/api/v1/jobs/createTask',
    model: 'required',
    callbackRequired: false,
    body: ({ model, input, callBackUrl }) => ({
      model,
      input,
      ...(callBackUrl && { callBackUrl }),
    }),
  },
  unknownTaskHint: (names) =>
    `If it is not a Market (jobs) task it may belong to another Kie.ai API: set ${names.of(Inputs.Api)} ` +
    `(veo, suno, runway, 4o-image, flux-kontext …). Otherwise check ${names.of(Inputs.TaskId)}.`,
  // Only taskId and state must be right.
  schema: z.looseObject({
    taskId,
    model: text,
    state: z.string(),
    param: z.unknown().optional(),
    // Documented as a JSON string; an object sent as is is taken as its JSON.
    resultJson: z.unknown().optional(),
    failCode: text,
    failMsg: message,
    createTime: time,
    completeTime: time,
    updateTime: time,
    progress: amount,
    // What the task cost, on the records that carry it: credits, and seconds of generation (the
    // docs say ms; live records fit seconds: createTime to completeTime).
    creditsConsumed: amount,
    costTime: amount,
  }),
  normalise(wire, raw) {
    // Anything but text is taken as its JSON: an object as sent, null as "null", none as ''.
    const given =
      typeof wire.resultJson === 'string'
        ? wire.resultJson
        : (safeStringify(wire.resultJson) ?? '');
    // "" until success, null or "null" in some replies: all empty.
    const sent = given.trim() === 'null' ? '' : given;
    const result = parseResult(sent);
    const read = lookup(STATES, wire.state);
    const fileless = FILELESS_RESULTS.some((name) => field(result.value, name) != null);
    // Stryker disable next-line StringLiteral: resultJson.resultUrls is also the first fallback place, so the same URLs are found
    const located = locateResultUrls(urlsIn(field(result.value, 'resultUrls')), {
      label: 'Market',
      resultField: 'resultJson',
      result: result.value,
      raw,
      // Stryker disable next-line ArrayDeclaration: the fallback places list resultJson.resultUrls first all the same
      documented: ['resultJson.resultUrls'],
      success: read.state === 'success' && !fileless,
    });
    return {
      taskId: wire.taskId,
      state: read.state,
      apiState: read.apiState,
      stateDocumented: read.documented,
      model: wire.model,
      param: wire.param,
      // As sent; the whole record when a success has neither URLs nor a result.
      resultJson: sent || (located.rawJson ?? ''),
      resultUrls: located.urls,
      // As sent: Market documents them '' on success and fills them on fail.
      failCode: wire.failCode,
      failMsg: wire.failMsg,
      createTime: wire.createTime,
      completeTime: wire.completeTime,
      updateTime: wire.updateTime,
      progress: wire.progress,
      creditsConsumed: wire.creditsConsumed,
      costTime: wire.costTime,
      warnings: [...result.warnings, ...(located.warning ? [located.warning] : [])],
    };
  },
});

const STATES = {
  waiting: 'waiting',
  queuing: 'queuing',
  generating: 'generating',
  success: 'success',
  fail: 'fail',
} as const;
