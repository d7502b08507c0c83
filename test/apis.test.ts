// The API family modules at their edges (families.test.ts reads each family's documented
// records): every endpoint and create rule, each documented value of each state field, which
// fields hold the result URLs and which stay in resultJson, and warnings that only a success gets.
import { describe, expect, it } from 'vitest';
import { API_NAMES, apiFamily, DEFAULT_API } from '../src/kie/apis/index.js';
import { flatBody, lookup, modelInParam, record, urlsIn } from '../src/kie/apis/family.js';
import type { TaskRecord } from '../src/kie/schema.js';
import { ACTION_NAMES } from '../src/settings/constants.js';

function read(api: string, data: object): TaskRecord {
  const record = apiFamily(api)!.read({ taskId: 'task-1', ...data });
  if ('unreadable' in record) throw new Error(record.unreadable);
  return record;
}
const stateOf = (api: string, data: object) => {
  const { state, apiState, stateDocumented } = read(api, data);
  return { state, apiState, stateDocumented };
};

describe('the endpoints and create rules of each family', () => {
  it.each([
    ['market', '/api/v1/jobs/recordInfo', '/api/v1/jobs/createTask', 'required', false],
    ['veo', '/api/v1/veo/record-info', '/api/v1/veo/generate', 'optional', false],
    ['runway', '/api/v1/runway/record-detail', '/api/v1/runway/generate', 'none', false],
    ['runway-aleph', '/api/v1/aleph/record-info', '/api/v1/aleph/generate', 'none', false],
    ['suno', '/api/v1/generate/record-info', '/api/v1/generate', 'optional', true],
    ['suno-lyrics', '/api/v1/lyrics/record-info', '/api/v1/lyrics', 'none', true],
    ['suno-wav', '/api/v1/wav/record-info', '/api/v1/wav/generate', 'none', true],
    [
      'suno-vocal-removal',
      '/api/v1/vocal-removal/record-info',
      '/api/v1/vocal-removal/generate',
      'none',
      true,
    ],
    ['suno-mp4', '/api/v1/mp4/record-info', '/api/v1/mp4/generate', 'none', true],
    ['suno-midi', '/api/v1/midi/record-info', '/api/v1/midi/generate', 'none', true],
    ['suno-cover', '/api/v1/suno/cover/record-info', '/api/v1/suno/cover/generate', 'none', true],
    ['4o-image', '/api/v1/gpt4o-image/record-info', '/api/v1/gpt4o-image/generate', 'none', false],
    [
      'flux-kontext',
      '/api/v1/flux/kontext/record-info',
      '/api/v1/flux/kontext/generate',
      'optional',
      false,
    ],
    ['midjourney', '/api/v1/mj/record-info', '/api/v1/mj/generate', 'none', false],
    ['luma', '/api/v1/modify/record-info', '/api/v1/modify/generate', 'none', false],
  ])(
    '%s: status %s, create %s, model %s, callback required %s',
    (api, status, path, model, callback) => {
      const family = apiFamily(api)!;
      expect(family.name).toBe(api);
      expect(family.statusPath).toBe(status);
      expect(family.create).toMatchObject({ path, model, callbackRequired: callback });
    },
  );

  it('knows no other name, and Market is the default', () => {
    expect(apiFamily('kling')).toBeUndefined();
    expect(DEFAULT_API).toBe('market');
  });

  it("asks Kie.ai's common endpoint for a fresh link, 4o Image its own with the task id", () => {
    for (const api of API_NAMES.filter((name) => name !== '4o-image')) {
      expect(apiFamily(api)!.freshLink('t1', 'https://x/a.png'), api).toEqual({
        path: '/api/v1/common/download-url',
        body: { url: 'https://x/a.png' },
      });
    }
    expect(apiFamily('4o-image')!.freshLink('t1', 'https://x/a.png')).toEqual({
      path: '/api/v1/gpt4o-image/download-url',
      body: { taskId: 't1', url: 'https://x/a.png' },
    });
  });

  it('hints at the family for an unknown id, and Market at the api input', () => {
    expect(apiFamily('veo')!.unknownTaskHint(ACTION_NAMES)).toBe(
      "Check 'task-id', and whether the task belongs to Veo 3.1 ('api' veo) or another Kie.ai API.",
    );
    expect(apiFamily('market')!.unknownTaskHint(ACTION_NAMES)).toBe(
      "If it is not a Market (jobs) task it may belong to another Kie.ai API: set 'api' (veo, suno, runway, 4o-image, flux-kontext …). Otherwise check 'task-id'.",
    );
  });

  it('builds create bodies: model and callBackUrl only when given', () => {
    expect(flatBody({ input: { prompt: 'x' } })).toEqual({ prompt: 'x' });
    expect(flatBody({ model: 'veo3', input: { prompt: 'x' }, callBackUrl: 'https://h' })).toEqual({
      model: 'veo3',
      prompt: 'x',
      callBackUrl: 'https://h',
    });
    expect(flatBody({ model: '', input: {}, callBackUrl: '' })).toEqual({});
    const market = apiFamily('market')!.create.body;
    expect(market({ model: 'm', input: { a: 1 } })).toEqual({ model: 'm', input: { a: 1 } });
    expect(market({ model: 'm', input: {}, callBackUrl: 'https://h' })).toEqual({
      model: 'm',
      input: {},
      callBackUrl: 'https://h',
    });
  });

  it('says in one line why a reply could not be read', () => {
    expect(apiFamily('veo')!.read({ successFlag: 1 })).toEqual({
      unreadable: '✖ Invalid input   → at taskId',
    });
  });
});

