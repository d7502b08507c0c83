// Runway Aleph video-to-video: its own endpoint and shape, not Runway's. Source: docs
// runway-api/get-aleph-video-details.md.
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

const LABEL = 'Runway Aleph';

export const runwayAleph = defineFamily({
  name: 'runway-aleph',
  label: LABEL,
  statusPath: '/api/v1/aleph/record-info',
  create: {
    path: '/api/v1/aleph/generate',
    model: 'none',
    callbackRequired: false,
    body: flatBody,
  },
  schema: z.looseObject({ ...flagFields, response: z.unknown().optional() }),
  normalise: (wire) => {
    // The docs: successFlag "1 = success, 0 = failed or in progress", errorCode "0 if successful".
    // So a 0 with an error code or message is a failure, and a bare 0 is still running.
    const errored = !['', '0'].includes(wire.errorCode) || wire.errorMessage.trim() !== '';
    const read = lookup({ 0: errored ? 'fail' : 'generating', 1: 'success' }, wire.successFlag);
    return record({
      taskId: wire.taskId,
      label: LABEL,
      read,
      stateField: 'successFlag',
      model: wire.model || modelInParam(wire.paramJson),
      param: wire.paramJson,
      result: wire.response,
      // The video; its cover image (resultImageUrl) stays in resultJson.
      resultUrls: urlsIn(field(wire.response, 'resultVideoUrl')),
      expectsFiles: true,
      failCode: wire.errorCode,
      failMsg: wire.errorMessage,
      createTime: wire.createTime,
      completeTime: wire.completeTime,
    });
  },
});
