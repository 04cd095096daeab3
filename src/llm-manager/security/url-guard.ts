import { Inject, Injectable } from '@nestjs/common';
import dns, { type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { LlmManagerError } from '../common/llm-manager.error';
import { LLM_MANAGER_RESOLVED_OPTIONS } from '../llm-manager.constants';
import type { ResolvedLlmManagerOptions } from '../llm-manager.options';

/** Why an address is not public. */
export type AddressClass = 'unspecified' | 'loopback' | 'private' | 'link-local' | 'shared' | 'multicast' | 'reserved';

const CLASS_LABEL: Record<AddressClass, string> = {
  unspecified: 'the unspecified address (this host)',
  loopback: 'a loopback address',
  private: 'a private-network address',
  'link-local': 'a link-local address (the range of cloud metadata services such as 169.254.169.254)',
  shared: 'a carrier-grade NAT (100.64.0.0/10) address',
  multicast: 'a multicast address',
  reserved: 'a reserved, non-public address',
};

type Range = readonly [network: string, prefix: number, addressClass: AddressClass];

const IPV4_RANGES: readonly Range[] = [
  ['0.0.0.0', 8, 'unspecified'],
  ['127.0.0.0', 8, 'loopback'],
  ['10.0.0.0', 8, 'private'],
  ['172.16.0.0', 12, 'private'],
  ['192.168.0.0', 16, 'private'],
  ['169.254.0.0', 16, 'link-local'],
  ['100.64.0.0', 10, 'shared'],
  ['224.0.0.0', 4, 'multicast'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'reserved'],
  ['192.88.99.0', 24, 'reserved'],
  ['198.18.0.0', 15, 'reserved'],
  ['198.51.100.0', 24, 'reserved'],
  ['203.0.113.0', 24, 'reserved'],
  ['240.0.0.0', 4, 'reserved'],
];

// Ranges that embed an IPv4 address (mapped, NAT64, 6to4) are classified by that address before these apply.
const IPV6_RANGES: readonly Range[] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['::', 96, 'reserved'],
  ['fc00::', 7, 'private'],
  ['fec0::', 10, 'private'],
  ['64:ff9b:1::', 48, 'private'],
  ['fe80::', 10, 'link-local'],
  ['ff00::', 8, 'multicast'],
  ['100::', 64, 'reserved'],
  ['2001::', 23, 'reserved'],
  ['2001:db8::', 32, 'reserved'],
  ['3fff::', 20, 'reserved'],
];

function blockLists(ranges: readonly Range[], family: 'ipv4' | 'ipv6'): Array<[BlockList, AddressClass]> {
  return ranges.map(([network, prefix, addressClass]) => {
    const list = new BlockList();
    list.addSubnet(network, prefix, family);
    return [list, addressClass];
  });
}

const IPV4_LISTS = blockLists(IPV4_RANGES, 'ipv4');
const IPV6_LISTS = blockLists(IPV6_RANGES, 'ipv6');
/** Global unicast: any IPv6 address outside it and the embedding ranges is not public. */
const IPV6_GLOBAL = blockLists([['2000::', 3, 'reserved']], 'ipv6')[0][0];

/** Eight 16-bit groups of a valid IPv6 address (one `isIP()` accepted), a trailing dotted quad included. */
function ipv6Groups(address: string): number[] {
  const hex = address.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_match, a: string, b: string, c: string, d: string) =>
    `${((Number(a) << 8) | Number(b)).toString(16)}:${((Number(c) << 8) | Number(d)).toString(16)}`,
  );
  const [head, tail] = hex.split('::');
  const parse = (part: string | undefined): number[] => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const front = parse(head);
  const back = parse(tail);
  return tail === undefined ? front : [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}

