// 4o Image (GPT Image). Sources: docs 4o-image-api/get-4-o-image-details.md (the reference),
// quickstart.md, get-4-o-image-download-url.md.
import { z } from 'zod';
import {
  defineFamily,
  field,
  flagFields,
  flatBody,
  lookup,
  modelInParam,
  record,
  urlsIn,
} from './family.js';

const LABEL = '4o Image';

// successFlag (0 generating, 1 success, 2 failed: quickstart) and status (reference) say the same;
// the flag is read first, status when a reply has no flag.
const FLAGS = { 0: 'generating', 1: 'success', 2: 'fail' } as const;
const STATUSES = {
  GENERATING: 'generating',
  SUCCESS: 'success',
  CREATE_TASK_FAILED: 'fail',
  GENERATE_FAILED: 'fail',
} as const;

export const fourOImage = defineFamily({
  name: '4o-image',
  label: LABEL,
  statusPath: '/api/v1/gpt4o-image/record-info',
  // No model field: fallbackModel (GPT_IMAGE_1, FLUX_MAX) goes in input.
  create: {
    path: '/api/v1/gpt4o-image/generate',
    model: 'none',
    callbackRequired: false,
    body: flatBody,
  },
  // 4o has its own fresh-link endpoint, which needs the task id too.
  freshLink: (taskId, url) => ({ path: '/api/v1/gpt4o-image/download-url', body: { taskId, url } }),
  schema: z.looseObject({
    ...flagFields,
    status: z.unknown().optional(),
    response: z.unknown().optional(),
    // "0.00" to "1.00" while generating.
    progress: z.coerce.number().nullish().catch(undefined),
  }),
  normalise: (wire, raw) => {
    const byFlag = wire.successFlag != null && wire.successFlag !== '';
    return record({
      raw,
      taskId: wire.taskId,
      label: LABEL,
      read: byFlag ? lookup(FLAGS, wire.successFlag) : lookup(STATUSES, wire.status),
      stateField: byFlag ? 'successFlag' : 'status',
      model: wire.model || modelInParam(wire.paramJson),
      param: wire.paramJson,
      result: wire.response,
      resultField: 'response',
      // The reference says response.resultUrls, the quickstart response.result_urls: either.
      resultUrls: urlsIn(field(wire.response, 'resultUrls'), field(wire.response, 'result_urls')),
      // Stryker disable next-line ArrayDeclaration: the fallback places list both fields first all the same
      urlFields: ['response.resultUrls', 'response.result_urls'],
      expectsFiles: true,
      failCode: wire.errorCode,
      failMsg: wire.errorMessage,
      createTime: wire.createTime,
      completeTime: wire.completeTime,
      progress: wire.progress == null ? undefined : Math.round(wire.progress * 100),
    });
  },
});
