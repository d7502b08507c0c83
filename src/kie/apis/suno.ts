// Suno music and its sub-tasks: each its own create and status endpoint, flag and result. Sources:
// docs suno-api/*.md; live shapes from a client test that "lock[s] the real kie.ai shape"
// (numeric createTime, musicfile.kie.ai URLs). Every Suno request needs a callBackUrl: without one
// Kie.ai answers "Please enter callBackUrl." (docs: "Required for all music generation requests").
import { z } from 'zod';
import { message, text, time } from '../schema.js';
import {
  defineFamily,
  field,
  flagFields,
  flatBody,
  lookup,
  modelInParam,
  record,
  taskId,
  urlsIn,
  type ApiFamily,
  type StateTable,
} from './family.js';
import { urlsInFields } from './result-urls.js';

const create = (path: string, model: 'optional' | 'none' = 'none') => ({
  path,
  model,
  callbackRequired: true,
  body: flatBody,
});

const modelName = (track: unknown): string => {
  const name = field(track, 'modelName');
  return typeof name === 'string' ? name : '';
};

const tracksOf = (response: unknown): unknown[] => {
  const tracks = field(response, 'sunoData');
  return Array.isArray(tracks) ? tracks : [];
};

export const suno = defineFamily({
  name: 'suno',
  label: 'Suno',
  statusPath: '/api/v1/generate/record-info',
  // model: V4, V4_5, V4_5PLUS, V4_5ALL, V5, V5_5 (Kie.ai requires one).
  create: create('/api/v1/generate', 'optional'),
  schema: z.looseObject({
    taskId,
    status: z.unknown(),
    param: z.unknown().optional(),
    response: z.unknown().optional(),
    errorCode: text,
    errorMessage: message,
    createTime: time,
  }),
  normalise: (wire, raw) => {
    const tracks = tracksOf(wire.response);
    const audio = urlsIn(...tracks.map((track) => field(track, 'audioUrl')));
    // CALLBACK_EXCEPTION is "Error during callback process": the webhook failed, not the music.
    // One client counts it a success when the tracks exist, two others a failure; the action
    // polls and needs no callback, so: a success when every track has its audio, else a fail.
    const complete = tracks.length > 0 && audio.length === tracks.length;
    const read = lookup(
      {
        PENDING: 'waiting',
        // Not done: at FIRST_SUCCESS the second track's audioUrl is still empty.
        TEXT_SUCCESS: 'generating',
        FIRST_SUCCESS: 'generating',
        SUCCESS: 'success',
        CREATE_TASK_FAILED: 'fail',
        GENERATE_AUDIO_FAILED: 'fail',
        SENSITIVE_WORD_ERROR: 'fail',
        CALLBACK_EXCEPTION: complete ? 'success' : 'fail',
      },
      wire.status,
    );
    return record({
      raw,
      taskId: wire.taskId,
      label: 'Suno',
      read,
      stateField: 'status',
      model: modelInParam(wire.param) || modelName(tracks[0]),
      param: wire.param,
      result: wire.response,
      resultField: 'response',
      // Every track's audio, then its cover art (small, and what a release needs). The stream
      // URLs play the same audio while it renders: they stay in resultJson.
      resultUrls: urlsIn(audio, ...tracks.map((track) => field(track, 'imageUrl'))),
      urlFields: ['response.sunoData[].audioUrl', 'response.sunoData[].imageUrl'],
      expectsFiles: true,
      failCode: wire.errorCode,
      failMsg: wire.errorMessage,
      createTime: wire.createTime,
      warnings:
        read.state === 'success' && !complete && tracks.length > 0
          ? [
              `Suno reported ${read.apiState} but only ${audio.length} of ${tracks.length} tracks have audio.`,
            ]
          : [],
    });
  },
});

export const sunoLyrics = defineFamily({
  name: 'suno-lyrics',
  label: 'Suno lyrics',
  statusPath: '/api/v1/lyrics/record-info',
  create: create('/api/v1/lyrics'),
  schema: z.looseObject({ ...flagFields, status: z.unknown(), response: z.unknown().optional() }),
  normalise: (wire, raw) => {
    const items = field(wire.response, 'data');
    const written = Array.isArray(items) && items.some((item) => field(item, 'text'));
    return record({
      raw,
      taskId: wire.taskId,
      label: 'Suno lyrics',
      read: lookup(
        {
          PENDING: 'waiting',
          SUCCESS: 'success',
          CREATE_TASK_FAILED: 'fail',
          GENERATE_LYRICS_FAILED: 'fail',
          SENSITIVE_WORD_ERROR: 'fail',
          // As for music: the lyrics are there, only the webhook failed.
          CALLBACK_EXCEPTION: written ? 'success' : 'fail',
        },
        wire.status,
      ),
      stateField: 'status',
      param: wire.paramJson ?? field(wire, 'param'),
      // The lyrics are text (response.data[].text and title): they go to result.json.
      result: wire.response,
      // Stryker disable next-line StringLiteral: lyrics have no files, so no warning names the places looked in
      resultField: 'response',
      expectsFiles: false,
      failCode: wire.errorCode,
      failMsg: wire.errorMessage,
      createTime: wire.createTime,
      completeTime: wire.completeTime,
    });
  },
});

interface SubTask {
  name: string;
  label: string;
  statusPath: string;
  createPath: string;
  /** The documented values of successFlag beyond PENDING and SUCCESS. */
  failures: string[];
  callbackException: boolean;
  urls(response: unknown): string[];
  /** Where urls() looks, for the warning when a success has none. */
  urlFields: string[];
}

