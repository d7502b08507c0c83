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
    // 4 is CALLBACK_FAILED, "Generation succeeded but callback failed", with the URLs in
    // `response`: the action polls, so it does not need the callback. Without URLs (in the
    // documented field, the first place searched, or any other) it is a fail.
    // Stryker disable next-line StringLiteral,ArrayDeclaration: only the URLs found are used here, not the names of the places
    const search = { resultField: 'response', result: wire.response, raw, documented: [] };
    const callbackFailed = searchFallbacks(search).urls.length > 0 ? 'success' : 'fail';
    return flagRecord(wire, {
      label: LABEL,
      raw,
      read: lookup(
        { 0: 'generating', 1: 'success', 2: 'fail', 3: 'fail', 4: callbackFailed },
        wire.successFlag,
      ),
      // The videos; originUrls stay in resultJson.
      // Stryker disable next-line StringLiteral: response.resultUrls is also the first fallback place, so the same URLs are found
      resultUrls: urlsIn(field(wire.response, 'resultUrls')),
      // Stryker disable next-line ArrayDeclaration: the fallback places list response.resultUrls first all the same
      urlFields: ['response.resultUrls'],
    });
  },
});