describe('every family, failed or done without files', () => {
  it.each([
    ['veo', { successFlag: 2 }, 'Veo 3.1 reported successFlag 2.', { successFlag: 1 }, true],
    ['runway', { state: 'fail' }, 'Runway reported state fail.', { state: 'success' }, true],
    [
      'runway-aleph',
      { successFlag: 0, errorCode: 400 },
      'Runway Aleph reported successFlag 0.',
      { successFlag: 1 },
      true,
    ],
    [
      'suno',
      { status: 'CREATE_TASK_FAILED' },
      'Suno reported status CREATE_TASK_FAILED.',
      { status: 'SUCCESS' },
      true,
    ],
    [
      'suno-lyrics',
      { status: 'GENERATE_LYRICS_FAILED' },
      'Suno lyrics reported status GENERATE_LYRICS_FAILED.',
      { status: 'SUCCESS' },
      false,
    ],
    [
      'suno-wav',
      { successFlag: 'GENERATE_WAV_FAILED' },
      'Suno WAV reported successFlag GENERATE_WAV_FAILED.',
      { successFlag: 'SUCCESS' },
      true,
    ],
    [
      'suno-vocal-removal',
      { successFlag: 'CREATE_TASK_FAILED' },
      'Suno vocal removal reported successFlag CREATE_TASK_FAILED.',
      { successFlag: 'SUCCESS' },
      true,
    ],
    [
      'suno-mp4',
      { successFlag: 'GENERATE_MP4_FAILED' },
      'Suno MP4 reported successFlag GENERATE_MP4_FAILED.',
      { successFlag: 'SUCCESS' },
      true,
    ],
    [
      'suno-midi',
      { successFlag: 3 },
      'Suno MIDI reported successFlag 3.',
      { successFlag: 1 },
      false,
    ],
    [
      'suno-cover',
      { successFlag: 3 },
      'Suno cover image reported successFlag 3.',
      { successFlag: 1 },
      true,
    ],
    ['4o-image', { successFlag: 2 }, '4o Image reported successFlag 2.', { successFlag: 1 }, true],
    [
      'flux-kontext',
      { successFlag: 3 },
      'Flux Kontext reported successFlag 3.',
      { successFlag: 1 },
      true,
    ],
    [
      'midjourney',
      { successFlag: 3 },
      'Midjourney reported successFlag 3.',
      { successFlag: 1 },
      true,
    ],
    ['luma', { successFlag: 2 }, 'Luma reported successFlag 2.', { successFlag: 1 }, true],
  ])(
    '%s: a failure without a message names its state; a success without URLs warns when files were due',
    (api, failure, failMsg, success, warns) => {
      expect(read(api, failure)).toMatchObject({ state: 'fail', failMsg, warnings: [] });
      const done = read(api, success);
      expect(done.state).toBe('success');
      const label = apiFamily(api)!.label;
      expect(done.warnings).toEqual(
        warns
          ? [expect.stringContaining(`${label} reported success but no result URL was found`)]
          : [],
      );
    },
  );
});

describe('the shared readers', () => {
  it('reads a state from a string, number or boolean, trimmed, and anything else as undocumented', () => {
    const table = { 1: 'success', true: 'fail', DONE: 'success' } as const;
    expect(lookup(table, 1)).toEqual({ state: 'success', apiState: '1', documented: true });
    expect(lookup(table, ' DONE ')).toEqual({
      state: 'success',
      apiState: 'DONE',
      documented: true,
    });
    expect(lookup(table, true)).toEqual({ state: 'fail', apiState: 'true', documented: true });
    expect(lookup(table, { a: 1 })).toEqual({
      state: 'generating',
      apiState: '{"a":1}',
      documented: false,
    });
    expect(lookup(table, null)).toEqual({ state: 'generating', apiState: '', documented: false });
    // Nothing a reply holds may crash the read, not even what JSON cannot write.
    expect(lookup(table, { big: 1n }).apiState).toBe('');
    expect(lookup(table, undefined).apiState).toBe('');
    // Inherited names are no documented value.
    expect(lookup(table, 'toString')).toEqual({
      state: 'generating',
      apiState: 'toString',
      documented: false,
    });
  });

  it('collects URLs trimmed, once each, skipping blanks and anything not a URL string', () => {
    expect(
      urlsIn(' https://a ', ['https://b', '', '  ', 'https://a'], [{ resultUrl: 'https://c' }], 7, {
        url: 'https://d',
      }),
    ).toEqual(['https://a', 'https://b', 'https://c', 'https://d']);
    expect(urlsIn(null, undefined, [null, { resultUrl: null }])).toEqual([]);
  });

  it('reads the model from a request given as JSON text or as an object', () => {
    expect(modelInParam('{"model":"veo3"}')).toBe('veo3');
    expect(modelInParam({ model: 'kling' })).toBe('kling');
    expect(modelInParam('{"model":')).toBe('');
    expect(modelInParam({ model: 3 })).toBe('');
    expect(modelInParam(['model'])).toBe('');
    expect(modelInParam(null)).toBe('');
  });
});

