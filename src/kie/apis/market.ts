// Market (jobs) API: most models (Kling, Seedance, Nano Banana, ElevenLabs, Sora 2 …). Its record
// is the one the action started with: `state` already speaks the common vocabulary and
// `resultJson` is a JSON string. Source: docs market/common/get-task-detail.md, live captures.
import { z } from 'zod';
import { Inputs } from '../../settings/constants.js';
import { message, parseResult, safeStringify, text, time } from '../schema.js';
import { defineFamily, lookup, taskId } from './family.js';

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
    progress: z.coerce.number().nullish().catch(undefined),
    // What the task cost, on the records that carry it: credits, and seconds of generation.
    creditsConsumed: z.coerce.number().finite().nonnegative().nullish().catch(undefined),
    costTime: z.coerce.number().finite().nonnegative().nullish().catch(undefined),
  }),
  normalise(wire) {
    const raw =
      typeof wire.resultJson === 'string'
        ? wire.resultJson
        : wire.resultJson == null
          ? ''
          : (safeStringify(wire.resultJson) ?? '');
    const result = parseResult(raw);
    const read = lookup(STATES, wire.state);
    return {
      taskId: wire.taskId,
      state: read.state,
      apiState: read.apiState,
      stateDocumented: read.documented,
      model: wire.model,
      param: wire.param,
      resultJson: raw,
      resultUrls: result.resultUrls,
      // As sent: Market documents them '' on success and fills them on fail.
      failCode: wire.failCode,
      failMsg: wire.failMsg,
      createTime: wire.createTime,
      completeTime: wire.completeTime,
      updateTime: wire.updateTime,
      progress: wire.progress ?? undefined,
      creditsConsumed: wire.creditsConsumed ?? undefined,
      costTime: wire.costTime ?? undefined,
      warnings: result.warnings,
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
