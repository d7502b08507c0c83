// Which addresses a download may connect to. Result URLs and redirects come from servers we do not
// control, and the runner may sit inside a cloud or a company network: link-local and cloud
// metadata addresses are never fetched, private and loopback ones only when base-url is itself on
// one (the local simulator, an on-premises gateway) or the user allows them. Names are judged by
// the addresses they resolve to, and the connection is pinned to the very addresses judged (a
// `lookup` on the socket), so a name cannot resolve to one address for the check and another for
// the connection.
import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { getProxyUrl } from '@actions/http-client/lib/proxy';
import ipaddr from 'ipaddr.js';

/** Every address a host name resolves to. */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true });

/** A URL the policy refused: the message names the URL, the rule, and what allows it, if anything. */
export class AddressRefused extends Error {
  override readonly name = 'AddressRefused';
}

type Verdict = { allowed: true } | { allowed: false; rule: string; always: boolean };

// Cloud metadata services outside the link-local range (Alibaba Cloud's; AWS's IPv6 endpoint).
const METADATA = new Set(['100.100.100.200', 'fd00:ec2::254']);
const NEVER = new Set(['unspecified', 'linkLocal', 'broadcast', 'multicast']);
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96');

/** What the rules say of one address (any spelling ipaddr.js reads; IPv4-mapped is read as IPv4). */
export function judgeAddress(text: string, allowPrivate: boolean): Verdict {
  const address = ipaddr.process(text.replace(/^\[(.*)\]$/, '$1'));
  if (METADATA.has(address.toString())) {
    return { allowed: false, rule: 'a cloud metadata address', always: true };
  }
  const range = address.range();
  if (NEVER.has(range)) {
    const kind = range === 'linkLocal' ? 'link-local' : range;
    return { allowed: false, rule: `a ${kind} address`, always: true };
  }
  if (range === 'unicast' && !(address.kind() === 'ipv6' && address.match(IPV4_COMPATIBLE))) {
    return { allowed: true };
  }
  if (allowPrivate) return { allowed: true };
  const kind = range === 'unicast' ? 'an IPv4-compatible' : `a ${words(range)}`;
  return { allowed: false, rule: `${kind} address`, always: false };
}

function words(range: string): string {
  if (range === 'carrierGradeNat') return 'carrier-grade NAT (100.64.0.0/10)';
  if (range === 'uniqueLocal') return 'unique local (private)';
  return range.replace(/[A-Z]/g, (letter) => ` ${letter.toLowerCase()}`);
}

export interface AddressPolicyOptions {
  /** The allow-private-downloads input. */
  allowPrivate: boolean;
  /** base-url: private and loopback downloads are allowed when it is on such an address itself. */
  baseUrl?: string;
  /** How messages name the input that allows private addresses. */
  allowName: string;
  resolve?: Resolver;
}

export interface AddressPolicy {
  /**
   * Throws AddressRefused for a URL whose host is a refused address literal (or `localhost`):
   * before any connection, proxied or not.
   */
  checkLiteral(url: URL): Promise<void>;
  /** For the socket's `lookup` option: resolves, judges every address, and connects to those. */
  lookup: (
    hostname: string,
    options: LookupOptions,
    callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void,
  ) => void;
}

export function addressPolicy(options: AddressPolicyOptions): AddressPolicy {
  const resolve = options.resolve ?? systemResolver;
  let privateAllowed: Promise<boolean> | undefined;
  const allowsPrivate = () =>
    (privateAllowed ??= options.allowPrivate
      ? Promise.resolve(true)
      : baseUrlIsPrivate(options, resolve));

  const refuse = (host: string, address: string, verdict: Verdict) => {
    if (verdict.allowed) return;
    const is = host === address ? `${host} is` : `${host} resolves to ${address},`;
    const remedy = verdict.always
      ? 'which is never downloaded from'
      : `refused unless ${options.allowName} is true`;
    throw new AddressRefused(`${is} ${verdict.rule}, ${remedy}`);
  };

  return {
    async checkLiteral(url) {
      const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
      const address = literalAddress(host);
      if (address === undefined) return;
      refuse(host, address, judgeAddress(address, await allowsPrivate()));
    },
    lookup(hostname, lookupOptions, callback) {
      const judged = async () => {
        const found = await resolve(hostname);
        const allowPrivate = await allowsPrivate();
        for (const { address } of found) {
          refuse(hostname, address, judgeAddress(address, allowPrivate));
        }
        const family =
          lookupOptions.family === 'IPv4'
            ? 4
            : lookupOptions.family === 'IPv6'
              ? 6
              : lookupOptions.family;
        const usable = family ? found.filter((entry) => entry.family === family) : found;
        if (usable.length === 0) {
          throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
            code: 'ENOTFOUND',
          });
        }
        return usable;
      };
      judged().then(
        (usable) =>
          lookupOptions.all
            ? callback(null, usable)
            : callback(null, usable[0]!.address, usable[0]!.family),
        (error: Error) => callback(error, lookupOptions.all ? [] : ''),
      );
    },
  };
}

/** The address a URL host stands for without any lookup: an IP literal, or localhost. */
function literalAddress(host: string): string | undefined {
  if (ipaddr.isValid(host)) return host;
  return /^(.+\.)?localhost\.?$/i.test(host) ? '127.0.0.1' : undefined;
}

async function baseUrlIsPrivate(options: AddressPolicyOptions, resolve: Resolver) {
  if (options.baseUrl === undefined) return false;
  const url = new URL(options.baseUrl);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const literal = literalAddress(host);
  const isPrivate = (address: string) => !judgeAddress(address, false).allowed;
  if (literal !== undefined) return isPrivate(literal);
  // Behind a proxy the runner may not resolve names at all: the proxy's network is not ours to judge.
  try {
    if (getProxyUrl(url)) return false;
    return (await resolve(host)).some(({ address }) => isPrivate(address));
  } catch {
    return false;
  }
}
