// A forward proxy, as on a self-hosted runner behind one: CONNECT tunnels for https, whole-URL
// requests for plain http. It alone resolves the host names it is given, so a download that
// reaches them went through it.
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterEach, beforeEach } from 'vitest';

const PROXY_VARIABLES = [
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
];

/** Clears the proxy variables before each test of the file or block, and restores them after. */
export function useCleanProxyEnvironment(): void {
  let saved: Record<string, string | undefined> = {};
  beforeEach(() => {
    saved = Object.fromEntries(PROXY_VARIABLES.map((name) => [name, process.env[name]]));
    for (const name of PROXY_VARIABLES) delete process.env[name];
  });
  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
}

export interface ProxiedRequest {
  method: string;
  /** The request target: a whole URL, or host:port for CONNECT. */
  target: string;
  headers: IncomingHttpHeaders;
}

export interface ProxyServer {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  requests: ProxiedRequest[];
  close(): Promise<void>;
}

export interface ProxyOptions {
  /** Host names the proxy resolves, and to which address. */
  hosts: Record<string, string>;
  /** Answer 407 to requests without this Proxy-Authorization. */
  requireAuthorization?: string;
}

export async function startProxyServer(options: ProxyOptions): Promise<ProxyServer> {
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<net.Socket>();
  const refused = (headers: IncomingHttpHeaders) =>
    options.requireAuthorization !== undefined &&
    headers['proxy-authorization'] !== options.requireAuthorization;
  const resolve = (host: string) => options.hosts[host];

  const server = createServer((req, res) => {
    requests.push({ method: req.method!, target: req.url!, headers: req.headers });
    if (refused(req.headers)) return void res.writeHead(407).end();
    const target = new URL(req.url!);
    const address = resolve(target.hostname);
    if (address === undefined) return void res.writeHead(502).end();
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    const upstream = request(
      { host: address, port: target.port, path: target.pathname + target.search, headers },
      (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    upstream.end();
  });

  server.on('connect', (req, client: net.Socket, head: Buffer) => {
    requests.push({ method: req.method!, target: req.url!, headers: req.headers });
    sockets.add(client);
    client.on('error', () => {}).on('close', () => sockets.delete(client));
    if (refused(req.headers))
      return void client.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
    const separator = req.url!.lastIndexOf(':');
    const address = resolve(req.url!.slice(0, separator));
    if (address === undefined) return void client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
    const upstream = net.connect(Number(req.url!.slice(separator + 1)), address, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('error', () => client.destroy()).on('close', () => sockets.delete(upstream));
    client.on('close', () => upstream.destroy());
  });

  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close() {
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy(); // tunnels are no longer the server's
      return new Promise((done, fail) => server.close((e) => (e ? fail(e) : done())));
    },
  };
}