/** WAV, vocal removal and MP4: successFlag is a *string* (PENDING, SUCCESS …) on these pages. */
function stringFlagTask(spec: SubTask): ApiFamily {
  return defineFamily({
    name: spec.name,
    label: spec.label,
    statusPath: spec.statusPath,
    create: create(spec.createPath),
    schema: z.looseObject({ ...flagFields, response: z.unknown().optional() }),
    normalise: (wire, raw) => {
      const urls = spec.urls(wire.response);
      const table: StateTable = { PENDING: 'waiting', SUCCESS: 'success' };
      for (const failure of spec.failures) table[failure] = 'fail';
      if (spec.callbackException) table.CALLBACK_EXCEPTION = urls.length > 0 ? 'success' : 'fail';
      return record({
        raw,
        taskId: wire.taskId,
        label: spec.label,
        read: lookup(table, wire.successFlag),
        stateField: 'successFlag',
        model: wire.model || modelInParam(wire.paramJson),
        param: wire.paramJson,
        result: wire.response,
        resultField: 'response',
        resultUrls: urls,
        urlFields: spec.urlFields,
        expectsFiles: true,
        failCode: wire.errorCode,
        failMsg: wire.errorMessage,
        createTime: wire.createTime,
        completeTime: wire.completeTime,
      });
    },
  });
}

export const sunoWav = stringFlagTask({
  name: 'suno-wav',
  label: 'Suno WAV',
  statusPath: '/api/v1/wav/record-info',
  createPath: '/api/v1/wav/generate',
  failures: ['CREATE_TASK_FAILED', 'GENERATE_WAV_FAILED'],
  callbackException: true,
  urls: (response) => urlsIn(field(response, 'audioWavUrl')),
  urlFields: ['response.audioWavUrl'],
});

export const sunoVocalRemoval = stringFlagTask({
  name: 'suno-vocal-removal',
  label: 'Suno vocal removal',
  statusPath: '/api/v1/vocal-removal/record-info',
  createPath: '/api/v1/vocal-removal/generate',
  failures: ['CREATE_TASK_FAILED', 'GENERATE_AUDIO_FAILED'],
  callbackException: true,
  // Every stem the type gave (vocalUrl and instrumentalUrl, or the 13 of split_stem): each
  // `…Url` field. originData (the source tracks) stays in resultJson.
  urls: (response) => urlsInFields(response, /Url$/),
  urlFields: ['response.*Url'],
});

export const sunoMp4 = stringFlagTask({
  name: 'suno-mp4',
  label: 'Suno MP4',
  statusPath: '/api/v1/mp4/record-info',
  createPath: '/api/v1/mp4/generate',
  // The MP4 page lists no CALLBACK_EXCEPTION.
  failures: ['CREATE_TASK_FAILED', 'GENERATE_MP4_FAILED'],
  callbackException: false,
  urls: (response) => urlsIn(field(response, 'videoUrl')),
  urlFields: ['response.videoUrl'],
});

export const sunoMidi = defineFamily({
  name: 'suno-midi',
  label: 'Suno MIDI',
  statusPath: '/api/v1/midi/record-info',
  create: create('/api/v1/midi/generate'),
  schema: z.looseObject({ ...flagFields, midiData: z.unknown().optional() }),
  normalise: (wire, raw) =>
    record({
      raw,
      taskId: wire.taskId,
      label: 'Suno MIDI',
      // An *integer* flag here, unlike WAV and MP4: 0 pending, 1 success, 2 create failed,
      // 3 generation failed. errorCode is a string.
      read: lookup({ 0: 'waiting', 1: 'success', 2: 'fail', 3: 'fail' }, wire.successFlag),
      stateField: 'successFlag',
      param: wire.paramJson,
      // Notes per instrument, no file: result.json.
      result: wire.midiData,
      // Stryker disable next-line StringLiteral: the notes are no file, so no warning names the places looked in
      resultField: 'midiData',
      expectsFiles: false,
      failCode: wire.errorCode,
      failMsg: wire.errorMessage,
      createTime: wire.createTime,
      completeTime: wire.completeTime,
    }),
});

export const sunoCover = defineFamily({
  name: 'suno-cover',
  label: 'Suno cover image',
  statusPath: '/api/v1/suno/cover/record-info',
  create: create('/api/v1/suno/cover/generate'),
  schema: z.looseObject({ ...flagFields, response: z.unknown().optional() }),
  normalise: (wire, raw) => {
    // The page contradicts itself: its enum text says "0-Pending, 1-Success, 2-Generating,
    // 3-Generation failed", its prose PENDING, SUCCESS, CREATE_TASK_FAILED, GENERATE_COVER_FAILED.
    // Both are read. A 2 is still generating unless it carries an error: failing a task that is
    // still rendering would lose what it produces, waiting on a failed one only costs time.
    const errored = !['', '0', '200'].includes(wire.errorCode) || wire.errorMessage.trim() !== '';
    const failedAt2 = errored ? 'fail' : 'generating';
    return record({
      raw,
      taskId: wire.taskId,
      label: 'Suno cover image',
      read: lookup(
        {
          0: 'waiting',
          1: 'success',
          2: failedAt2,
          3: 'fail',
          PENDING: 'waiting',
          SUCCESS: 'success',
          CREATE_TASK_FAILED: 'fail',
          GENERATE_COVER_FAILED: 'fail',
        },
        wire.successFlag,
      ),
      stateField: 'successFlag',
      param: wire.paramJson,
      result: wire.response,
      resultField: 'response',
      resultUrls: urlsIn(field(wire.response, 'images')),
      urlFields: ['response.images'],
      expectsFiles: true,
      failCode: wire.errorCode,
      failMsg: wire.errorMessage,
      createTime: wire.createTime,
      completeTime: wire.completeTime,
    });
  },
});
