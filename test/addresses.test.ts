// Which hosts a download may reach. No request here leaves the loopback: base-url and the public
// result hosts are names that only the local forward proxy (the stand-in for the internet) or the
// injected resolver know, and refused literals (169.254.169.254, 10.0.0.5 ...) must be refused
// before any connection: the proxy records every request it gets, so none of them may reach it.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  addressPolicy,
  AddressRefused,
  judgeAddress,
  type Resolver,
} from '../src/net/address-policy.js';
import { FAST_INPUTS, runInProcess, scratchDir } from './support/action.js';
import type { KieServer } from './support/kie-server.js';
import type { MediaServer } from './support/media-server.js';
import {
  startProxyServer,
  useCleanProxyEnvironment,
  type ProxyServer,
} from './support/proxy-server.js';
import { main } from '../src/cli/main.js';
import { systemRuntime } from '../src/runtime.js';
import { useLocalServers } from './support/servers.js';

let kie: KieServer;
let media: MediaServer;
let proxy: ProxyServer | undefined;
useLocalServers((started) => ({ kie, media } = started));
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

/** Names the injected resolver answers, as a DNS server would; anything else is unknown. */
function resolver(names: Record<string, string>): Resolver & { asked: string[] } {
  const asked: string[] = [];
  const resolve = async (hostname: string) => {
    asked.push(hostname);
    const address = names[hostname];
    if (address === undefined) throw Object.assign(new Error('unknown'), { code: 'ENOTFOUND' });
    return [{ address, family: address.includes(':') ? 6 : 4 }];
  };
  return Object.assign(resolve, { asked });
}

/**
 * Runs the action with a public-looking base-url (api.example, reached through the proxy) and
 * `urls` as the results of one task each (t1, t2 ...); cdn.example is a public host behind the
 * proxy, media.example one the runner resolves itself (no_proxy) with `names`.
 */
async function run(
  urls: string[],
  extra: Record<string, string> = {},
  names: Record<string, string> = {},
) {
  const kiePort = new URL(kie.url).port;
  proxy = await startProxyServer({
    hosts: {
      'api.example': '127.0.0.1',
      'cdn.example': '127.0.0.1',
      'tempfile.aiquickdraw.com': '127.0.0.1',
    },
  });
  const ids = urls.map((url, i) => {
    const id = `t${i + 1}`;
    kie.script(id, [{ state: 'success' }], { resultJson: JSON.stringify({ resultUrls: [url] }) });
    return id;
  });
  const dir = await scratchDir('kie-addresses-');
  const resolve = resolver(names);
  const inputs = {
    'api-key': kie.apiKey,
    'base-url': `http://api.example:${kiePort}`,
    ...FAST_INPUTS,
    'task-id': ids.join(','),
    download: 'true',
    'download-dir': dir,
    ...extra,
  };
  const env = { http_proxy: proxy.url, no_proxy: 'media.example' };
  const result = await runInProcess(inputs, { env, deps: { ...systemRuntime, resolve } });
  // Whole URLs for plain http downloads; host:port for CONNECT (http-client tunnels to base-url).
  const proxied = proxy.requests.map(({ method, target }) =>
    method === 'CONNECT' ? target.replace(/:\d+$/, '') : new URL(target).hostname,
  );
  return { ...result, dir, proxied, asked: resolve.asked };
}

const cdn = (file: string) => `http://cdn.example:${new URL(media.url).port}${file}`;
const direct = (file: string) => `http://media.example:${new URL(media.url).port}${file}`;

