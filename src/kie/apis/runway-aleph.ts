// Runway Aleph video-to-video: its own endpoint and shape, not Runway's. Source: docs
// runway-api/get-aleph-video-details.md.
import { defineFamily, field, flagRecord, flagSchema, flatBody, lookup, urlsIn } from './family.js';

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
  schema: flagSchema,
  normalise: (wire, raw) => {
    // The docs: successFlag "1 = success, 0 = failed or in progress", errorCode "0 if successful".
    // So a 0 with an error code or message is a failure, and a bare 0 is still running.
    const errored = !['', '0'].includes(wire.errorCode) || wire.errorMessage.trim() !== '';
    return flagRecord(wire, {
      label: LABEL,
      raw,
      read: lookup({ 0: errored ? 'fail' : 'generating', 1: 'success' }, wire.successFlag),
      // The video; its cover image (resultImageUrl) stays in resultJson.
      resultUrls: urlsIn(field(wire.response, 'resultVideoUrl')),
      urlFields: ['response.resultVideoUrl'],
    });
  },
});
