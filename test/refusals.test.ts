// Replies outside the docs that decide how long to wait (issue 17): a client Cloudflare or a proxy
// refuses (stop after a few tries, saying what to check), an id Kie.ai has no record of (a
// minute's grace), maintenance announced as code 500 (long backoff). Virtual time throughout.
import { describe, expect, it } from 'vitest';
import { refusalMeaning } from '../src/kie/faults.js';
import { localInputs, runInProcess } from './support/action.js';
import type { KieServer, RawReply } from './support/kie-server.js';
import { useLocalServers } from './support/servers.js';
import { instantClock } from './support/virtual-clock.js';

let kie: KieServer;
useLocalServers((started) => ({ kie } = started));

const errors = (log: string) => log.split('\n').filter((line) => line.startsWith('::error::'));
const inputs = (extra: Record<string, string> = {}) =>
  localInputs(kie, {
    'task-id': 't1',
    timeout: '30m',
    'poll-interval': '3s',
    'max-poll-interval': '30s',
    ...extra,
  });

const CLOUDFLARE_1010: RawReply = { status: 403, body: 'error code: 1010' };

describe('a client that is refused', () => {
  it("stops after 3 tries within a minute on Cloudflare's 1010, saying what it means and what to check", async () => {
    kie.script('t1', [CLOUDFLARE_1010]);
    const clock = instantClock();
    const run = await runInProcess(inputs(), { deps: clock });
    expect(run.failed).toBe(true);
    expect(kie.taskRequests()).toHaveLength(3);
    expect(clock.sleeps.reduce((sum, ms) => sum + ms, 0)).toBeLessThan(60_000);
    const [line, ...others] = errors(run.log);
    expect(others).toEqual([]);
    expect(line).toContain(`${kie.url} refused this client (HTTP 403: error code: 1010)`);
    expect(line).toContain("the client's signature is banned");
    expect(line).toMatch(
      /proxy settings .*User-Agent \(kie-task-action\/.*\).* network.*'base-url'/,
    );
  });

  it('stops every task of the step with the one verdict', async () => {
    kie.script('t1', [CLOUDFLARE_1010]);
    kie.script('t2', [CLOUDFLARE_1010]);
    const run = await runInProcess(inputs({ 'task-id': 't1 t2' }), { deps: instantClock() });
    expect(run.failed).toBe(true);
    expect(kie.taskRequests().length).toBeLessThanOrEqual(4);
    expect(JSON.parse(run.outputs.tasks!)).toHaveLength(2);
    expect(errors(run.log).join('\n')).toContain('refused this client');
  });

  it('reads a refusal that clears as a blip', async () => {
    kie.script('t1', [CLOUDFLARE_1010, CLOUDFLARE_1010, { state: 'success' }]);
    const run = await runInProcess(inputs(), { deps: instantClock() });
    expect(run.failed).toBe(false);
    expect(run.outputs.state).toBe('success');
  });

  it('stops on a proxy that wants credentials (407) and on an HTML 403', async () => {
    kie.script('t1', [{ status: 407, body: '<html>Proxy Authentication Required</html>' }]);
    const proxy = await runInProcess(inputs(), { deps: instantClock() });
    expect(errors(proxy.log)[0]).toContain(
      'a proxy between the runner and Kie.ai wants credentials',
    );
    kie.script('t2', [{ status: 403, body: '<html><title>Access denied</title></html>' }]);
    const html = await runInProcess(inputs({ 'task-id': 't2' }), { deps: instantClock() });
    expect(errors(html.log)[0]).toContain('(a proxy, firewall or CDN) refuses this client');
  });

  it('stops creating a task that is refused, saying nothing was created', async () => {
    kie.scriptCreate([CLOUDFLARE_1010]);
    const run = await runInProcess(
      inputs({ 'task-id': '', model: 'seedance-2.5', input: 'prompt: x' }),
      { deps: instantClock() },
    );
    expect(run.failed).toBe(true);
    expect(kie.taskRequests().length).toBeLessThanOrEqual(3);
    expect(errors(run.log)[0]).toMatch(/refused this client .*Nothing was created\.$/);
  });
});

