// The values inside real records (issue 17), read by the family modules on their own: empty values
// in every spelling, times and costs in every form, and the order result URLs are looked for in.
import { describe, expect, it } from 'vitest';
import { apiFamily } from '../src/kie/apis/index.js';
import { urlsIn } from '../src/kie/apis/result-urls.js';
import type { TaskRecord } from '../src/kie/schema.js';

function read(api: string, data: object): TaskRecord {
  const record = apiFamily(api)!.read({ taskId: 'task-1', ...data });
  if ('unreadable' in record) throw new Error(record.unreadable);
  return record;
}

const CREATED = 1_774_509_092_129;

describe('empty values', () => {
  it.each([null, '', 'null', ' NULL '])(
    'reads a Market failCode and failMsg of %j as empty',
    (empty) => {
      const record = read('market', { state: 'fail', failCode: empty, failMsg: empty });
      expect(record).toMatchObject({ failCode: '', failMsg: '' });
    },
  );

  it('reads failCode as a number or a string', () => {
    expect(read('market', { state: 'fail', failCode: 500 }).failCode).toBe('500');
    expect(read('market', { state: 'fail', failCode: '500' }).failCode).toBe('500');
    expect(read('runway', { state: 'fail', failCode: 400 }).failCode).toBe('400');
  });

  it('reads resultJson "null" as no result yet, and "null" URLs as none', () => {
    expect(read('market', { state: 'generating', resultJson: 'null' })).toMatchObject({
      resultJson: '',
      warnings: [],
    });
    const veo = read('veo', {
      successFlag: 1,
      response: { resultUrls: ['null', 'https://v/1.mp4'] },
    });
    expect(veo.resultUrls).toEqual(['https://v/1.mp4']);
  });
});

describe('times and costs', () => {
  it.each([
    ['epoch ms', CREATED],
    ['digits', String(CREATED)],
    ['an ISO date', new Date(CREATED).toISOString()],
  ])('reads createTime as %s', (_, value) => {
    expect(read('market', { state: 'waiting', createTime: value }).createTime).toBe(CREATED);
  });

  it('reads a zone-less date string as UTC', () => {
    const record = read('veo', { successFlag: 0, createTime: '2025-06-06 10:25:00' });
    expect(record.createTime).toBe(Date.UTC(2025, 5, 6, 10, 25));
  });

  it('reads costTime in seconds, as a number or digits, and nothing else', () => {
    expect(read('market', { state: 'success', costTime: 274 }).costTime).toBe(274);
    expect(read('market', { state: 'success', costTime: '274' }).costTime).toBe(274);
    for (const empty of [null, '', 'null', -1, 'abc']) {
      expect(read('market', { state: 'success', costTime: empty }).costTime).toBeUndefined();
    }
  });
});

describe('where result URLs are looked for', () => {
  it('takes the documented field first, then the first other place holding any', () => {
    const record = read('veo', {
      successFlag: 1,
      response: { resultUrls: ['https://v/doc.mp4'], result_urls: ['https://v/other.mp4'] },
      resultUrls: '["https://v/old.mp4"]',
    });
    expect(record.resultUrls).toEqual(['https://v/doc.mp4']);
    const older = read('veo', {
      successFlag: 1,
      response: null,
      resultUrls: '["https://v/old.mp4"]',
    });
    expect(older).toMatchObject({ resultUrls: ['https://v/old.mp4'], warnings: [] });
  });

  it("counts Luma's flag 4 (callback failed) a success when its URLs are in another place", () => {
    const record = read('luma', { successFlag: 4, response: { result_urls: ['https://l/1.mp4'] } });
    expect(record).toMatchObject({ state: 'success', resultUrls: ['https://l/1.mp4'] });
    expect(read('luma', { successFlag: 4, response: {} }).state).toBe('fail');
  });

  it('reads a resultJson encoded twice', () => {
    const inner = JSON.stringify({ resultUrls: ['https://m/a.png'] });
    const record = read('market', { state: 'success', resultJson: JSON.stringify(inner) });
    expect(record.resultUrls).toEqual(['https://m/a.png']);
  });

  it('does not warn about a Market result that has no files by nature', () => {
    for (const resultJson of ['{"resultObject":{"text":"hi"}}', '{"character_id":"c-1"}']) {
      expect(read('market', { state: 'success', resultJson }).warnings).toEqual([]);
    }
  });

  it('keeps the whole record in resultJson when a success has no URL', () => {
    const record = read('runway', { state: 'success', videoInfo: null, odd: { video: 'x' } });
    expect(JSON.parse(record.resultJson)).toMatchObject({ taskId: 'task-1', odd: { video: 'x' } });
  });

  it('looks in a nested data object and on the record, in both spellings', () => {
    const urls = (data: object) => read('veo', { successFlag: 1, response: null, ...data });
    expect(urls({ response: { data: { resultUrls: ['https://v/a.mp4'] } } })).toMatchObject({
      resultUrls: ['https://v/a.mp4'],
      warnings: [],
    });
    expect(urls({ result_urls: ['https://v/b.mp4'] })).toMatchObject({
      resultUrls: ['https://v/b.mp4'],
      warnings: [],
    });
  });
});

describe('the Suno custom voice records', () => {
  it('reads a failure by its suffix, and waits through a state no page names', () => {
    expect(read('suno-voice', { status: 'GENERATE_VOICE_FAILED' }).state).toBe('fail');
    expect(read('suno-voice', { status: 'SENSITIVE_WORD_ERROR' }).state).toBe('fail');
    expect(read('suno-voice', { status: 'VALIDATING' })).toMatchObject({
      state: 'generating',
      stateDocumented: false,
    });
    expect(read('suno-voice-validate', { successFlag: 1 }).state).toBe('success');
  });
});

describe('URLs inside URLs', () => {
  it('looks five levels deep, and no deeper, however the levels are nested', () => {
    const nest = (depth: number, wrap: (inner: unknown) => unknown) => {
      let value: unknown = 'https://x/deep.png';
      for (let level = 0; level < depth; level++) value = wrap(value);
      return value;
    };
    const inArray = (inner: unknown) => [inner];
    expect(urlsIn(nest(5, inArray))).toEqual(['https://x/deep.png']);
    expect(urlsIn(nest(6, inArray))).toEqual([]);
    // JSON text holding JSON text, and {url} objects: each level counts.
    expect(urlsIn(nest(10, (inner) => JSON.stringify([inner])))).toEqual([]);
    expect(urlsIn(nest(10, (inner) => ({ url: inner })))).toEqual([]);
  });

  it('skips text that only looks like JSON, and empty values in every spelling', () => {
    expect(urlsIn('[not json', '{oops', 'undefined', 'NULL', ' ')).toEqual([]);
  });
});
