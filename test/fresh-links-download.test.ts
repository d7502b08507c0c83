// An expired Kie-hosted result link, end to end: the action's download answers 403, the action asks
// Kie.ai for a fresh link once, downloads that, and says so. The result host is named as Kie.ai's
// (tempfile.aiquickdraw.com) and reached through the local forward proxy, which alone resolves it.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { localInputs, runInProcess } from './support/action.js';
import type { KieServer } from './support/kie-server.js';
import type { MediaServer } from './support/media-server.js';
import { startProxyServer, type ProxyServer } from './support/proxy-server.js';
import { useLocalServers } from './support/servers.js';

let kie: KieServer;
let media: MediaServer;
let proxy: ProxyServer | undefined;
useLocalServers((started) => ({ kie, media } = started));
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

async function kieHosted(file: string) {
  proxy ??= await startProxyServer({ hosts: { 'tempfile.aiquickdraw.com': '127.0.0.1' } });
  return `http://tempfile.aiquickdraw.com:${new URL(media.url).port}${file}`;
}

describe('an expired result link', () => {
  it('is renewed once through Kie.ai, with the key sent only to base-url', async () => {
    const old = await kieHosted('/v/old.mp4');
    const fresh = await kieHosted('/v/fresh.mp4');
    media.route('/v/old.mp4', { status: 403, body: 'expired' });
    media.route('/v/fresh.mp4', { body: 'video', contentType: 'video/mp4' });
    kie.scriptFreshLinks({ [old]: fresh });
    kie.script('v1', [{ data: { successFlag: 1, response: { resultUrls: [old] } } }], {}, 'veo');
    const run = await runInProcess(
      localInputs(kie, { api: 'veo', 'task-id': 'v1', download: 'true' }),
      { env: { http_proxy: proxy!.url, no_proxy: '127.0.0.1' } },
    );
    expect(run.failed).toBe(false);
    expect((JSON.parse(run.outputs.files!) as string[]).map((f) => path.basename(f))).toEqual([
      'old.mp4',
    ]);
    expect(kie.taskRequests().filter((r) => r.path === '/api/v1/common/download-url')).toHaveLength(
      1,
    );
    for (const request of proxy!.requests) {
      expect(JSON.stringify(request.headers)).not.toContain(kie.apiKey);
    }
    expect(run.log).toMatch(/fresh link/i);
  });

  it('fails at download-timeout, naming the URL, while Kie.ai is slow to give a fresh link', async () => {
    const old = await kieHosted('/v/slow.mp4');
    media.route('/v/slow.mp4', { status: 403, body: 'expired' });
    // Later than the test's timeout: without the download's deadline the step would wait it out.
    kie.scriptFreshLinks({ [old]: await kieHosted('/v/fresh.mp4') }, 30_000);
    kie.script('v1', [{ data: { successFlag: 1, response: { resultUrls: [old] } } }], {}, 'veo');
    const run = await runInProcess(
      localInputs(kie, {
        api: 'veo',
        'task-id': 'v1',
        download: 'true',
        'download-timeout': '500ms',
      }),
      { env: { http_proxy: proxy!.url, no_proxy: '127.0.0.1' } },
    );
    expect(run.failed).toBe(true);
    expect(run.log).toContain(
      `Could not download ${old}: not done when 'download-timeout' (500ms) ran out`,
    );
  });

  it('fails as before when Kie.ai has no fresh link', async () => {
    const old = await kieHosted('/v/gone.mp4');
    media.route('/v/gone.mp4', { status: 410, body: 'gone' });
    kie.script('v1', [{ data: { successFlag: 1, response: { resultUrls: [old] } } }], {}, 'veo');
    const run = await runInProcess(
      localInputs(kie, { api: 'veo', 'task-id': 'v1', download: 'true' }),
      { env: { http_proxy: proxy!.url, no_proxy: '127.0.0.1' } },
    );
    expect(run.failed).toBe(true);
    expect(run.log).toContain('410');
    expect(kie.taskRequests().filter((r) => r.path === '/api/v1/common/download-url')).toHaveLength(
      1,
    );
  });
});
