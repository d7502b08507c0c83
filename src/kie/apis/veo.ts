// Veo 3.1 video. Sources: docs veo3-api/generate-veo-3-video.md, get-veo-3-video-details.md.
import { defineFamily, field, flagRecord, flagSchema, flatBody, lookup, urlsIn } from './family.js';

const LABEL = 'Veo 3.1';

export const veo = defineFamily({
  name: 'veo',
  label: LABEL,
  statusPath: '/api/v1/veo/record-info',
  // model: veo3, veo3_fast (the default), veo3_lite.
  create: {
    path: '/api/v1/veo/generate',
    model: 'optional',
    callbackRequired: false,
    body: flatBody,
  },
  schema: flagSchema,
  normalise: (wire, raw) =>
    flagRecord(wire, {
      label: LABEL,
      raw,
      // The details page's successFlag enum lists 0 generating, 1 success, 2 failed; the summary
      // and error text also name 3 (generation failed): both read as fail.
      read: lookup({ 0: 'generating', 1: 'success', 2: 'fail', 3: 'fail' }, wire.successFlag),
      // The generated videos. originUrls (before re-framing) and fullResultUrls (a whole extended
      // video) stay in resultJson: downloading them too would fetch the same video twice.
      // Older records carry them as a JSON string in `resultUrls` on the record itself: one of the
      // places looked in when this one is empty (result-urls.ts).
      resultUrls: urlsIn(field(wire.response, 'resultUrls')),
      // Stryker disable next-line ArrayDeclaration: response.resultUrls is also the first fallback place, named all the same
      urlFields: ['response.resultUrls'],
    }),
});
