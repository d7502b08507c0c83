// Every Kie.ai API family's endpoints, as the simulator serves them: written from
// shared/kie-families.md on their own, not taken from src/, so a wrong path in the action shows up.
export const ROUTES = (
  [
    { api: 'market', status: '/api/v1/jobs/recordInfo', create: '/api/v1/jobs/createTask' },
    { api: 'veo', status: '/api/v1/veo/record-info', create: '/api/v1/veo/generate' },
    { api: 'runway', status: '/api/v1/runway/record-detail', create: '/api/v1/runway/generate' },
    { api: 'runway-aleph', status: '/api/v1/aleph/record-info', create: '/api/v1/aleph/generate' },
    { api: 'suno', status: '/api/v1/generate/record-info', create: '/api/v1/generate' },
    { api: 'suno-lyrics', status: '/api/v1/lyrics/record-info', create: '/api/v1/lyrics' },
    { api: 'suno-wav', status: '/api/v1/wav/record-info', create: '/api/v1/wav/generate' },
    {
      api: 'suno-vocal-removal',
      status: '/api/v1/vocal-removal/record-info',
      create: '/api/v1/vocal-removal/generate',
    },
    { api: 'suno-mp4', status: '/api/v1/mp4/record-info', create: '/api/v1/mp4/generate' },
    { api: 'suno-midi', status: '/api/v1/midi/record-info', create: '/api/v1/midi/generate' },
    {
      api: 'suno-cover',
      status: '/api/v1/suno/cover/record-info',
      create: '/api/v1/suno/cover/generate',
    },
    { api: 'suno-voice', status: '/api/v1/voice/record-info', create: '/api/v1/voice/generate' },
    {
      api: 'suno-voice-validate',
      status: '/api/v1/voice/validate-info',
      create: '/api/v1/voice/validate',
    },
    {
      api: '4o-image',
      status: '/api/v1/gpt4o-image/record-info',
      create: '/api/v1/gpt4o-image/generate',
    },
    {
      api: 'flux-kontext',
      status: '/api/v1/flux/kontext/record-info',
      create: '/api/v1/flux/kontext/generate',
    },
    { api: 'midjourney', status: '/api/v1/mj/record-info', create: '/api/v1/mj/generate' },
    { api: 'luma', status: '/api/v1/modify/record-info', create: '/api/v1/modify/generate' },
  ] as const
).map((route) => ({
  ...route,
  unknown: route.api === 'market' ? 'recordInfo is null' : 'record is null',
}));

export type Api = (typeof ROUTES)[number]['api'];

export const FRESH_LINK_ROUTES: Record<string, { needsTaskId: boolean }> = {
  '/api/v1/common/download-url': { needsTaskId: false },
  '/api/v1/gpt4o-image/download-url': { needsTaskId: true },
};
