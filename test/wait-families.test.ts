// Waiting for a task of every API family: the client and the poll loop over real HTTP to the local
// Kie server, which serves each family's endpoints with its documented records, in virtual time.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiFamily } from '../src/kie/apis/index.js';
import { KieApiError, KieClient } from '../src/kie/client.js';
import { waitForTask } from '../src/wait/wait.js';
import { FAMILIES, sunoSuccess } from './support/kie-families.js';
import type { Api } from './support/kie-routes.js';
import { startKieServer, type KieReply, type KieServer } from './support/kie-server.js';
import { instantClock } from './support/virtual-clock.js';

let kie: KieServer;
beforeEach(async () => {
  kie = await startKieServer();
});
afterEach(() => kie.close());

function clientFor(api: string, lines: string[] = []) {
  const logger = {
    info: (m: string) => lines.push(`info: ${m}`),
    warning: (m: string) => lines.push(`warning: ${m}`),
    debug: () => {},
  };
  return new KieClient({ baseUrl: kie.url, apiKey: kie.apiKey, api: apiFamily(api), logger });
}

async function waitFor(api: Api, replies: KieReply[], taskId = 'task-1') {
  if (replies.length > 0) kie.script(taskId, replies, {}, api);
  const log: string[] = [];
  const client = clientFor(api, log);
  try {
    const outcome = await waitForTask(
      { taskId, timeoutMs: 10 * 60_000, pollIntervalMs: 3_000, maxPollIntervalMs: 30_000 },
      {
        source: client,
        ...instantClock(),
        logger: { info: (m) => log.push(m), warning: (m) => log.push(`warning: ${m}`), debug() {} },
      },
    );
    return { outcome, log };
  } finally {
    client.dispose();
  }
}

const media = (count: number) =>
  Array.from({ length: count }, (_, i) => `https://tempfile.aiquickdraw.com/r/${i}.bin`);