/** The IPv4 address an IPv6 one stands for (IPv4-mapped, IPv4-translated, NAT64 64:ff9b::/96, 6to4), if any. */
function embeddedIpv4(address: string): string | undefined {
  const g = ipv6Groups(address);
  const quad = (high: number, low: number): string => [high >> 8, high & 255, low >> 8, low & 255].join('.');
  const zeros = (from: number, to: number): boolean => g.slice(from, to).every((group) => group === 0);
  if (zeros(0, 5) && g[5] === 0xffff) return quad(g[6], g[7]);
  if (zeros(0, 4) && g[4] === 0xffff && g[5] === 0) return quad(g[6], g[7]);
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return quad(g[6], g[7]);
  if (g[0] === 0x2002) return quad(g[1], g[2]);
  return undefined;
}

/** The non-public class of an IP address, or null when it is public. Anything that is not an IP is 'reserved'. */
export function classifyAddress(address: string): AddressClass | null {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 4) return IPV4_LISTS.find(([list]) => list.check(bare, 'ipv4'))?.[1] ?? null;
  if (family !== 6) return 'reserved';
  const ipv4 = embeddedIpv4(bare);
  if (ipv4 !== undefined) return classifyAddress(ipv4);
  const listed = IPV6_LISTS.find(([list]) => list.check(bare, 'ipv6'));
  if (listed) return listed[1];
  return IPV6_GLOBAL.check(bare, 'ipv6') ? null : 'reserved';
}

/** DNS behind an injectable, so tests can answer for names that do not exist (and change the answer). */
@Injectable()
export class HostResolver {
  lookup(hostname: string): Promise<LookupAddress[]> {
    return dns.promises.lookup(hostname, { all: true, verbatim: true });
  }
}

function familyNumber(family: number | string | undefined): 0 | 4 | 6 {
  if (family === 4 || family === 'IPv4') return 4;
  if (family === 6 || family === 'IPv6') return 6;
  return 0;
}

/** `localhost` and `*.localhost` are loopback by definition (RFC 6761), whatever a resolver would say. */
const LOCALHOST_NAME = /(^|\.)localhost\.?$/i;

/** Resolver failures that mean "this name has no address": nothing can be reached, so nothing is refused. */
const NO_ADDRESS_CODES = new Set(['ENOTFOUND', 'ENODATA', 'EAI_NONAME', 'EAI_NODATA', 'EAI_AGAIN', 'ESERVFAIL', 'ETIMEOUT']);

/**
 * B8: base URLs that users (not admins) give may not reach loopback, private, link-local or other non-public
 * addresses unless the operator sets `allowPrivateBaseUrls` (`LLM_ALLOW_PRIVATE_BASE_URLS=true`).
 *
 * `assertAllowed()` fails fast when a URL is saved. A name can change its answer after that (DNS rebinding), so each
 * guarded request resolves the name once more with `connectAddress()` and connects to the very address that was
 * checked; each redirect hop does the same (see UpstreamHttp). `lookup` backs this up as the lookup of the guarded
 * agents: a socket opened by name through them is checked too.
 */
@Injectable()
export class UrlGuard {
  constructor(
    @Inject(LLM_MANAGER_RESOLVED_OPTIONS) private readonly options: Pick<ResolvedLlmManagerOptions, 'allowPrivateBaseUrls'>,
    private readonly resolver: HostResolver,
  ) {}

  /** False when the operator allows private base URLs: then the guard lets everything through. */
  get enforced(): boolean {
    return !this.options.allowPrivateBaseUrls;
  }

  /** The non-public class of an address, or null when it is public. */
  classify(address: string): AddressClass | null {
    return classifyAddress(address);
  }

  /**
   * Refuses `url` when its host is, or resolves to, any non-public address. A name that does not resolve passes:
   * it reaches nothing now, and the connection checks again whatever it resolves to later.
   * @throws LlmManagerError `URL_NOT_ALLOWED`
   */
  async assertAllowed(url: string): Promise<void> {
    if (!this.enforced) return;
    const parsed = this.parse(url);
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    const family = isIP(host);
    if (family) return this.assertAnswers(parsed.hostname, [{ address: host, family }], true);
    let answers: LookupAddress[];
    try {
      answers = await this.resolve(host);
    } catch (error) {
      if (NO_ADDRESS_CODES.has(String((error as { code?: unknown }).code))) return;
      throw error;
    }
    this.assertAnswers(parsed.hostname, answers, false);
  }

