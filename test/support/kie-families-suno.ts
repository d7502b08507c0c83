// Suno's status records (music and its sub-tasks, and the custom voice API) as their docs show
// them, for kie-families.ts.
import type { FamilyCase } from './kie-families.js';

export const SUNO_FAMILIES: FamilyCase[] = [
  {
    api: 'suno',
    media: 4,
    running: [
      { status: 'PENDING', response: null },
      { status: 'TEXT_SUCCESS', response: { sunoData: [] } },
      // At FIRST_SUCCESS the second track's audioUrl is still empty: not done.
      {
        status: 'FIRST_SUCCESS',
        response: {
          sunoData: [
            { id: 'a', audioUrl: 'https://musicfile.kie.ai/a.mp3', streamAudioUrl: 'x' },
            { id: 'b', audioUrl: '', streamAudioUrl: 'y' },
          ],
        },
      },
    ],
    runningStates: ['PENDING', 'TEXT_SUCCESS', 'FIRST_SUCCESS'],
    success: (urls) => sunoSuccess('SUCCESS', urls),
    successState: 'SUCCESS',
    failure: { status: 'SENSITIVE_WORD_ERROR', errorCode: 400, errorMessage: 'Lyrics flagged' },
    failureState: 'SENSITIVE_WORD_ERROR',
    failMsg: 'Lyrics flagged',
  },
  {
    api: 'suno-lyrics',
    media: 0,
    running: [{ status: 'PENDING', type: 'LYRICS', response: null }],
    runningStates: ['PENDING'],
    success: () => ({
      status: 'SUCCESS',
      type: 'LYRICS',
      response: {
        data: [
          { text: '[Verse]\nCity lights', title: 'Night', status: 'complete', errorMessage: '' },
          { text: '[Verse]\nMorning', title: 'Day', status: 'complete', errorMessage: '' },
        ],
      },
    }),
    successState: 'SUCCESS',
    failure: { status: 'GENERATE_LYRICS_FAILED', errorCode: 500, errorMessage: 'Internal error' },
    failureState: 'GENERATE_LYRICS_FAILED',
    failMsg: 'Internal error',
  },
  {
    api: 'suno-wav',
    media: 1,
    // successFlag is a string on this page.
    running: [{ successFlag: 'PENDING', response: null }],
    runningStates: ['PENDING'],
    success: ([wav]) => ({ successFlag: 'SUCCESS', response: { audioWavUrl: wav } }),
    successState: 'SUCCESS',
    failure: { successFlag: 'GENERATE_WAV_FAILED', errorCode: 500, errorMessage: 'No audio' },
    failureState: 'GENERATE_WAV_FAILED',
    failMsg: 'No audio',
  },
  {
    api: 'suno-vocal-removal',
    media: 2,
    running: [{ successFlag: 'PENDING', response: null }],
    runningStates: ['PENDING'],
    success: ([vocal, instrumental]) => ({
      successFlag: 'SUCCESS',
      response: {
        vocalUrl: vocal,
        instrumentalUrl: instrumental,
        originData: [{ id: 'o', audio_url: 'https://musicfile.kie.ai/origin.mp3' }],
      },
    }),
    successState: 'SUCCESS',
    failure: { successFlag: 'CREATE_TASK_FAILED', errorCode: 400, errorMessage: 'Unknown audioId' },
    failureState: 'CREATE_TASK_FAILED',
    failMsg: 'Unknown audioId',
  },
  {
    api: 'suno-mp4',
    media: 1,
    running: [{ successFlag: 'PENDING' }],
    runningStates: ['PENDING'],
    success: ([video]) => ({ successFlag: 'SUCCESS', response: { videoUrl: video } }),
    successState: 'SUCCESS',
    failure: { successFlag: 'GENERATE_MP4_FAILED', errorMessage: 'Render failed' },
    failureState: 'GENERATE_MP4_FAILED',
    failMsg: 'Render failed',
  },
  {
    api: 'suno-midi',
    media: 0,
    // An integer flag here.
    running: [{ successFlag: 0 }],
    runningStates: ['0'],
    success: () => ({
      successFlag: 1,
      midiData: {
        state: 'complete',
        instruments: [{ name: 'Piano', notes: [{ pitch: 60, start: 0, end: 0.5, velocity: 90 }] }],
      },
    }),
    successState: '1',
    failure: { successFlag: 3, errorCode: '500', errorMessage: 'No notes found' },
    failureState: '3',
    failMsg: 'No notes found',
  },
  {
    api: 'suno-cover',
    media: 2,
    // 2 is "Generating" in the enum text (and a failure in the prose): without an error, running.
    running: [{ successFlag: 0 }, { successFlag: 2, errorCode: null, errorMessage: null }],
    runningStates: ['0', '2'],
    success: (images) => ({ successFlag: 1, response: { images } }),
    successState: '1',
    failure: { successFlag: 3, errorCode: 500, errorMessage: 'Cover failed' },
    failureState: '3',
    failMsg: 'Cover failed',
  },
  {
    api: 'suno-voice',
    media: 1,
    // The record fields are not published: read as the other Suno records (status, response).
    running: [
      { status: 'PENDING', response: null },
      { status: 'GENERATING', response: null },
    ],
    runningStates: ['PENDING', 'GENERATING'],
    success: ([sample]) => ({
      status: 'SUCCESS',
      response: { voiceId: 'voice-1', voiceName: 'Ada', audioUrl: sample },
    }),
    successState: 'SUCCESS',
    failure: { status: 'GENERATE_VOICE_FAILED', errorCode: 400, errorMessage: 'Voice too short' },
    failureState: 'GENERATE_VOICE_FAILED',
    failMsg: 'Voice too short',
  },
  {
    api: 'suno-voice-validate',
    media: 0,
    running: [{ successFlag: 0 }],
    runningStates: ['0'],
    success: () => ({ successFlag: 1, response: { valid: true, language: 'en' } }),
    successState: '1',
    failure: { successFlag: 3, errorCode: 400, errorMessage: 'No vocals found' },
    failureState: '3',
    failMsg: 'No vocals found',
  },
];

/** Suno's record with two tracks: urls are [audio 1, audio 2, cover 1, cover 2]. */
export function sunoSuccess(status: string, urls: string[]) {
  const [audioA, audioB, coverA, coverB] = urls;
  const track = (id: string, audioUrl?: string, imageUrl?: string) => ({
    id,
    audioUrl,
    streamAudioUrl: `https://musicfile.kie.ai/stream/${id}`,
    imageUrl,
    prompt: '[Verse] City lights',
    modelName: 'chirp-v3-5',
    title: 'Neon',
    tags: 'electrifying, rock',
    createTime: 1_774_509_092_129,
    duration: 198.44,
  });
  return {
    parentMusicId: '',
    param: '{"prompt":"A calm piano track","customMode":true,"instrumental":true,"model":"V3_5"}',
    response: { sunoData: [track('a', audioA, coverA), track('b', audioB, coverB)] },
    status,
    type: 'GENERATE',
    operationType: 'generate',
    errorCode: null,
    errorMessage: null,
    createTime: 1_774_509_092_129,
  };
}
