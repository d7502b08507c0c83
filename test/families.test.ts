// Each API family's record, as documented, read into the one normalised record: the family
// modules on their own, including every variant where the docs contradict themselves.
import { describe, expect, it } from 'vitest';
import { API_NAMES, apiFamily } from '../src/kie/apis/index.js';
import type { TaskRecord } from '../src/kie/schema.js';
import { COMPLETED_MS, CREATED_MS, FAMILIES, sunoSuccess } from './support/kie-families.js';

const media = (count: number) =>
  Array.from({ length: count }, (_, i) => `https://tempfile.aiquickdraw.com/r/file-${i}.bin`);

function read(api: string, data: object): TaskRecord {
  const record = apiFamily(api)!.read({ taskId: 'task-1', ...data });
  if ('unreadable' in record) throw new Error(record.unreadable);
  return record;
}

describe('the API families', () => {
  it('lists every family the issue names, Market first', () => {
    expect(API_NAMES).toEqual([
      'market',
      'veo',
      'runway',
      'runway-aleph',
      'suno',
      'suno-lyrics',
      'suno-wav',
      'suno-vocal-removal',
      'suno-mp4',
      'suno-midi',
      'suno-cover',
      'suno-voice',
      'suno-voice-validate',
      '4o-image',
      'flux-kontext',
      'midjourney',
      'luma',
    ]);
    expect(FAMILIES.map((family) => family.api)).toEqual(API_NAMES.slice(1));
  });

  describe.each(FAMILIES)('$api', (family) => {
    it('reads its running values as not finished', () => {
      for (const data of family.running) {
        const record = read(family.api, data);
        expect(['waiting', 'queuing', 'generating']).toContain(record.state);
        expect(record.stateDocumented).toBe(true);
        expect(family.runningStates).toContain(record.apiState);
        expect(record.failMsg).toBe('');
      }
    });

    it('reads its success: state, apiState, result URLs and result object', () => {
      const urls = media(family.media);
      const record = read(family.api, family.success(urls));
      expect(record).toMatchObject({
        taskId: 'task-1',
        state: 'success',
        apiState: family.successState,
        resultUrls: urls,
        failCode: '',
        failMsg: '',
        warnings: [],
      });
      expect(record.resultJson).not.toBe('');
      expect(() => JSON.parse(record.resultJson)).not.toThrow();
    });

    it('reads its failure with the family error fields', () => {
      const record = read(family.api, family.failure);
      expect(record).toMatchObject({
        state: 'fail',
        apiState: family.failureState,
        failMsg: family.failMsg,
      });
    });

    it('reports a record it cannot read instead of throwing', () => {
      const family_ = apiFamily(family.api)!;
      for (const data of [null, 'text', [], { noTaskId: true }]) {
        expect(family_.read(data)).toHaveProperty('unreadable');
      }
    });

    it('reads an undocumented value as still running, flagged', () => {
      // Whichever field the family reads its state from.
      const mystery = { successFlag: 'MYSTERY', status: 'MYSTERY', state: 'MYSTERY' };
      const data = { ...family.running[0], ...mystery };
      const record = read(family.api, data);
      expect(record).toMatchObject({ state: 'generating', stateDocumented: false });
    });
  });

  it('reads zone-less date strings as UTC, ISO strings and epoch ms as they are', () => {
    const veo = FAMILIES.find((family) => family.api === 'veo')!;
    expect(read('veo', veo.success(['https://x/v.mp4']))).toMatchObject({
      createTime: CREATED_MS,
      completeTime: COMPLETED_MS,
    });
    const flux = FAMILIES.find((family) => family.api === 'flux-kontext')!;
    expect(read('flux-kontext', flux.success(['https://x/i.png']))).toMatchObject({
      createTime: CREATED_MS,
      completeTime: COMPLETED_MS,
    });
    expect(read('suno', sunoSuccess('SUCCESS', media(4))).createTime).toBe(1_774_509_092_129);
  });

  it('reads the model where the family names one', () => {
    expect(read('suno', sunoSuccess('SUCCESS', media(4))).model).toBe('V3_5');
    expect(read('veo', { successFlag: 0, paramJson: '{"model":"veo3_fast"}' }).model).toBe(
      'veo3_fast',
    );
    expect(read('midjourney', { successFlag: 0, taskType: 'mj_video' }).model).toBe('mj_video');
  });
});

