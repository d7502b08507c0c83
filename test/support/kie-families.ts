// Each API family's status records as its documentation shows them (shared/kie-families.md §13 and
// the family sections), for the simulator to serve: a run of replies while the task works, its
// success holding the given media URLs, and its failure. The other shapes the docs and real
// replies use (result_urls, URLs away from the documented field) are kie-shapes.ts's SHAPES.
// Suno's records (music, sub-tasks, custom voice) are in kie-families-suno.ts.
import { SUNO_FAMILIES } from './kie-families-suno.js';
import type { Api } from './kie-routes.js';

export { sunoSuccess } from './kie-families-suno.js';

export interface FamilyCase {
  api: Exclude<Api, 'market'>;
  /** How many media URLs the success holds: resultUrls is exactly these, in order. */
  media: number;
  running: object[];
  /** The family's own value in each running reply, as apiState reads it. */
  runningStates: string[];
  success(urls: string[]): object;
  successState: string;
  failure: object;
  failureState: string;
  failMsg: string;
}

// Veo, Flux and Aleph give times as zone-less strings; Suno as epoch ms.
const created = '2025-06-06 10:25:00';
const completed = '2025-06-06 10:30:00';
export const CREATED_MS = Date.UTC(2025, 5, 6, 10, 25);
export const COMPLETED_MS = Date.UTC(2025, 5, 6, 10, 30);

const flagged = (extra: object) => ({
  paramJson: '{"prompt":"A futuristic city"}',
  createTime: created,
  completeTime: null,
  errorCode: null,
  errorMessage: null,
  ...extra,
});
const done = (extra: object) => flagged({ completeTime: completed, ...extra });

export const FAMILIES: FamilyCase[] = [
  {
    api: 'veo',
    media: 1,
    running: [flagged({ successFlag: 0, response: null })],
    runningStates: ['0'],
    success: ([video]) =>
      done({
        paramJson: '{"prompt":"A futuristic city with flying cars at sunset.","waterMark":"KieAI"}',
        successFlag: 1,
        errorMessage: '',
        fallbackFlag: false,
        response: {
          resultUrls: [video],
          originUrls: ['http://example.com/original_video1.mp4'],
          fullResultUrls: ['http://example.com/full_result.mp4'],
          resolution: '1080p',
        },
      }),
    successState: '1',
    failure: done({ successFlag: 2, errorCode: 400, errorMessage: 'Prompt flagged' }),
    failureState: '2',
    failMsg: 'Prompt flagged',
  },
  {
    api: 'runway',
    media: 1,
    running: [{ state: 'wait' }, { state: 'queueing' }, { state: 'generating' }],
    runningStates: ['wait', 'queueing', 'generating'],
    success: ([video]) => ({
      state: 'success',
      generateTime: '2023-08-15 14:30:45',
      videoInfo: {
        videoId: '485da89c-7fca-4340-8c04-101025b2ae71',
        videoUrl: video,
        imageUrl: 'https://file.com/m/xxxxxxxx.png',
      },
      expireFlag: 0,
    }),
    successState: 'success',
    failure: { state: 'fail', failCode: 400, failMsg: 'Image could not be read', expireFlag: 0 },
    failureState: 'fail',
    failMsg: 'Image could not be read',
  },
  {
    api: 'runway-aleph',
    media: 1,
    // "0 = failed or in progress": with errorCode 0 and no message it is in progress.
    running: [flagged({ successFlag: 0, errorCode: 0, errorMessage: '', response: null })],
    runningStates: ['0'],
    success: ([video]) =>
      done({
        successFlag: 1,
        errorCode: 0,
        errorMessage: '',
        response: { resultVideoUrl: video, resultImageUrl: 'https://file.com/m/cover.png' },
      }),
    successState: '1',
    failure: done({ successFlag: 0, errorCode: 500, errorMessage: 'Video too long' }),
    failureState: '0',
    failMsg: 'Video too long',
  },
  ...SUNO_FAMILIES,
  {
    api: '4o-image',
    media: 1,
    running: [
      { successFlag: 0, status: 'GENERATING', progress: '0.50', response: null },
      { successFlag: 0, status: 'GENERATING', progress: '0.90', response: null },
    ],
    runningStates: ['0'],
    // The reference's key; the quickstart's result_urls is one of kie-shapes.ts's SHAPES.
    success: (urls) => ({
      successFlag: 1,
      status: 'SUCCESS',
      progress: '1.00',
      response: { resultUrls: urls },
    }),
    successState: '1',
    failure: {
      successFlag: 2,
      status: 'GENERATE_FAILED',
      errorCode: 400,
      errorMessage: 'Your content was flagged by OpenAI',
    },
    failureState: '2',
    failMsg: 'Your content was flagged by OpenAI',
  },
  {
    api: 'flux-kontext',
    media: 1,
    running: [flagged({ successFlag: 0, response: null })],
    runningStates: ['0'],
    success: ([image]) =>
      done({
        successFlag: 1,
        createTime: '2025-06-06T10:25:00Z',
        completeTime: '2025-06-06T10:30:00Z',
        response: { resultImageUrl: image, originImageUrl: 'https://bfl.example/o.png' },
      }),
    successState: '1',
    failure: done({ successFlag: 3, errorCode: 501, errorMessage: 'Generation failed' }),
    failureState: '3',
    failMsg: 'Generation failed',
  },
  {
    api: 'midjourney',
    media: 4,
    running: [{ taskType: 'mj_txt2img', successFlag: 0 }],
    runningStates: ['0'],
    success: (urls) => ({
      taskType: 'mj_txt2img',
      paramJson: '{"prompt":"A sci-fi fighter jet","taskType":"mj_txt2img","version":"7"}',
      completeTime: '2024-03-20T10:30:00Z',
      createTime: '2024-03-20T10:30:00Z',
      resultInfoJson: { resultUrls: urls.map((resultUrl) => ({ resultUrl })) },
      successFlag: 1,
      errorCode: null,
      errorMessage: null,
    }),
    successState: '1',
    failure: { taskType: 'mj_txt2img', successFlag: 2, errorMessage: 'Banned prompt' },
    failureState: '2',
    failMsg: 'Banned prompt',
  },
  {
    api: 'luma',
    media: 1,
    running: [{ successFlag: 0 }],
    runningStates: ['0'],
    success: (urls) => ({
      successFlag: 1,
      response: { resultUrls: urls, originUrls: ['https://luma.example/o.mp4'] },
    }),
    successState: '1',
    failure: { successFlag: 3, errorCode: 500, errorMessage: 'Modify failed' },
    failureState: '3',
    failMsg: 'Modify failed',
  },
];