describe('what a record says, by state', () => {
  it('warns about a missing result URL on a success only, never on a failure', () => {
    expect(read('veo', { successFlag: 1, response: null }).warnings).toEqual([
      expect.stringContaining('Veo 3.1 reported success but no result URL was found'),
    ]);
    expect(read('veo', { successFlag: 2, response: null }).warnings).toEqual([]);
    expect(read('veo', { successFlag: 0, response: null }).warnings).toEqual([]);
    expect(read('suno-midi', { successFlag: 1, midiData: null }).warnings).toEqual([]);
  });

  it('keeps the error fields of a failure only, and names the state when there is no message', () => {
    expect(read('veo', { successFlag: 1, errorCode: 0, errorMessage: 'ok' })).toMatchObject({
      failCode: '',
      failMsg: '',
    });
    expect(read('veo', { successFlag: 2, errorCode: 500, errorMessage: '' })).toMatchObject({
      failCode: '500',
      failMsg: 'Veo 3.1 reported successFlag 2.',
    });
    expect(read('veo', { successFlag: 2 }).failCode).toBe('');
  });

  it('writes resultJson as empty when JSON cannot hold the result, instead of failing', () => {
    expect(read('suno-midi', { successFlag: 1, midiData: { big: 1n } }).resultJson).toBe('');
    expect(read('market', { state: 'success', resultJson: { big: 1n } }).resultJson).toBe('');
  });

  it('leaves resultJson empty without a result, and the model empty when none is named', () => {
    expect(read('suno-midi', { successFlag: 0 }).model).toBe('');
    expect(read('veo', { successFlag: 0, response: null })).toMatchObject({
      resultJson: '',
      model: '',
      param: undefined,
    });
    expect(read('veo', { successFlag: 0, response: { a: 1 }, model: 'veo3' })).toMatchObject({
      resultJson: '{"a":1}',
      model: 'veo3',
    });
  });
});

/** The warning of a success with no URL: the documented fields, then every fallback place. */
const noUrlWarning = (label: string, ...documented: string[]) =>
  `${label} reported success but no result URL was found (looked in ${[
    ...documented,
    'response.resultUrls, response.result_urls, response.data.resultUrls',
    'response.data.result_urls, resultUrls, result_urls',
  ].join(', ')}); the record as sent is kept in resultJson.`;

describe('the record every family builds', () => {
  it('reads a task id given as a number as its digits, and refuses an empty one', () => {
    expect(read('veo', { taskId: 42, successFlag: 0 }).taskId).toBe('42');
    expect(apiFamily('veo')!.read({ taskId: '', successFlag: 0 })).toHaveProperty('unreadable');
  });

  it('names only the fallback places for a family that documents no URL field', () => {
    const done = record({
      taskId: 't1',
      read: lookup({ DONE: 'success' }, 'DONE'),
      label: 'Some API',
      raw: { taskId: 't1' },
      resultField: 'response',
      expectsFiles: true,
      stateField: 'state',
    });
    expect(done.warnings).toEqual([noUrlWarning('Some API')]);
  });
});