describe('download addresses', () => {
  it.each([
    ['http://169.254.169.254/latest/meta-data/iam/security-credentials/', 'link-local'],
    ['http://169.254.170.2/v2/credentials', 'link-local'],
    ['http://[fe80::1]/x', 'link-local'],
    ['http://[::ffff:169.254.169.254]/latest/meta-data/', 'link-local'],
    ['http://2852039166/latest/meta-data/', 'link-local'], // 169.254.169.254 in decimal
    ['http://0xa9.0xfe.0xa9.0xfe/latest/meta-data/', 'link-local'],
    ['http://100.100.100.200/latest/meta-data/', 'cloud metadata'],
    ['http://[fd00:ec2::254]/latest/meta-data/', 'cloud metadata'],
    ['http://0.0.0.0:8080/x', 'unspecified'],
    ['http://[::]/x', 'unspecified'],
  ])('never fetches %s, whatever allows private addresses', async (url, rule) => {
    const ran = await run([url], { 'allow-private-downloads': 'true' });
    expect(ran.failed).toBe(true);
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    expect(ran.log).toContain(
      `Could not download ${new URL(url).href}: ${host} is a ${rule} address`,
    );
    expect(ran.log).toContain('which is never downloaded from');
    expect(ran.proxied).toContain('api.example'); // the polls, and nothing else
    expect(ran.proxied.every((host) => host === 'api.example')).toBe(true);
  });

  it.each([
    ['http://10.0.0.5/x.png', 'private'],
    ['http://192.168.1.1/x.png', 'private'],
    ['http://172.16.0.1/x.png', 'private'],
    ['http://100.64.0.1/x.png', 'carrier-grade NAT (100.64.0.0/10)'],
    ['http://[fd00::1]/x.png', 'unique local (private)'],
    ['http://127.1/x.png', 'loopback'],
    ['http://0x7f000001/x.png', 'loopback'],
    ['http://[::1]/x.png', 'loopback'],
    ['http://[::ffff:10.0.0.5]/x.png', 'private'],
    ['http://localhost./x.png', 'loopback'],
  ])('refuses %s by default when base-url is public, naming the input', async (url, kind) => {
    const ran = await run([url]);
    expect(ran.failed).toBe(true);
    expect(ran.log).toContain(
      `a ${kind} address, refused unless 'allow-private-downloads' is true`,
    );
    expect(ran.log).toContain(`Could not download ${new URL(url).href}`);
    expect(ran.proxied).not.toContain(new URL(url).hostname);
    expect(ran.proxied.every((host) => host === 'api.example')).toBe(true);
  });

  it('judges the address a name resolves to, and connects to that very address', async () => {
    media.route('/a.png', { body: 'png', contentType: 'image/png' });
    const refused = await run([direct('/a.png')], {}, { 'media.example': '127.0.0.1' });
    expect(refused.failed).toBe(true);
    expect(refused.log).toContain(
      `Could not download ${direct('/a.png')}: media.example resolves to 127.0.0.1, a loopback address, refused unless 'allow-private-downloads' is true`,
    );
    expect(media.requests).toEqual([]);
    expect(await readdir(refused.dir)).toEqual([]);

    // Allowed, the connection goes where the resolver said: no DNS server knows media.example.
    const allowed = await run(
      [direct('/a.png')],
      { 'allow-private-downloads': 'true' },
      { 'media.example': '127.0.0.1' },
    );
    expect(allowed.failed).toBe(false);
    expect(allowed.asked).toContain('media.example');
    expect(await readdir(allowed.dir)).toEqual(['a.png']);
  });

  it('checks every redirect hop, and keeps the other tasks results', async () => {
    media.route('/hop', { status: 302, redirect: 'http://2130706433:9/secret' }); // 127.0.0.1
    media.route('/meta', { status: 302, redirect: 'http://[::ffff:a9fe:a9fe]/latest/' });
    media.route('/fine.png', { body: 'png', contentType: 'image/png' });
    const ran = await run([cdn('/hop'), cdn('/meta'), cdn('/fine.png')]);
    expect(ran.failed).toBe(true);
    expect(ran.log).toContain(
      `Could not download ${cdn('/hop')}: refused http://127.0.0.1:9/secret: 127.0.0.1 is a loopback address`,
    );
    expect(ran.log).toContain(
      `refused http://[::ffff:a9fe:a9fe]/latest/: ::ffff:a9fe:a9fe is a link-local address`,
    );
    expect(ran.proxied.filter((host) => host !== 'api.example').sort()).toEqual([
      'cdn.example',
      'cdn.example',
      'cdn.example',
    ]);
    expect(await readdir(path.join(ran.dir, 't3'))).toEqual(['fine.png']);
    expect(JSON.parse(ran.outputs.tasks!)[2]).toMatchObject({ taskId: 't3', state: 'success' });
  });

  it('checks a fresh link Kie.ai gives for an expired one', async () => {
    const old = `http://tempfile.aiquickdraw.com:${new URL(media.url).port}/v/old.mp4`;
    media.route('/v/old.mp4', { status: 403, body: 'expired' });
    kie.scriptFreshLinks({ [old]: 'http://[fd00:ec2::254]/latest/meta-data/' });
    const ran = await run([old], { 'allow-private-downloads': 'true' });
    expect(ran.failed).toBe(true);
    expect(ran.log).toContain(
      `Could not download ${old}: refused http://[fd00:ec2::254]/latest/meta-data/: fd00:ec2::254 is a cloud metadata address`,
    );
    expect(ran.proxied).not.toContain('[fd00:ec2::254]');
  });
});