  /**
   * The address a guarded request connects to: the host's IP literal, or the first answer for its name, after
   * every answer passed. Connecting to this address (not to the name again) is what makes the check hold against
   * DNS rebinding: there is no second lookup for an attacker's name server to answer differently.
   * @throws LlmManagerError `URL_NOT_ALLOWED`; the resolver's error when the name does not resolve.
   */
  async connectAddress(url: URL): Promise<LookupAddress> {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw this.badScheme(url);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const family = isIP(host);
    const answers: LookupAddress[] = family ? [{ address: host, family }] : await this.resolve(host);
    if (this.enforced) this.assertAnswers(url.hostname, answers, family !== 0);
    if (answers.length === 0) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return answers[0];
  }

  /** A `net.connect` lookup that resolves through `HostResolver` and fails the socket if any answer is not public. */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    const fail = (error: NodeJS.ErrnoException): void => callback(error, '', 0);
    this.resolve(hostname).then((answers) => {
      const refused = this.enforced ? this.refusalFor(hostname, answers, false) : undefined;
      if (refused) return fail(refused);
      const family = familyNumber(options.family);
      const usable = family === 0 ? answers : answers.filter((answer) => answer.family === family);
      if (usable.length === 0) return fail(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }));
      if (options.all) return callback(null, usable);
      callback(null, usable[0].address, usable[0].family);
    }, (error: unknown) => fail(error instanceof Error ? error : new Error(String(error))));
  };

  private resolve(host: string): Promise<LookupAddress[]> {
    if (LOCALHOST_NAME.test(host)) return Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
    return this.resolver.lookup(host);
  }

  private assertAnswers(hostname: string, answers: readonly LookupAddress[], literal: boolean): void {
    const refused = this.refusalFor(hostname, answers, literal);
    if (refused) throw refused;
  }

  private refusalFor(hostname: string, answers: readonly LookupAddress[], literal: boolean): LlmManagerError | undefined {
    // One bad answer is enough: the client may pick any of them, and whoever runs the name controls the order.
    for (const answer of answers) {
      const addressClass = this.classify(answer.address);
      if (addressClass === null) continue;
      const what = literal ? `${hostname} is ${CLASS_LABEL[addressClass]}` : `${hostname} resolves to ${CLASS_LABEL[addressClass]}`;
      return this.refusal(what, hostname, addressClass);
    }
    return undefined;
  }

  private parse(url: string): URL {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch (error) {
      throw new LlmManagerError('URL_NOT_ALLOWED', 'The base URL is not a valid URL; use the form https://host/v1.', { cause: error });
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw this.badScheme(parsed);
    return parsed;
  }

  private badScheme(url: URL): LlmManagerError {
    return new LlmManagerError('URL_NOT_ALLOWED', `Only http and https base URLs are allowed, not ${url.protocol.replace(':', '')}.`);
  }

  // Only the host goes into the message: URLs may carry credentials (user:pass@), and the resolved address of a
  // name would tell users about the server's internal network.
  private refusal(what: string, host: string, addressClass: AddressClass): LlmManagerError {
    return new LlmManagerError(
      'URL_NOT_ALLOWED',
      `Base URL refused: ${what}. Platforms added by users may not reach loopback, private, link-local or other ` +
        "non-public addresses. Use the provider's public address, or ask the operator to set " +
        'LLM_ALLOW_PRIVATE_BASE_URLS=true (option allowPrivateBaseUrls) if private endpoints are intended.',
      { details: { host, addressClass } },
    );
  }
}
