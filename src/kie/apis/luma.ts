// Luma video modify, in older accounts: gone from the 2026-04 docs index. Source: copies of the
// older docs' luma-api/quickstart (two, which agree).
import { defineFamily, field, flagRecord, flagSchema, flatBody, lookup, urlsIn } from './family.js';
import { searchFallbacks } from './result-urls.js';

const LABEL = 'Luma';

export const luma = defineFamily({
  name: 'luma',
  label: LABEL,
  statusPath: '/api/v1/modify/record-info',
  create: {
    path: '/api/v1/modify/generate',
    model: 'none',
    callbackRequired: false,
    body: flatBody,
  },
  schema: flagSchema,
  normalise: (wire, raw) => {
    // The videos; originUrls stay in resultJson.
    const resultUrls = urlsIn(field(wire.response, 'resultUrls'));
    // 4 is CALLBACK_FAILED, "Generation succeeded but callback failed", with the URLs in
    // `response`: the action polls, so it does not need the callback. Without URLs (in the
    // documented field or any other place looked in) it is a fail.
    const search = { resultField: 'response', result: wire.response, raw, documented: [] };
    const made = resultUrls.length > 0 || searchFallbacks(search).urls.length > 0;
    const callbackFailed = made ? 'success' : 'fail';
    return flagRecord(wire, {
      label: LABEL,
      raw,
      read: lookup(
        { 0: 'generating', 1: 'success', 2: 'fail', 3: 'fail', 4: callbackFailed },
        wire.successFlag,
      ),
      resultUrls,
      urlFields: ['response.resultUrls'],
    });
  },
});