describe('Suno', () => {
  const track = (audioUrl: string, extra: object = {}) => ({
    audioUrl,
    imageUrl: `${audioUrl}.jpg`,
    streamAudioUrl: `${audioUrl}.stream`,
    ...extra,
  });
  const reply = (status: string, tracks: object[], extra: object = {}) => ({
    status,
    response: { sunoData: tracks },
    ...extra,
  });

  it.each([
    ['PENDING', 'waiting'],
    ['TEXT_SUCCESS', 'generating'],
    ['FIRST_SUCCESS', 'generating'],
    ['SUCCESS', 'success'],
    ['CREATE_TASK_FAILED', 'fail'],
    ['GENERATE_AUDIO_FAILED', 'fail'],
    ['SENSITIVE_WORD_ERROR', 'fail'],
  ])('reads status %s as %s', (status, state) => {
    expect(stateOf('suno', reply(status, [track('https://m/a')]))).toEqual({
      state,
      apiState: status,
      stateDocumented: true,
    });
  });

  it('says nothing of missing audio when the task failed, or had no tracks', () => {
    const partial = [track('https://m/a'), track('')];
    expect(read('suno', reply('GENERATE_AUDIO_FAILED', partial)).warnings).toEqual([]);
    expect(read('suno', reply('FIRST_SUCCESS', partial)).warnings).toEqual([]);
    expect(read('suno', reply('SUCCESS', [])).warnings).toEqual([
      expect.stringContaining('Suno reported success but no result URL was found'),
    ]);
  });

  it('lists every audio, then every cover, and names the model of the first track', () => {
    const record = read(
      'suno',
      reply('SUCCESS', [
        track('https://m/a', { modelName: 'chirp-v4' }),
        track('https://m/b', { modelName: 'other' }),
      ]),
    );
    expect(record.resultUrls).toEqual([
      'https://m/a',
      'https://m/b',
      'https://m/a.jpg',
      'https://m/b.jpg',
    ]);
    expect(record.model).toBe('chirp-v4');
    expect(read('suno', reply('SUCCESS', [track('https://m/a', { modelName: 5 })])).model).toBe('');
    expect(read('suno', { status: 'SUCCESS', response: { sunoData: 'none' } })).toMatchObject({
      resultUrls: [],
      warnings: [expect.stringContaining('Suno reported success but no result URL was found')],
    });
  });

  it('lyrics: the text is the result; a callback failure is a success only with text', () => {
    const lyrics = { data: [{ text: 'la la', title: 'Song' }] };
    expect(read('suno-lyrics', { status: 'CALLBACK_EXCEPTION', response: lyrics })).toMatchObject({
      state: 'success',
      resultUrls: [],
      warnings: [],
      resultJson: JSON.stringify(lyrics),
    });
    expect(
      read('suno-lyrics', { status: 'CALLBACK_EXCEPTION', response: { data: [{ text: '' }] } })
        .state,
    ).toBe('fail');
    const some = { data: [{ text: '' }, { text: 'la' }] };
    expect(read('suno-lyrics', { status: 'CALLBACK_EXCEPTION', response: some }).state).toBe(
      'success',
    );
    expect(
      read('suno-lyrics', { status: 'CALLBACK_EXCEPTION', response: { data: 'la' } }).state,
    ).toBe('fail');
    for (const [status, state] of [
      ['PENDING', 'waiting'],
      ['SUCCESS', 'success'],
      ['CREATE_TASK_FAILED', 'fail'],
      ['GENERATE_LYRICS_FAILED', 'fail'],
      ['SENSITIVE_WORD_ERROR', 'fail'],
    ]) {
      expect(stateOf('suno-lyrics', { status }), status).toMatchObject({
        state,
        stateDocumented: true,
      });
    }
    expect(read('suno-lyrics', { status: 'PENDING', param: '{"prompt":"x"}' }).param).toBe(
      '{"prompt":"x"}',
    );
    expect(read('suno-lyrics', { status: 'PENDING', paramJson: 'a', param: 'b' }).param).toBe('a');
  });

  it.each([
    ['suno-wav', ['PENDING', 'SUCCESS', 'CREATE_TASK_FAILED', 'GENERATE_WAV_FAILED']],
    ['suno-vocal-removal', ['PENDING', 'SUCCESS', 'CREATE_TASK_FAILED', 'GENERATE_AUDIO_FAILED']],
    ['suno-mp4', ['PENDING', 'SUCCESS', 'CREATE_TASK_FAILED', 'GENERATE_MP4_FAILED']],
  ])('%s reads each documented flag', (api, flags) => {
    const states = flags.map((successFlag) => stateOf(api, { successFlag }));
    expect(states).toEqual([
      { state: 'waiting', apiState: 'PENDING', stateDocumented: true },
      { state: 'success', apiState: 'SUCCESS', stateDocumented: true },
      { state: 'fail', apiState: flags[2], stateDocumented: true },
      { state: 'fail', apiState: flags[3], stateDocumented: true },
    ]);
  });

  it('MP4 has no CALLBACK_EXCEPTION; its video is the result, with the model of the request', () => {
    expect(stateOf('suno-mp4', { successFlag: 'CALLBACK_EXCEPTION' }).stateDocumented).toBe(false);
    expect(
      read('suno-mp4', {
        successFlag: 'SUCCESS',
        response: { videoUrl: 'https://m/v.mp4' },
        paramJson: '{"model":"V4"}',
      }),
    ).toMatchObject({ resultUrls: ['https://m/v.mp4'], model: 'V4' });
  });

  it('vocal removal takes each field named …Url, and nothing from a response that is no object', () => {
    const response = {
      vocalUrl: 'https://m/v.mp3',
      originData: [{ audioUrl: 'https://m/source.mp3' }],
      UrlList: 'https://m/not-a-stem.mp3',
    };
    expect(read('suno-vocal-removal', { successFlag: 'SUCCESS', response }).resultUrls).toEqual([
      'https://m/v.mp3',
    ]);
    expect(
      read('suno-vocal-removal', { successFlag: 'SUCCESS', response: ['https://m/x.mp3'] })
        .resultUrls,
    ).toEqual([]);
  });

  it('MIDI: 0 pending, 1 success, 2 and 3 failed; the notes are the result', () => {
    expect([0, 1, 2, 3].map((successFlag) => stateOf('suno-midi', { successFlag }).state)).toEqual([
      'waiting',
      'success',
      'fail',
      'fail',
    ]);
    expect(read('suno-midi', { successFlag: 1, midiData: { notes: [60] } }).resultJson).toBe(
      '{"notes":[60]}',
    );
  });

  it('cover: each enum value and prose name; a 2 fails only with an error', () => {
    const states = [0, 1, 3, 'PENDING', 'SUCCESS', 'CREATE_TASK_FAILED'].map(
      (successFlag) => stateOf('suno-cover', { successFlag }).state,
    );
    expect(states).toEqual(['waiting', 'success', 'fail', 'waiting', 'success', 'fail']);
    expect(read('suno-cover', { successFlag: 2 }).state).toBe('generating');
    expect(read('suno-cover', { successFlag: 2, errorCode: 0 }).state).toBe('generating');
    expect(read('suno-cover', { successFlag: 2, errorCode: 200 }).state).toBe('generating');
    expect(read('suno-cover', { successFlag: 2, errorMessage: '  ' }).state).toBe('generating');
    expect(read('suno-cover', { successFlag: 2, errorCode: 500 }).state).toBe('fail');
  });

  it.each([
    [
      'suno',
      { status: 'SUCCESS' },
      ['response.sunoData[].audioUrl', 'response.sunoData[].imageUrl'],
    ],
    ['suno-wav', { successFlag: 'SUCCESS' }, ['response.audioWavUrl']],
    ['suno-vocal-removal', { successFlag: 'SUCCESS' }, ['response.*Url']],
    ['suno-mp4', { successFlag: 'SUCCESS' }, ['response.videoUrl']],
    ['suno-cover', { successFlag: 1 }, ['response.images']],
  ])('%s names its documented fields first when a success has no file', (api, done, fields) => {
    const record = read(api, { ...done, response: {} });
    expect(record.warnings).toEqual([noUrlWarning(apiFamily(api)!.label, ...fields)]);
  });

  it.each([
    ['suno', 'Suno'],
    ['suno-lyrics', 'Suno lyrics'],
    ['suno-wav', 'Suno WAV'],
    ['suno-vocal-removal', 'Suno vocal removal'],
    ['suno-mp4', 'Suno MP4'],
    ['suno-midi', 'Suno MIDI'],
    ['suno-cover', 'Suno cover image'],
  ])('%s is called %s in the hint for an unknown id', (api, label) => {
    expect(apiFamily(api)!.unknownTaskHint(ACTION_NAMES)).toBe(
      `Check 'task-id', and whether the task belongs to ${label} ('api' ${api}) or another Kie.ai API.`,
    );
  });
});