describe.each(FAMILIES)('waiting for a $api task', (family) => {
  it('polls its own status endpoint to success, logging each of its values', async () => {
    const urls = media(family.media);
    const { outcome, log } = await waitFor(family.api, [
      ...family.running.map((data) => ({ data })),
      { data: family.success(urls) },
    ]);
    expect(outcome.ending).toBe('finished');
    expect(outcome.record).toMatchObject({
      state: 'success',
      apiState: family.successState,
      resultUrls: urls,
    });
    expect(outcome.polls).toBe(family.running.length + 1);
    const route = kie.requests.map((request) => request.path);
    expect(new Set(route).size).toBe(1);
    expect(route[0]).not.toBe('/api/v1/jobs/recordInfo');
    expect(log.filter((line) => line.startsWith('Task task-1: '))).toHaveLength(
      family.runningStates.length + 1,
    );
  });

  it('ends with its failure', async () => {
    const { outcome } = await waitFor(family.api, [{ data: family.failure }]);
    expect(outcome.record).toMatchObject({ state: 'fail', failMsg: family.failMsg });
  });

  it('keeps polling through a reply of an unexpected shape, and says what it was', async () => {
    const { outcome, log } = await waitFor(family.api, [
      { body: { code: 200, msg: 'success', data: ['not', 'a', 'record'] } },
      { data: family.failure },
    ]);
    expect(outcome.record?.state).toBe('fail');
    expect(log.find((line) => line.includes('without a readable'))).toMatch(
      /without a readable .* task record for task-1 \(data is an array/,
    );
  });
});

describe('family endings', () => {
  it('Suno: waits through TEXT_SUCCESS and FIRST_SUCCESS to SUCCESS', async () => {
    const urls = media(4);
    const { outcome, log } = await waitFor('suno', [
      { data: { status: 'PENDING' } },
      { data: { status: 'TEXT_SUCCESS' } },
      { data: { status: 'FIRST_SUCCESS' } },
      { data: { status: 'FIRST_SUCCESS' } },
      { data: sunoSuccess('SUCCESS', urls) },
    ]);
    expect(outcome.polls).toBe(5);
    expect(outcome.record?.resultUrls).toEqual(urls);
    expect(log.filter((line) => line.startsWith('Task task-1:'))).toEqual([
      expect.stringMatching(/^Task task-1: waiting \(status PENDING\) after/),
      expect.stringMatching(/^Task task-1: generating \(status TEXT_SUCCESS\) after/),
      expect.stringMatching(/^Task task-1: generating \(status FIRST_SUCCESS\) after/),
      expect.stringMatching(/^Task task-1: success \(status SUCCESS\) after/),
    ]);
  });

  it('warns once about an undocumented value, then keeps waiting', async () => {
    const { outcome, log } = await waitFor('veo', [
      { data: { successFlag: 7 } },
      { data: { successFlag: 7 } },
      { data: { successFlag: 1, response: { resultUrls: ['https://x/v.mp4'] } } },
    ]);
    expect(outcome.record?.state).toBe('success');
    expect(log.filter((line) => line.includes('undocumented state "7"'))).toHaveLength(1);
  });
});

describe('an id the family does not know', () => {
  it('on market, says it may belong to another Kie.ai API and names the api input', async () => {
    // A Veo task: its own endpoint knows it, Market's does not.
    kie.script('veo-task', [{ data: { successFlag: 0 } }], {}, 'veo');
    const { outcome } = await waitFor('market', [], 'unscripted');
    expect(outcome.ending).toBe('error');
    if (outcome.ending !== 'error') return;
    expect(outcome.error.message).toMatch(/recordInfo is null.*still unknown after 1m/);
    expect(outcome.error.message).toContain("another Kie.ai API: set 'api' (veo, suno");
  });

  it('on market, a 404 for the id says the same at once', async () => {
    const { outcome } = await waitFor('market', [{ body: { code: 404, msg: 'Task not found' } }]);
    expect(outcome.ending === 'error' && outcome.error.message).toMatch(
      /no task task-1 \(404: "Task not found"\)\. If it is not a Market \(jobs\) task .* set 'api'/,
    );
  });

  it('any other 422 about a task gives the family hint too, at once', async () => {
    const { outcome } = await waitFor('veo', [
      { body: { code: 422, msg: 'Temporarily supports records within 14 days' } },
    ]);
    expect(outcome.polls).toBe(1);
    expect(outcome.ending === 'error' && outcome.error.message).toMatch(
      /rejected the request \(422: "Temporarily supports records within 14 days"\)\. Check 'task-id', and whether the task belongs to Veo 3\.1/,
    );
  });

  it('on another family, asks to check task-id and api', async () => {
    const { outcome } = await waitFor('suno', [], 'unscripted');
    expect(outcome.ending === 'error' && outcome.error.message).toMatch(
      /record is null.*Check 'task-id', and whether the task belongs to Suno \('api' suno\) or/,
    );
  });
});

describe('a fresh link for an expired result URL', () => {
  const old = 'https://tempfile.aiquickdraw.com/r/old.mp4';
  const fresh = 'https://tempfile.aiquickdraw.com/r/old.mp4?sig=fresh';

  it('asks the common download-url endpoint with the url, key to base-url only', async () => {
    kie.scriptFreshLinks({ [old]: fresh });
    const client = clientFor('veo');
    expect(await client.freshDownloadUrl('task-1', old)).toBe(fresh);
    client.dispose();
    expect(kie.requests).toMatchObject([
      {
        method: 'POST',
        path: '/api/v1/common/download-url',
        body: { url: old },
        headers: { authorization: `Bearer ${kie.apiKey}` },
      },
    ]);
  });

  it('asks 4o Image its own endpoint, with the task id', async () => {
    kie.scriptFreshLinks({ [old]: fresh });
    const client = clientFor('4o-image');
    expect(await client.freshDownloadUrl('task-1', old)).toBe(fresh);
    client.dispose();
    expect(kie.requests[0]).toMatchObject({
      path: '/api/v1/gpt4o-image/download-url',
      body: { taskId: 'task-1', url: old },
    });
  });

  it('throws a KieApiError naming the 422 for a URL Kie.ai does not host', async () => {
    const client = clientFor('market');
    const error = await client.freshDownloadUrl('task-1', old).catch((e: unknown) => e);
    client.dispose();
    expect(error).toBeInstanceOf(KieApiError);
    expect((error as KieApiError).message).toMatch(/422.*Only supports files generated by kie.ai/);
  });
});
