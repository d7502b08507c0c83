// Flux Kontext images. Sources: docs flux-kontext-api/get-image-details.md, quickstart.md.
import { defineFamily, field, flagRecord, flagSchema, flatBody, lookup, urlsIn } from './family.js';

const LABEL = 'Flux Kontext';

export const fluxKontext = defineFamily({
  name: 'flux-kontext',
  label: LABEL,
  statusPath: '/api/v1/flux/kontext/record-info',
  // model: flux-kontext-pro (the default) or flux-kontext-max.
  create: {
    path: '/api/v1/flux/kontext/generate',
    model: 'optional',
    callbackRequired: false,
    body: flatBody,
  },
  schema: flagSchema,
  normalise: (wire, raw) =>
    flagRecord(wire, {
      label: LABEL,
      raw,
      // 0 GENERATING, 1 SUCCESS, 2 CREATE_TASK_FAILED, 3 GENERATE_FAILED.
      read: lookup({ 0: 'generating', 1: 'success', 2: 'fail', 3: 'fail' }, wire.successFlag),
      // resultImageUrl is kept 14 days; originImageUrl (valid 10 minutes) stays in resultJson.
      resultUrls: urlsIn(field(wire.response, 'resultImageUrl')),
      urlFields: ['response.resultImageUrl'],
    }),
});