describe('Suno custom voice', () => {
  it.each([
    ['suno-voice', 'Suno custom voice', '/api/v1/voice/record-info', '/api/v1/voice/generate'],
    [
      'suno-voice-validate',
      'Suno voice validation',
      '/api/v1/voice/validate-info',
      '/api/v1/voice/validate',
    ],
  ])(
    '%s: %s, status %s, create %s with no model, callback optional',
    (api, label, status, path) => {
      const family = apiFamily(api)!;
      expect(family).toMatchObject({ name: api, label, statusPath: status });
      expect(family.create).toMatchObject({ path, model: 'none', callbackRequired: false });
      // The validate page's body, sent as given: no model field, callBackUrl only when given.
      const input = { voiceUrl: 'https://v/sample.mp3', vocalStartS: 0, vocalEndS: 20 };
      expect(family.create.body({ input })).toEqual(input);
      expect(family.create.body({ input, callBackUrl: 'https://h' })).toEqual({
        ...input,
        callBackUrl: 'https://h',
      });
    },
  );

  it.each([
    ['PENDING', 'waiting'],
    ['GENERATING', 'generating'],
    ['TEXT_SUCCESS', 'generating'],
    ['FIRST_SUCCESS', 'generating'],
    ['SUCCESS', 'success'],
  ])('reads the Suno status %s as %s', (status, state) => {
    expect(stateOf('suno-voice', { status })).toEqual({
      state,
      apiState: status,
      stateDocumented: true,
    });
  });

  it.each([
    [0, 'waiting'],
    [1, 'success'],
    [2, 'fail'],
    [3, 'fail'],
  ])('reads successFlag %s as %s when status is missing or empty', (successFlag, state) => {
    for (const status of [undefined, null, '']) {
      expect(read('suno-voice-validate', { status, successFlag })).toMatchObject({
        state,
        apiState: String(successFlag),
        apiStateField: 'successFlag',
        stateDocumented: true,
      });
    }
  });

  it('reads status before successFlag, and names the field in a failure without a message', () => {
    expect(read('suno-voice', { status: 'PENDING', successFlag: 1 })).toMatchObject({
      state: 'waiting',
      apiStateField: 'status',
    });
    expect(read('suno-voice', { status: 'GENERATE_VOICE_FAILED' }).failMsg).toBe(
      'Suno custom voice reported status GENERATE_VOICE_FAILED.',
    );
    expect(read('suno-voice-validate', { successFlag: 2 }).failMsg).toBe(
      'Suno voice validation reported successFlag 2.',
    );
  });

  it('reads any state ending in _FAILED or _ERROR as a documented failure, padded or not', () => {
    for (const status of [
      'CREATE_TASK_FAILED',
      ' GENERATE_VOICE_FAILED ',
      'SENSITIVE_WORD_ERROR',
    ]) {
      expect(stateOf('suno-voice', { status }), status).toEqual({
        state: 'fail',
        apiState: status.trim(),
        stateDocumented: true,
      });
    }
    for (const status of ['FAILED', 'ERROR_CHECKING', 'VOICE_FAILED_RETRYING', 'FAILED_']) {
      expect(stateOf('suno-voice', { status }), status).toEqual({
        state: 'generating',
        apiState: status,
        stateDocumented: false,
      });
    }
  });

  it('keeps the request from paramJson, else from param', () => {
    expect(read('suno-voice', { status: 'PENDING', param: '{"voiceName":"Ada"}' }).param).toBe(
      '{"voiceName":"Ada"}',
    );
    expect(read('suno-voice', { status: 'PENDING', paramJson: 'a', param: 'b' }).param).toBe('a');
  });

  it('downloads every field of the response named …Url or …Urls, and no other', () => {
    const response = {
      voiceId: 'voice-1',
      audioUrl: 'https://v/voice.mp3',
      sampleUrls: ['https://v/a.mp3', 'https://v/b.mp3'],
      audioUrlExpiresAt: '2026-12-20T00:00:00Z',
      Urlset: 'https://v/not-a-result.mp3',
    };
    expect(read('suno-voice', { status: 'SUCCESS', response }).resultUrls).toEqual([
      'https://v/voice.mp3',
      'https://v/a.mp3',
      'https://v/b.mp3',
    ]);
  });

  it('warns about a generated voice with no file, never about a validation verdict', () => {
    const verdict = { status: 'SUCCESS', response: { valid: true } };
    expect(read('suno-voice', verdict).warnings).toEqual([
      noUrlWarning('Suno custom voice', 'response.*Url', 'response.*Urls'),
    ]);
    expect(read('suno-voice-validate', verdict).warnings).toEqual([]);
  });
});