describe('kie-task', () => {
  useCleanProxyEnvironment();

  it('refuses a private download unless --allow-private-downloads is given', async () => {
    proxy = await startProxyServer({ hosts: { 'api.example': '127.0.0.1' } });
    process.env['http_proxy'] = proxy.url;
    process.env['no_proxy'] = 'media.example';
    media.route('/a.png', { body: 'png', contentType: 'image/png' });
    kie.script('t1', [{ state: 'success' }], {
      resultJson: JSON.stringify({ resultUrls: [direct('/a.png')] }),
    });
    const dir = await scratchDir('kie-addresses-cli-');
    const wait = async (...flags: string[]) => {
      let stderr = '';
      const code = await main(
        [
          'wait',
          't1',
          '--base-url',
          `http://api.example:${new URL(kie.url).port}`,
          '--poll-interval',
          '10ms',
          '--max-requests-per-second',
          '100',
          '--download',
          dir,
          ...flags,
        ],
        {
          stdout: { write: () => true },
          stderr: { write: (text: string) => (stderr += text) },
          env: { KIE_API_KEY: kie.apiKey },
          cwd: dir,
          runtime: { ...systemRuntime, resolve: resolver({ 'media.example': '127.0.0.1' }) },
        },
      );
      return { code, stderr };
    };
    const refused = await wait();
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("refused unless '--allow-private-downloads' is true");
    expect(await readdir(dir)).toEqual([]);
    expect((await wait('--allow-private-downloads')).code).toBe(0);
    expect(await readdir(dir)).toEqual(['a.png']);
  });
});

describe('the address rules', () => {
  it('allow private addresses when base-url itself resolves to one', async () => {
    const policy = addressPolicy({
      allowPrivate: false,
      baseUrl: 'https://gateway.corp',
      allowName: "'allow-private-downloads'",
      resolve: resolver({ 'gateway.corp': '10.1.2.3' }),
    });
    await expect(policy.checkLiteral(new URL('http://192.168.0.9/a'))).resolves.toBeUndefined();
    await expect(policy.checkLiteral(new URL('http://169.254.169.254/'))).rejects.toThrow(
      AddressRefused,
    );
  });

  it('read public addresses as public, and every non-global range as private', () => {
    expect(judgeAddress('8.8.8.8', false)).toEqual({ allowed: true });
    expect(judgeAddress('2606:4700::1111', false)).toEqual({ allowed: true });
    for (const address of ['::127.0.0.1', '64:ff9b::a00:5', '2002:a00:5::', '198.18.0.1']) {
      expect(judgeAddress(address, false).allowed).toBe(false);
      expect(judgeAddress(address, true).allowed).toBe(true);
    }
  });
});
