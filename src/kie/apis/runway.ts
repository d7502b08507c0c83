// Runway video. Sources: docs runway-api/get-ai-video-details.md, quickstart.md.
import { z } from 'zod';
import { message, text, time } from '../schema.js';
import { defineFamily, field, flatBody, lookup, record, taskId, urlsIn } from './family.js';

const LABEL = 'Runway';

export const runway = defineFamily({
  name: 'runway',
  label: LABEL,
  statusPath: '/api/v1/runway/record-detail',
  create: {
    path: '/api/v1/runway/generate',
    model: 'none',
    callbackRequired: false,
    body: flatBody,
  },
  schema: z.looseObject({
    taskId,
    state: z.unknown(),
    generateParam: z.unknown().optional(),
    generateTime: time,
    videoInfo: z.unknown().optional(),
    failCode: text,
    failMsg: message,
    // 1 once the video's 14 days are up.
    expireFlag: z.unknown().optional(),
  }),
  normalise: (wire, raw) =>
    record({
      raw,
      taskId: wire.taskId,
      label: LABEL,
      // Runway spells it `queueing` and `wait`, Market `queuing` and `waiting`.
      read: lookup(
        {
          wait: 'waiting',
          queueing: 'queuing',
          generating: 'generating',
          success: 'success',
          fail: 'fail',
        },
        wire.state,
      ),
      stateField: 'state',
      param: wire.generateParam,
      result: wire.videoInfo,
      resultField: 'videoInfo',
      // The video; its cover image (videoInfo.imageUrl) stays in resultJson.
      resultUrls: urlsIn(field(wire.videoInfo, 'videoUrl')),
      urlFields: ['videoInfo.videoUrl'],
      expectsFiles: true,
      failCode: wire.failCode,
      failMsg: wire.failMsg,
      // The one time Runway gives.
      createTime: wire.generateTime,
      warnings:
        String(wire.expireFlag) === '1'
          ? ['Runway marks the video as expired (expireFlag 1): its links may no longer work.']
          : [],
    }),
});