describe('Veo', () => {
  it('downloads response.resultUrls, not the originals, the extended whole nor another field', () => {
    const response = {
      resultUrls: ['https://v/a.mp4'],
      originUrls: ['https://v/o.mp4'],
      fullResultUrls: ['https://v/full.mp4'],
      '': ['https://v/unnamed.mp4'],
    };
    expect(read('veo', { successFlag: 1, response }).resultUrls).toEqual(['https://v/a.mp4']);
  });

  it('names response.resultUrls, once, when a success has no video', () => {
    // The documented field is also the first place looked in after it: named once.
    expect(read('veo', { successFlag: 1, response: { resultUrls: null } }).warnings).toEqual([
      noUrlWarning('Veo 3.1'),
    ]);
  });
});

describe('Flux Kontext', () => {
  it('names response.resultImageUrl first when a success has no image', () => {
    const response = { resultImageUrl: '', originImageUrl: 'https://f/o.png' };
    expect(read('flux-kontext', { successFlag: 1, response }).warnings).toEqual([
      noUrlWarning('Flux Kontext', 'response.resultImageUrl'),
    ]);
  });
});

describe('4o Image', () => {
  it('reads successFlag 0, 1 and 2, and status only when the flag is missing or empty', () => {
    expect([0, 1, 2].map((successFlag) => stateOf('4o-image', { successFlag }).state)).toEqual([
      'generating',
      'success',
      'fail',
    ]);
    expect(stateOf('4o-image', { successFlag: '', status: 'SUCCESS' })).toEqual({
      state: 'success',
      apiState: 'SUCCESS',
      stateDocumented: true,
    });
    expect(stateOf('4o-image', { successFlag: null, status: 'GENERATE_FAILED' }).state).toBe(
      'fail',
    );
    expect(stateOf('4o-image', { successFlag: 0, status: 'SUCCESS' }).state).toBe('generating');
    expect(read('4o-image', { successFlag: 2 }).failMsg).toBe('4o Image reported successFlag 2.');
  });

  it('reads progress when given, the model from the request', () => {
    expect(read('4o-image', { successFlag: 0 }).progress).toBeUndefined();
    expect(read('4o-image', { successFlag: 0, progress: null }).progress).toBeUndefined();
    expect(read('4o-image', { successFlag: 0, progress: 1 }).progress).toBe(100);
    expect(read('4o-image', { successFlag: 0, paramJson: '{"model":"gpt"}' }).model).toBe('gpt');
  });

  it('keeps every URL of a reply with both resultUrls and result_urls, each once', () => {
    const response = {
      resultUrls: ['https://4o/a.png', 'https://4o/b.png'],
      result_urls: ['https://4o/b.png', 'https://4o/c.png'],
    };
    expect(read('4o-image', { successFlag: 1, response }).resultUrls).toEqual([
      'https://4o/a.png',
      'https://4o/b.png',
      'https://4o/c.png',
    ]);
  });

  it('names both documented fields first when a success has no result URL', () => {
    expect(read('4o-image', { successFlag: 1, response: {} }).warnings).toEqual([
      '4o Image reported success but no result URL was found (looked in response.resultUrls, ' +
        'response.result_urls, response.data.resultUrls, response.data.result_urls, ' +
        'resultUrls, result_urls); the record as sent is kept in resultJson.',
    ]);
  });
});

