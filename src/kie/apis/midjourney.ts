// Midjourney, in older accounts: gone from the 2026-04 docs index. Source: a copy of the older docs
// (felores/kie-ai-mcp-server docs/kie/midjourney_generate.md).
import { z } from 'zod';
import { defineFamily, field, flagFields, flatBody, lookup, record, urlsIn } from './family.js';

const LABEL = 'Midjourney';

export const midjourney = defineFamily({
  name: 'midjourney',
  label: LABEL,
  statusPath: '/api/v1/mj/record-info',
  // No model field: taskType (mj_txt2img, mj_video …) and version go in input.
  create: { path: '/api/v1/mj/generate', model: 'none', callbackRequired: false, body: flatBody },
  schema: z.looseObject({
    ...flagFields,
    taskType: z.unknown().optional(),
    resultInfoJson: z.unknown().optional(),
  }),
  normalise: (wire, raw) =>
    record({
      raw,
      taskId: wire.taskId,
      label: LABEL,
      // 0 generating, 1 success, 2 failed, 3 generation failed.
      read: lookup({ 0: 'generating', 1: 'success', 2: 'fail', 3: 'fail' }, wire.successFlag),
      stateField: 'successFlag',
      model: wire.model || (typeof wire.taskType === 'string' ? wire.taskType : ''),
      param: wire.paramJson,
      result: wire.resultInfoJson,
      resultField: 'resultInfoJson',
      // Every image (or video): `[{resultUrl}]` in the status reply, plain strings in the callback.
      // Stryker disable next-line StringLiteral: resultInfoJson.resultUrls is also the first fallback place, so the same URLs are found
      resultUrls: urlsIn(field(wire.resultInfoJson, 'resultUrls')),
      // Stryker disable next-line ArrayDeclaration: the fallback places list resultInfoJson.resultUrls first all the same
      urlFields: ['resultInfoJson.resultUrls'],
      expectsFiles: true,
      failCode: wire.errorCode,
      failMsg: wire.errorMessage,
      createTime: wire.createTime,
      completeTime: wire.completeTime,
    }),
});
