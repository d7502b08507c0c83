// Records as Kie.ai really sends them, away from the docs (shared/kie-families.md §15, issue 17):
// each family's success with its URLs in another place, with no URL, in undocumented states, and
// with empty values spelled "null". Built from kie-families.ts's documented records.
import { FAMILIES, type FamilyCase } from './kie-families.js';
import type { Api } from './kie-routes.js';
import type { KieReply, KieServer } from './kie-server.js';

/** A Market case beside the other families', so every family runs through the same tests. */
export const MARKET = { api: 'market', media: 1 } as const;
export const EVERY_FAMILY: { api: Api; media: number }[] = [MARKET, ...FAMILIES];

/** Where each family keeps its result object (Market's is the resultJson string). */
export function resultField(api: Api): string {
  const fields: Partial<Record<Api, string>> = {
    market: 'resultJson',
    runway: 'videoInfo',
    midjourney: 'resultInfoJson',
    'suno-midi': 'midiData',
  };
  return fields[api] ?? 'response';
}

/** The field each family's state is in, for an undocumented value. */
export function stateField(api: Api): string {
  if (api === 'market' || api === 'runway') return 'state';
  return ['suno', 'suno-lyrics', 'suno-voice'].includes(api) ? 'status' : 'successFlag';
}

/** The fields each family's errors are in. */
export function errorFields(api: Api): { code: string; message: string } {
  return api === 'market' || api === 'runway'
    ? { code: 'failCode', message: 'failMsg' }
    : { code: 'errorCode', message: 'errorMessage' };
}

/** A place real replies put result URLs in: the result object, and fields of the record. */
export interface Shape {
  name: string;
  result?: (urls: string[]) => object;
  record?: (urls: string[]) => object;
}

export const SHAPES: Shape[] = [
  {
    name: 'a whole envelope inside the result, with snake_case result_urls',
    result: (urls) => ({ code: 200, msg: 'success', data: { result_urls: urls } }),
  },
  { name: 'snake_case result_urls', result: (urls) => ({ result_urls: urls }) },
  {
    name: 'URLs as {url} objects',
    result: (urls) => ({ resultUrls: urls.map((url) => ({ url })) }),
  },
  {
    name: 'URLs as {resultUrl} objects',
    result: (urls) => ({ resultUrls: urls.map((resultUrl) => ({ resultUrl })) }),
  },
  {
    name: "resultUrls as a JSON string on the record (Veo's older form)",
    record: (urls) => ({ resultUrls: JSON.stringify(urls) }),
  },
  {
    name: 'each URL twice over, as a string, an object and with spaces',
    result: (urls) => ({ resultUrls: urls.flatMap((url) => [url, { url }, ` ${url} `]) }),
  },
];

/** The family's success, its result object replaced (null when the shape has none). */
export function successAt(api: Api, result: object | null, record: object = {}): object {
  if (api === 'market') {
    return { state: 'success', resultJson: result ? JSON.stringify(result) : '', ...record };
  }
  const family = FAMILIES.find((candidate) => candidate.api === api)!;
  return { ...family.success([]), [resultField(api)]: result, ...record };
}

/** Scripts a task that answers `records` in turn (each a Market record or a family's data). */
export function scriptRecords(kie: KieServer, api: Api, taskId: string, records: object[]): void {
  const replies: KieReply[] = records.map((data) =>
    api === 'market'
      ? { state: (data as { state: string }).state, record: data as Record<string, unknown> }
      : { data },
  );
  kie.script(taskId, replies, {}, api);
}

/** The family's documented running record, and its failure. */
export function runningOf(api: Api): object {
  if (api === 'market') return { state: 'generating' };
  return FAMILIES.find((family) => family.api === api)!.running[0]!;
}

export function failureOf(api: Api): object {
  if (api === 'market') return { state: 'fail', failCode: '500', failMsg: 'Generation failed' };
  return (FAMILIES.find((family) => family.api === api) as FamilyCase).failure;
}