describe('shapes no doc describes', () => {
  it('skips result URLs nested deeper than any documented shape, without overflowing the stack', () => {
    const depth = 20_000;
    const nested = JSON.parse(
      `${'['.repeat(depth)}"https://cdn.example/deep.mp4"${']'.repeat(depth)}`,
    ) as unknown;
    const shallow = 'https://cdn.example/a.mp4';
    for (const family of FAMILIES.filter((family) => family.media > 0)) {
      const record = read(family.api, family.success([shallow, nested as string]));
      expect(record.resultUrls, family.api).toContain(shallow);
      expect(record.resultUrls, family.api).not.toContainEqual(nested);
    }
  });
});

describe('where the docs disagree', () => {
  it('4o Image: resultUrls (reference) and result_urls (quickstart) are both read', () => {
    const urls = ['https://tempfile.aiquickdraw.com/4o/a.png'];
    expect(read('4o-image', { successFlag: 1, response: { resultUrls: urls } }).resultUrls).toEqual(
      urls,
    );
    expect(
      read('4o-image', { successFlag: 1, response: { result_urls: urls } }).resultUrls,
    ).toEqual(urls);
  });

  it('4o Image: status alone is read when a reply has no successFlag', () => {
    expect(read('4o-image', { status: 'GENERATING' }).state).toBe('generating');
    expect(read('4o-image', { status: 'CREATE_TASK_FAILED' })).toMatchObject({
      state: 'fail',
      apiState: 'CREATE_TASK_FAILED',
      failMsg: '4o Image reported status CREATE_TASK_FAILED.',
    });
  });

  it('4o Image: progress "0.50" reads as 50', () => {
    expect(read('4o-image', { successFlag: 0, progress: '0.50' }).progress).toBe(50);
  });

  it('Veo: successFlag 3, missing from the enum, is a failure', () => {
    expect(read('veo', { successFlag: 3, errorMessage: 'x' })).toMatchObject({
      state: 'fail',
      apiState: '3',
    });
  });

  it('Runway Aleph: successFlag 0 is running without an error and failed with one', () => {
    expect(read('runway-aleph', { successFlag: 0, errorCode: 0 }).state).toBe('generating');
    expect(read('runway-aleph', { successFlag: 0, errorCode: null }).state).toBe('generating');
    expect(read('runway-aleph', { successFlag: 0, errorCode: 400 }).state).toBe('fail');
    expect(read('runway-aleph', { successFlag: 0, errorMessage: 'bad video' })).toMatchObject({
      state: 'fail',
      failMsg: 'bad video',
    });
  });

  it('Suno: TEXT_SUCCESS and FIRST_SUCCESS are not the end', () => {
    expect(read('suno', { status: 'TEXT_SUCCESS' }).state).toBe('generating');
    expect(read('suno', { status: 'FIRST_SUCCESS' }).state).toBe('generating');
  });

  it('Suno: CALLBACK_EXCEPTION is a success when every track has its audio, else a fail', () => {
    const urls = media(4);
    expect(read('suno', sunoSuccess('CALLBACK_EXCEPTION', urls))).toMatchObject({
      state: 'success',
      apiState: 'CALLBACK_EXCEPTION',
      resultUrls: urls,
    });
    const missing = sunoSuccess('CALLBACK_EXCEPTION', [urls[0]!, '', urls[2]!, urls[3]!]);
    expect(read('suno', missing)).toMatchObject({
      state: 'fail',
      failMsg: 'Suno reported status CALLBACK_EXCEPTION.',
    });
    expect(read('suno', { status: 'CALLBACK_EXCEPTION', response: null }).state).toBe('fail');
  });

  it('Suno: a SUCCESS with a track missing its audio is a success, with a warning', () => {
    const urls = media(4);
    const record = read('suno', sunoSuccess('SUCCESS', [urls[0]!, '', urls[2]!, urls[3]!]));
    expect(record.state).toBe('success');
    expect(record.warnings).toEqual(['Suno reported SUCCESS but only 1 of 2 tracks have audio.']);
  });

  it('Suno: the result URLs are the audio of every track, then its cover, never the stream', () => {
    const record = read('suno', sunoSuccess('SUCCESS', media(4)));
    expect(record.resultUrls).toEqual(media(4));
    expect(record.resultJson).toContain('streamAudioUrl');
  });

  it('Suno WAV and vocal removal: CALLBACK_EXCEPTION with the file is a success', () => {
    const wav = 'https://musicfile.kie.ai/a.wav';
    expect(
      read('suno-wav', { successFlag: 'CALLBACK_EXCEPTION', response: { audioWavUrl: wav } }),
    ).toMatchObject({ state: 'success', resultUrls: [wav] });
    expect(read('suno-wav', { successFlag: 'CALLBACK_EXCEPTION' }).state).toBe('fail');
    expect(read('suno-vocal-removal', { successFlag: 'CALLBACK_EXCEPTION' }).state).toBe('fail');
  });

  it('Suno vocal removal: every stem of split_stem', () => {
    const stems = ['vocalUrl', 'backingVocalsUrl', 'drumsUrl', 'bassUrl', 'guitarUrl'];
    const response = Object.fromEntries(stems.map((stem) => [stem, `https://m/${stem}.mp3`]));
    const record = read('suno-vocal-removal', { successFlag: 'SUCCESS', response });
    expect(record.resultUrls).toEqual(stems.map((stem) => `https://m/${stem}.mp3`));
  });

  it('Suno MIDI: an integer flag, given as digits too', () => {
    expect(read('suno-midi', { successFlag: '1', midiData: {} }).state).toBe('success');
    expect(read('suno-midi', { successFlag: 'SUCCESS' }).stateDocumented).toBe(false);
  });

  it('Suno cover: 2 with an error is a failure; the prose names are read too', () => {
    expect(read('suno-cover', { successFlag: 2, errorMessage: 'failed' }).state).toBe('fail');
    expect(read('suno-cover', { successFlag: 'GENERATE_COVER_FAILED' }).state).toBe('fail');
    expect(
      read('suno-cover', { successFlag: 'SUCCESS', response: { images: ['https://i/1.png'] } }),
    ).toMatchObject({ state: 'success', resultUrls: ['https://i/1.png'] });
  });

  it('Luma: flag 4 (callback failed) with URLs is a success, without them a fail', () => {
    const urls = ['https://tempfile.aiquickdraw.com/l/a.mp4'];
    expect(read('luma', { successFlag: 4, response: { resultUrls: urls } })).toMatchObject({
      state: 'success',
      apiState: '4',
      resultUrls: urls,
    });
    expect(read('luma', { successFlag: 4, response: null }).state).toBe('fail');
  });

  it('Midjourney: result URLs as {resultUrl} objects or plain strings', () => {
    const urls = ['https://tempfile.aiquickdraw.com/v/a_0_0.jpeg'];
    expect(
      read('midjourney', { successFlag: 1, resultInfoJson: { resultUrls: urls } }).resultUrls,
    ).toEqual(urls);
  });

  it('warns when a success holds no result URL where files are expected', () => {
    expect(read('veo', { successFlag: 1, response: { resultUrls: 'nope' } }).resultUrls).toEqual([
      'nope',
    ]);
    expect(read('veo', { successFlag: 1, response: { resultUrls: 7 } }).warnings).toEqual([
      'Veo 3.1 reported success but no result URL was found (looked in response.resultUrls, ' +
        'response.result_urls, response.data.resultUrls, response.data.result_urls, resultUrls, ' +
        'result_urls); the record as sent is kept in resultJson.',
    ]);
    expect(read('suno-lyrics', { status: 'SUCCESS', response: { data: [] } }).warnings).toEqual([]);
  });

  it('Runway: an expired video (expireFlag 1) is a warning', () => {
    const record = read('runway', {
      state: 'success',
      videoInfo: { videoUrl: 'https://x/v.mp4' },
      expireFlag: 1,
    });
    expect(record.warnings[0]).toMatch(/expireFlag 1/);
  });
});

describe('the Market family', () => {
  it('keeps its record as it was: state, resultJson text, failCode and failMsg as sent', () => {
    const record = read('market', {
      state: 'success',
      model: 'nano-banana-2',
      resultJson: '{"resultUrls":["https://tempfile.aiquickdraw.com/na2/a.jpeg"]}',
      failCode: null,
      failMsg: null,
      createTime: 1774509092129,
      completeTime: 1774509366025,
    });
    expect(record).toMatchObject({
      state: 'success',
      apiState: 'success',
      resultUrls: ['https://tempfile.aiquickdraw.com/na2/a.jpeg'],
      failCode: '',
      createTime: 1774509092129,
    });
  });

  it('an undocumented state is flagged, kept as apiState, and read as running', () => {
    expect(read('market', { state: 'rendering' })).toMatchObject({
      state: 'generating',
      apiState: 'rendering',
      stateDocumented: false,
    });
  });
});