describe('an id Kie.ai has no record of', () => {
  const unknown: [string, RawReply][] = [
    [
      'HTTP 200 with code 422 "The record does not exist"',
      {
        body: { code: 422, msg: 'The record does not exist', data: null },
      },
    ],
    ['code 200 with data null', { body: { code: 200, msg: 'success', data: null } }],
  ];

  it.each(unknown)('gives up after a minute on %s, with its hint', async (_, reply) => {
    kie.script('t1', [reply]);
    const clock = instantClock();
    const run = await runInProcess(inputs(), { deps: clock });
    expect(run.failed).toBe(true);
    const waited = clock.sleeps.reduce((sum, ms) => sum + ms, 0);
    expect(waited).toBeGreaterThanOrEqual(60_000);
    expect(waited).toBeLessThan(120_000);
    expect(errors(run.log)[0]).toMatch(/still unknown after 1m.*set 'api'/);
  });

  it.each(unknown)('waits for the record to appear after %s', async (_, reply) => {
    kie.script('t1', [reply, reply, { state: 'success' }]);
    const run = await runInProcess(inputs(), { deps: instantClock() });
    expect(run.outputs.state).toBe('success');
  });
});

describe('maintenance', () => {
  it('announced as code 500 waits 30s between tries, and says so', async () => {
    const maintenance = { body: { code: 500, msg: 'System maintenance in progress' } };
    kie.script('t1', [maintenance, maintenance, { state: 'success' }]);
    const clock = instantClock();
    const run = await runInProcess(inputs(), { deps: clock });
    expect(run.outputs.state).toBe('success');
    expect(clock.sleeps.filter((ms) => ms >= 30_000)).toEqual([30_000, 30_000]);
    expect(run.log).toContain(
      'Kie.ai is under maintenance (500: "System maintenance in progress"); trying again no more than every 30s.',
    );
  });

  it('a plain 500 is retried sooner', async () => {
    kie.script('t1', [{ body: { code: 500, msg: 'try again later' } }, { state: 'success' }]);
    const clock = instantClock();
    await runInProcess(inputs(), { deps: clock });
    expect(Math.max(...clock.sleeps)).toBeLessThan(30_000);
  });
});

describe('what a refusal means', () => {
  const unknown = 'something in front of Kie.ai (a proxy, firewall or CDN) refuses this client';
  it.each([
    [403, 'error code: 1006', "the runner's network address is banned"],
    [403, 'error code: 1007', "the runner's network address is banned"],
    [403, 'error code: 1008', "the runner's network address is banned"],
    [403, 'error code: 1009', "the runner's country or region is blocked"],
    [
      403,
      'error code: 1010',
      "the client's signature is banned (its User-Agent, or a proxy's fingerprint)",
    ],
    [403, 'error code: 1012', 'access is denied'],
    [403, 'error code: 1020', 'a firewall rule blocks the request'],
    // As Cloudflare's pages and proxies in front of it word it, with or without the colon or space.
    [403, 'Error Code 1020', 'a firewall rule blocks the request'],
    [403, 'error code:1020', 'a firewall rule blocks the request'],
    [403, '<p>error code:   1012</p>', 'access is denied'],
    [403, 'error code: 9999', unknown],
    [403, '<html>Forbidden</html>', unknown],
    [407, '', 'a proxy between the runner and Kie.ai wants credentials'],
  ])('HTTP %i %j: %s', (status, body, meaning) => {
    expect(refusalMeaning(status, body)).toBe(meaning);
  });

  it('is no refusal on other statuses, whatever the body says', () => {
    for (const status of [200, 401, 404, 429, 500, 502]) {
      expect(refusalMeaning(status, 'error code: 1010')).toBeUndefined();
    }
  });
});
