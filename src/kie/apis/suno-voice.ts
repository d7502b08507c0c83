// Suno custom voice (new in the 2026-07 docs): validate a voice sample, then generate the voice
// from it. Endpoints from the docs' OpenAPI fragments (suno-api/suno-voice-*: validate,
// validate-info, generate, record-info, regenerate, check-voice); their record fields are not
// published, so the record is read as the other Suno records are (status or successFlag,
// response, errorCode, errorMessage) and defensively: every `…Url` of `response` is a result,
// failure names are read from their suffix, and anything else is waited through with a warning.
import { z } from 'zod';
import {
  defineFamily,
  field,
  flagFields,
  flatBody,
  lookup,
  record,
  type ApiFamily,
  type StateTable,
} from './family.js';
import { urlsInFields } from './result-urls.js';

// The Suno states the other Suno records document, and the successFlag integers.
const STATES: StateTable = {
  PENDING: 'waiting',
  GENERATING: 'generating',
  TEXT_SUCCESS: 'generating',
  FIRST_SUCCESS: 'generating',
  SUCCESS: 'success',
  0: 'waiting',
  1: 'success',
  2: 'fail',
  3: 'fail',
};
// CREATE_TASK_FAILED, GENERATE_AUDIO_FAILED, SENSITIVE_WORD_ERROR … and whatever the voice pages
// call theirs (GENERATE_VOICE_FAILED, say): the suffix says it.
const FAILURE = /_(FAILED|ERROR)$/;

function voiceFamily(spec: {
  name: string;
  label: string;
  statusPath: string;
  createPath: string;
  /** A validation's verdict may hold no file; a generated voice has its sample. */
  expectsFiles: boolean;
}): ApiFamily {
  return defineFamily({
    name: spec.name,
    label: spec.label,
    statusPath: spec.statusPath,
    // No model field; callBackUrl is optional on these pages (unlike music generation).
    create: { path: spec.createPath, model: 'none', callbackRequired: false, body: flatBody },
    schema: z.looseObject({
      ...flagFields,
      status: z.unknown().optional(),
      response: z.unknown().optional(),
    }),
    normalise: (wire, raw) => {
      const byStatus = wire.status != null && wire.status !== '';
      const named = lookup(STATES, byStatus ? wire.status : wire.successFlag);
      // A name ending in _FAILED or _ERROR is a documented failure, whatever the page calls it.
      const failed = FAILURE.test(named.apiState);
      return record({
        raw,
        taskId: wire.taskId,
        label: spec.label,
        read: failed ? { ...named, state: 'fail', documented: true } : named,
        stateField: byStatus ? 'status' : 'successFlag',
        param: wire.paramJson ?? field(raw, 'param'),
        result: wire.response,
        resultField: 'response',
        // Every URL `response` holds in a field named `…Url` or `…Urls`.
        resultUrls: urlsInFields(wire.response, /Urls?$/),
        urlFields: ['response.*Url', 'response.*Urls'],
        expectsFiles: spec.expectsFiles,
        failCode: wire.errorCode,
        failMsg: wire.errorMessage,
        createTime: wire.createTime,
        completeTime: wire.completeTime,
      });
    },
  });
}

/** POST /api/v1/voice/generate `{taskId, verifyUrl, voiceName?, description?, style?, …}`. */
export const sunoVoice = voiceFamily({
  name: 'suno-voice',
  label: 'Suno custom voice',
  statusPath: '/api/v1/voice/record-info',
  createPath: '/api/v1/voice/generate',
  expectsFiles: true,
});

/** POST /api/v1/voice/validate `{voiceUrl, vocalStartS, vocalEndS, language?}`: the sample checked. */
export const sunoVoiceValidate = voiceFamily({
  name: 'suno-voice-validate',
  label: 'Suno voice validation',
  statusPath: '/api/v1/voice/validate-info',
  createPath: '/api/v1/voice/validate',
  expectsFiles: false,
});