describe('the video and image families', () => {
  it('Veo: 0 generating, 1 success, 2 failed; only resultUrls are downloaded', () => {
    expect([0, 1, 2].map((successFlag) => stateOf('veo', { successFlag }).state)).toEqual([
      'generating',
      'success',
      'fail',
    ]);
    const response = { resultUrls: ['https://v/a.mp4'], originUrls: ['https://v/o.mp4'] };
    expect(read('veo', { successFlag: 1, response }).resultUrls).toEqual(['https://v/a.mp4']);
  });

  it.each(['flux-kontext', 'midjourney', 'luma'])(
    '%s: 0 generating, 1 success, 2 and 3 failed',
    (api) => {
      expect([0, 1, 2, 3].map((successFlag) => stateOf(api, { successFlag }).state)).toEqual([
        'generating',
        'success',
        'fail',
        'fail',
      ]);
    },
  );

  it('Flux Kontext: the result image, not the short-lived original', () => {
    const response = { resultImageUrl: 'https://f/r.png', originImageUrl: 'https://f/o.png' };
    expect(read('flux-kontext', { successFlag: 1, response }).resultUrls).toEqual([
      'https://f/r.png',
    ]);
  });

  it('Midjourney: the model is the task type when it names none', () => {
    expect(read('midjourney', { successFlag: 0, taskType: 7 }).model).toBe('');
    expect(read('midjourney', { successFlag: 0, taskType: 'mj_video', model: 'v7' }).model).toBe(
      'v7',
    );
    expect(
      read('midjourney', {
        successFlag: 1,
        resultInfoJson: { resultUrls: [{ resultUrl: 'https://mj/a.png' }] },
      }).resultUrls,
    ).toEqual(['https://mj/a.png']);
  });

  it('Midjourney: a success without URLs names resultInfoJson.resultUrls first', () => {
    expect(read('midjourney', { successFlag: 1, resultInfoJson: {} }).warnings).toEqual([
      'Midjourney reported success but no result URL was found (looked in ' +
        'resultInfoJson.resultUrls, resultInfoJson.result_urls, resultInfoJson.data.resultUrls, ' +
        'resultInfoJson.data.result_urls, resultUrls, result_urls); the record as sent is kept ' +
        'in resultJson.',
    ]);
  });

  it('Luma: a success without URLs names response.resultUrls first; a 4 without them fails', () => {
    expect(read('luma', { successFlag: 1, response: {} }).warnings).toEqual([
      'Luma reported success but no result URL was found (looked in response.resultUrls, ' +
        'response.result_urls, response.data.resultUrls, response.data.result_urls, ' +
        'resultUrls, result_urls); the record as sent is kept in resultJson.',
    ]);
    expect(
      read('luma', { successFlag: 4, response: { originUrls: ['https://l/o.mp4'] } }),
    ).toMatchObject({
      state: 'fail',
      apiState: '4',
      failMsg: 'Luma reported successFlag 4.',
      warnings: [],
    });
  });

  it('Runway Aleph: 1 success; a 0 with error code 0 or a blank message still runs', () => {
    expect(stateOf('runway-aleph', { successFlag: 1 }).state).toBe('success');
    expect(
      stateOf('runway-aleph', { successFlag: 0, errorCode: '0', errorMessage: ' ' }).state,
    ).toBe('generating');
    expect(stateOf('runway-aleph', { successFlag: 2 }).stateDocumented).toBe(false);
    const response = { resultVideoUrl: 'https://a/v.mp4', resultImageUrl: 'https://a/i.jpg' };
    expect(read('runway-aleph', { successFlag: 1, response }).resultUrls).toEqual([
      'https://a/v.mp4',
    ]);
  });

  it('Runway Aleph: a success without a video names response.resultVideoUrl first', () => {
    const cover = { resultImageUrl: 'https://a/i.jpg' };
    expect(read('runway-aleph', { successFlag: 1, response: cover }).warnings).toEqual([
      'Runway Aleph reported success but no result URL was found (looked in ' +
        'response.resultVideoUrl, response.resultUrls, response.result_urls, ' +
        'response.data.resultUrls, response.data.result_urls, resultUrls, result_urls); ' +
        'the record as sent is kept in resultJson.',
    ]);
  });

  it('Runway: its own spellings of each state, the video only, its one time', () => {
    const states = ['wait', 'queueing', 'generating', 'success', 'fail'].map(
      (state) => stateOf('runway', { state }).state,
    );
    expect(states).toEqual(['waiting', 'queuing', 'generating', 'success', 'fail']);
    const record = read('runway', {
      state: 'success',
      videoInfo: { videoUrl: 'https://r/v.mp4', imageUrl: 'https://r/c.jpg' },
      generateTime: 1_700_000_000_000,
      generateParam: { prompt: 'x' },
      expireFlag: 0,
    });
    expect(record).toMatchObject({
      resultUrls: ['https://r/v.mp4'],
      createTime: 1_700_000_000_000,
      param: { prompt: 'x' },
      warnings: [],
    });
    expect(read('runway', { state: 'fail', failMsg: 'bad' }).failMsg).toBe('bad');
    expect(read('runway', { state: 'generating', expireFlag: '1' }).warnings).toEqual([
      'Runway marks the video as expired (expireFlag 1): its links may no longer work.',
    ]);
  });

  it('Runway: a success without a video names videoInfo.videoUrl first', () => {
    const cover = { imageUrl: 'https://r/c.jpg' };
    expect(read('runway', { state: 'success', videoInfo: cover }).warnings).toEqual([
      'Runway reported success but no result URL was found (looked in videoInfo.videoUrl, ' +
        'videoInfo.resultUrls, videoInfo.result_urls, videoInfo.data.resultUrls, ' +
        'videoInfo.data.result_urls, resultUrls, result_urls); the record as sent is kept in ' +
        'resultJson.',
    ]);
  });
});

