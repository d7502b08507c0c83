// One GET to a media host on @actions/http-client, the stack the API client uses: the runner's
// proxy (https_proxy, http_proxy, no_proxy), Node's TLS and CA store, and no credentials of ours.
import type { IncomingMessage, RequestOptions } from 'node:http';
import { HttpClient } from '@actions/http-client';
import { getProxyUrl } from '@actions/http-client/lib/proxy';
import { AddressRefused, type AddressPolicy } from '../net/address-policy.js';
import { USER_AGENT } from '../version.js';

/** A network or protocol failure: the connection, not the answer, went wrong. */
export class ConnectionError extends Error {
  constructor(
    message: string,
    /** False where trying again cannot help: a certificate, a proxy that says no. */
    readonly retryable = true,
  ) {
    super(message);
    this.name = 'ConnectionError';
  }
}

/**
 * Sends a GET for `url` and resolves with the response once its head is in, whatever its status
 * (redirects are the caller's, so it can check each hop). Aborting `signal` ends the request and
 * the body's stream. The host's address must pass `addresses` first: a literal before anything is
 * sent, a name as it is resolved for the connection (behind a proxy, the proxy resolves names).
 * Throws ConnectionError, AddressRefused, or the abort's error.
 */
export async function requestMedia(
  url: URL,
  signal: AbortSignal,
  addresses: AddressPolicy,
): Promise<IncomingMessage> {
  const proxy = proxyFor(url);
  await addresses.checkLiteral(url);
  const client = new HttpClient(
    USER_AGENT,
    [
      {
        prepareRequest: (options) => prepare(options, url, proxy, signal, addresses),
        canHandleAuthentication: () => false,
        handleAuthentication: () => Promise.reject(new Error('no authentication to media hosts')),
      },
    ],
    // The caller follows redirects and retries, by its own rules; one request a connection, as
    // downloads are few and large and nothing should stay open after them.
    { allowRedirects: false, allowRetries: false, keepAlive: false, socketTimeout: 0x7fffffff },
  );
  try {
    return (await client.get(url.href)).message;
  } catch (error) {
    throw asConnectionError(error as Error, proxy, signal);
  }
}

function prepare(
  options: RequestOptions,
  url: URL,
  proxy: URL | undefined,
  signal: AbortSignal,
  addresses: AddressPolicy,
) {
  options.signal = signal;
  // http-client passes URL.hostname on, which keeps an IPv6 literal's brackets.
  options.host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!proxy) options.lookup = addresses.lookup;
  if (proxy && url.protocol === 'http:') {
    // Plain http goes to the proxy as a whole-URL request rather than http-client's CONNECT
    // tunnel, which proxies such as Squid refuse by default for any port but 443.
    options.agent = false;
    options.host = proxy.hostname;
    options.port = Number(proxy.port) || 80;
    options.path = url.href.replace(/#.*$/, '');
    options.headers = { ...options.headers, host: url.host, ...proxyAuthorization(proxy) };
  }
}

/** The proxy for `url`, as http-client picks it; a variable that is no http(s) URL fails. */
function proxyFor(url: URL): URL | undefined {
  // Named by variable only: the value may hold a password.
  const invalid = () => {
    const variable = url.protocol === 'https:' ? 'https_proxy' : 'http_proxy';
    return new ConnectionError(`${variable} is not an http:// or https:// URL`, false);
  };
  let proxy: URL | undefined;
  try {
    proxy = getProxyUrl(url);
  } catch {
    throw invalid();
  }
  // http-client would go direct, without a word, for a value such as `proxy.corp:3128`.
  if (proxy !== undefined && !(['http:', 'https:'].includes(proxy.protocol) && proxy.hostname)) {
    throw invalid();
  }
  return proxy;
}

function proxyAuthorization(proxy: URL): Record<string, string> {
  if (!proxy.username && !proxy.password) return {};
  // getProxyUrl's URL gives the user name and password already decoded.
  const credentials = Buffer.from(`${proxy.username}:${proxy.password}`).toString('base64');
  return { 'proxy-authorization': `Basic ${credentials}` };
}

/** An error of the request as one line, and whether trying again could help. */
export function asConnectionError(
  error: Error,
  proxy: URL | undefined,
  signal: AbortSignal,
): Error {
  // An abort keeps its own reason, so the caller can tell it from a failure.
  if (signal.aborted) return signal.reason as Error;
  if (error instanceof AddressRefused) return error;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (/CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code)) {
    return new ConnectionError(`the server's certificate was refused: ${error.message}`, false);
  }
  if (code.startsWith('HPE_')) {
    return new ConnectionError(`invalid HTTP response: ${error.message}`, false);
  }
  // The `tunnel` package's words for a CONNECT the proxy answered with something else than 2xx.
  const refused = /tunneling socket could not be established, statusCode=(\d+)/.exec(error.message);
  if (refused && proxy) {
    const status = Number(refused[1]);
    return new ConnectionError(
      `the proxy ${proxy.host} refused the tunnel: HTTP ${status}`,
      status >= 500 || status === 408 || status === 429,
    );
  }
  return new ConnectionError(describeError(error));
}

/** A socket error as one line. A host whose every address refused gives an AggregateError with an empty message. */
function describeError(error: Error): string {
  if (error.message) return error.message;
  const causes = error instanceof AggregateError ? (error.errors as unknown[]) : [];
  const messages = causes.map((cause) => (cause instanceof Error ? cause.message : String(cause)));
  return messages.filter(Boolean).join('; ') || (error as NodeJS.ErrnoException).code || error.name;
}
