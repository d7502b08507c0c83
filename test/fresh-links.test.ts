// Fresh links for expired Kie-hosted result URLs: the refreshUrl hook the pipeline gives the
// downloader, against the local Kie server's download-url endpoints.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiFamily } from '../src/kie/apis/index.js';
import { KieClient } from '../src/kie/client.js';
import { freshLinkFor, isKieHosted } from '../src/kie/fresh-links.js';
import { RequestBudget } from '../src/wait/budget.js';
import { startKieServer, type KieServer } from './support/kie-server.js';

let kie: KieServer;
beforeEach(async () => {
  kie = await startKieServer();
});
afterEach(() => kie.close());

const expired = 'https://tempfile.aiquickdraw.com/r/task-1_0.mp4';
const fresh = 'https://r2.example/presigned/task-1_0.mp4?X-Amz-Expires=1200';

function hook(
  api = 'market',
  budget = new RequestBudget(100, { now: Date.now, sleep: async () => {} }),
) {
  const warnings: string[] = [];
  const logger = { info() {}, warning: (m: string) => warnings.push(m), debug() {} };
  const client = new KieClient({
    baseUrl: kie.url,
    apiKey: kie.apiKey,
    api: apiFamily(api),
    logger,
  });
  const refreshUrl = freshLinkFor({ client, budget, taskId: 'task-1', logger });
  return { refreshUrl, warnings, dispose: () => client.dispose() };
}

describe('which URLs are Kie-hosted', () => {
  it('the hosts Kie.ai results are seen on, and no other', () => {
    for (const url of [
      'https://tempfile.aiquickdraw.com/na2/a.jpeg',
      'https://file.aiquickdraw.com/v/a.mp4',
      'https://musicfile.kie.ai/a.mp3',
      'HTTPS://TEMPFILE.AIQUICKDRAW.COM/a.png',
    ]) {
      expect(isKieHosted(url), url).toBe(true);
    }
    for (const url of [
      'https://cdn.example/a.png',
      'https://aiquickdraw.com.evil.example/a.png',
      'https://notkie.ai/a.png',
      'https://tempfile.redpandaai.co/kieai/upload.jpg',
      'not a url',
    ]) {
      expect(isKieHosted(url), url).toBe(false);
    }
  });
});

describe('the refreshUrl hook', () => {
  it('returns the fresh link Kie.ai gives for a Kie-hosted URL', async () => {
    kie.scriptFreshLinks({ [expired]: fresh });
    const { refreshUrl, dispose } = hook();
    expect(await refreshUrl(expired)).toBe(fresh);
    dispose();
    expect(kie.requests).toHaveLength(1);
    expect(kie.requests[0]).toMatchObject({ path: '/api/v1/common/download-url' });
  });

  it('uses the 4o Image endpoint, with the task id, for 4o tasks', async () => {
    kie.scriptFreshLinks({ [expired]: fresh });
    const { refreshUrl, dispose } = hook('4o-image');
    expect(await refreshUrl(expired)).toBe(fresh);
    dispose();
    expect(kie.requests[0]).toMatchObject({
      path: '/api/v1/gpt4o-image/download-url',
      body: { taskId: 'task-1', url: expired },
    });
  });

  it('never asks about a URL on another host: no request, no key sent anywhere', async () => {
    const { refreshUrl, dispose } = hook();
    expect(await refreshUrl('https://cdn.example/a.png')).toBeUndefined();
    dispose();
    expect(kie.requests).toHaveLength(0);
  });

  it('gives undefined and a warning when Kie.ai refuses (422), so the download fails as before', async () => {
    const { refreshUrl, warnings, dispose } = hook();
    expect(await refreshUrl(expired)).toBeUndefined();
    dispose();
    expect(warnings).toEqual([
      expect.stringMatching(
        /^Task task-1: Kie.ai gave no fresh link for https:\/\/tempfile.aiquickdraw.com\/r\/task-1_0.mp4: .*422/,
      ),
    ]);
  });

  it('stops the request when its signal aborts, rejecting with the reason', async () => {
    kie.scriptFreshLinks({ [expired]: fresh }, 30_000); // past the test's timeout
    const { refreshUrl, dispose } = hook();
    const cancel = new AbortController();
    const asking = refreshUrl(expired, cancel.signal);
    await expect.poll(() => kie.requests).toHaveLength(1);
    const reason = new Error('Received SIGINT.');

    cancel.abort(reason);

    await expect(asking).rejects.toBe(reason);
    dispose();
  });

  it("leaves the request budget's queue when its signal aborts, sending nothing", async () => {
    // One request per 1000 s: with the slot just taken, the ask waits in line.
    const slow = { now: Date.now, sleep: (ms: number) => sleep(ms, undefined, { ref: false }) };
    const budget = new RequestBudget(0.001, slow);
    expect(await budget.acquire()).toBe(true);
    const { refreshUrl, dispose } = hook('market', budget);
    const cancel = new AbortController();
    const asking = refreshUrl(expired, cancel.signal);
    const reason = new Error('download-timeout ran out');

    cancel.abort(reason);

    await expect(asking).rejects.toBe(reason);
    dispose();
    expect(kie.requests).toHaveLength(0);
  });

  it('asks nothing once the request budget is cancelled (base-url given up on)', async () => {
    kie.scriptFreshLinks({ [expired]: fresh });
    const budget = new RequestBudget(100, { now: Date.now, sleep: async () => {} });
    budget.cancel();
    const { refreshUrl, warnings, dispose } = hook('market', budget);
    expect(await refreshUrl(expired)).toBeUndefined();
    dispose();
    expect(kie.requests).toHaveLength(0);
    expect(warnings).toEqual([
      `Task task-1: no fresh link asked for ${expired}: no more requests to Kie.ai.`,
    ]);
  });

  it('gives undefined when the reply holds no link', async () => {
    kie.scriptFreshLinks({ [expired]: '' });
    const { refreshUrl, warnings, dispose } = hook();
    expect(await refreshUrl(expired)).toBeUndefined();
    dispose();
    expect(warnings[0]).toMatch(/gave no download link/);
  });
});