describe('Market', () => {
  it.each(['waiting', 'queuing', 'generating', 'success', 'fail'])(
    'knows the state %s',
    (state) => {
      expect(stateOf('market', { state })).toEqual({
        state,
        apiState: state,
        stateDocumented: true,
      });
    },
  );

  it('takes a resultJson object as its JSON, and none as empty', () => {
    const record = read('market', {
      state: 'success',
      resultJson: { resultUrls: ['https://m/a'] },
    });
    expect(record).toMatchObject({
      resultJson: '{"resultUrls":["https://m/a"]}',
      resultUrls: ['https://m/a'],
    });
    expect(read('market', { state: 'waiting', resultJson: null }).resultJson).toBe('');
  });

  it('keeps progress and cost where given, and drops a cost that is no count', () => {
    expect(
      read('market', { state: 'success', progress: 40, creditsConsumed: '2.5', costTime: 14 }),
    ).toMatchObject({ progress: 40, creditsConsumed: 2.5, costTime: 14 });
    const bare = read('market', { state: 'success', creditsConsumed: -1, costTime: 'long' });
    expect(bare.progress).toBeUndefined();
    expect(bare.creditsConsumed).toBeUndefined();
    expect(bare.costTime).toBeUndefined();
    expect(read('market', { state: 'fail', failCode: 500, failMsg: 'x' })).toMatchObject({
      failCode: '500',
      failMsg: 'x',
    });
  });

  it('reads resultJson "null" as empty even with spaces around it, without a shape warning', () => {
    expect(read('market', { state: 'generating', resultJson: ' null ' })).toMatchObject({
      resultJson: '',
      warnings: [],
    });
  });

  it('names Market and its documented field first when a success has no result URL', () => {
    expect(read('market', { state: 'success', resultJson: '{}' }).warnings).toEqual([
      'Market reported success but no result URL was found (looked in resultJson.resultUrls, ' +
        'resultJson.result_urls, resultJson.data.resultUrls, resultJson.data.result_urls, ' +
        'resultUrls, result_urls); the record as sent is kept in resultJson.',
    ]);
  });
});
