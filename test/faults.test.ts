// What each of Kie.ai's codes means for a poller (src/kie/faults.ts): the kind of fault, the code
// kept, the pause asked for, and the one line a user reads. The HTTP paths to these are in
// wait.test.ts; here each code meets each kind of request once.
import { describe, expect, it } from 'vitest';
import { describeCode, KieApiError, noRecord, type Subject } from '../src/kie/faults.js';
import { ACTION_NAMES } from '../src/settings/constants.js';

const task: Subject = { taskId: 't1' };
const hinted: Subject = { taskId: 't1', hint: 'Check the api input.' };
const creating: Subject = { creating: 'the task for model m' };
const credits: Subject = { endpoint: 'the credit balance' };

const fault = (code: number, said: string, subject: Subject, retryAfterMs?: number) => {
  const error = describeCode(code, said, subject, ACTION_NAMES, retryAfterMs);
  return {
    kind: error.kind,
    code: error.code,
    retryAfterMs: error.retryAfterMs,
    message: error.message,
    hint: error.more.hint,
  };
};

describe('describeCode', () => {
  it.each([
    [401, task, "Kie.ai rejected the API key (401). Check 'api-key' (or KIE_API_KEY)."],
    [402, task, 'The Kie.ai account is out of credits (402). Top up at kie.ai, then run again.'],
    [404, task, "Kie.ai has no task t1 (404). Check 'task-id'."],
    [404, hinted, 'Kie.ai has no task t1 (404). Check the api input.'],
    [
      404,
      creating,
      "Kie.ai does not know that model or endpoint (404). Check 'model' and 'base-url'.",
    ],
    [404, credits, "Kie.ai does not serve the credit balance (404). Check 'base-url'."],
    [408, task, 'Kie.ai gave up on task t1: no result for over 10 minutes (408).'],
    [408, creating, 'Kie.ai gave up on the task for model m: no result for over 10 minutes (408).'],
    [408, credits, 'Kie.ai gave up on the credit balance: no result for over 10 minutes (408).'],
    [422, task, 'Kie.ai rejected the request (422).'],
    [422, hinted, 'Kie.ai rejected the request (422). Check the api input.'],
    [433, task, "The API key's usage cap is exhausted (433). Raise the cap in Kie.ai's console."],
    [501, task, 'Generation failed for task t1 (501).'],
    [505, task, 'The feature is disabled on Kie.ai (505).'],
    [400, task, 'Kie.ai refused the request (400).'],
    [499, creating, 'Kie.ai refused the request (499).'],
  ])('%i about %o is fatal: %s', (code, subject, message) => {
    expect(fault(code, '', subject)).toEqual({
      kind: 'fatal',
      code,
      retryAfterMs: undefined,
      message,
      hint: undefined,
    });
  });

  it('quotes what the server said', () => {
    expect(fault(401, 'bad key', task).message).toBe(
      `Kie.ai rejected the API key (401: "bad key"). Check 'api-key' (or KIE_API_KEY).`,
    );
    expect(fault(500, 'boom', task).message).toBe('Kie.ai server error (500: "boom").');
  });

  it.each([
    'recordInfo is null',
    'record is null',
    'RECORDINFO IS NULL',
    'The record is null.',
    'The record does not exist',
  ])('reads a 422 %j about a task as not ready yet, keeping its hint', (said) => {
    expect(fault(422, said, hinted)).toEqual({
      kind: 'not-ready',
      code: 422,
      retryAfterMs: undefined,
      message: `Kie.ai does not know task t1 yet (422: "${said}").`,
      hint: 'Check the api input.',
    });
  });

  it('reads any other 422, or one not about a task, as fatal', () => {
    expect(fault(422, 'records within 14 days only', hinted)).toMatchObject({
      kind: 'fatal',
      message:
        'Kie.ai rejected the request (422: "records within 14 days only"). Check the api input.',
    });
    expect(fault(422, 'recordInfo is null', creating).kind).toBe('fatal');
    expect(fault(422, 'record was null', task).kind).toBe('fatal');
  });

  it('reads 429 as transient, with the pause the server asked for', () => {
    expect(fault(429, '', task, 2_000)).toEqual({
      kind: 'transient',
      code: 429,
      retryAfterMs: 2_000,
      message: 'Kie.ai rate limit reached (429).',
      hint: undefined,
    });
    expect(fault(429, '', task).retryAfterMs).toBeUndefined();
  });

  it('waits at least 30 s through maintenance (455), longer when asked', () => {
    expect(fault(455, '', task)).toEqual({
      kind: 'transient',
      code: 455,
      retryAfterMs: 30_000,
      message: 'Kie.ai is under maintenance (455); trying again no more than every 30s.',
      hint: undefined,
    });
    expect(fault(455, '', task, 10_000).retryAfterMs).toBe(30_000);
    expect(fault(455, '', task, 90_000).retryAfterMs).toBe(90_000);
  });

  it.each([500, 502, 503, 550, 599])('reads %i as a transient server error', (code) => {
    expect(fault(code, '', task, 1_000)).toEqual({
      kind: 'transient',
      code,
      retryAfterMs: 1_000,
      message: `Kie.ai server error (${code}).`,
      hint: undefined,
    });
  });
  it.each(['System maintenance in progress', 'MAINTANANCE, back soon'])(
    'reads a server error that says %j as maintenance: 30 s at least, longer when asked',
    (said) => {
      expect(fault(503, said, task)).toEqual({
        kind: 'transient',
        code: 503,
        retryAfterMs: 30_000,
        message: `Kie.ai is under maintenance (503: "${said}"); trying again no more than every 30s.`,
        hint: undefined,
      });
      expect(fault(500, said, task, 60_000).retryAfterMs).toBe(60_000);
    },
  );

  it('reads maintenance from server errors only: a refusal that mentions it is still fatal', () => {
    expect(fault(400, 'maintenance mode is not a valid option', creating)).toMatchObject({
      kind: 'fatal',
      message: 'Kie.ai refused the request (400: "maintenance mode is not a valid option").',
    });
  });
});

describe('noRecord', () => {
  it.each([
    [null, 'null'],
    [undefined, 'missing'],
  ])('reads code 200 with data %s as not ready yet, keeping the hint', (data, given) => {
    const error = noRecord('t1', data, 'Check the api input.');
    expect(error).toBeInstanceOf(KieApiError);
    expect({ ...error.more, kind: error.kind, code: error.code, message: error.message }).toEqual({
      hint: 'Check the api input.',
      kind: 'not-ready',
      code: 200,
      message: `Kie.ai has no record of task t1 (code 200, data ${given}).`,
    });
  });
});

describe('KieApiError', () => {
  it('is an Error named KieApiError that says whether the request surely never left', () => {
    const refused = new KieApiError('transient', 'refused', undefined, undefined, {
      neverSent: true,
    });
    expect(refused).toBeInstanceOf(Error);
    expect(refused.name).toBe('KieApiError');
    expect(refused.neverSent).toBe(true);
    expect(new KieApiError('transient', 'reset').neverSent).toBe(false);
    expect(new KieApiError('transient', 'reset').more).toEqual({});
  });
});
