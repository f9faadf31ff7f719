// DNS endpoint discovery: `dnsDiscovery()`, a `discover` callback resolving A/AAAA or SRV records into an
// endpoint list whose refresh follows the records' TTL.
import { promises as dns } from 'node:dns';
import { assertOptions, assertPositiveInteger, describeValue } from '@scaling/core/internal';
import type { DiscoveryAnswer, HttpEndpointInput } from './types.js';

/** An A or AAAA record as `node:dns` returns it with `{ ttl: true }`. */
export interface DnsAddressRecord {
  /** The IPv4 or IPv6 address. */
  address: string;
  /** Time to live, seconds. */
  ttl: number;
}

/** An SRV record as `node:dns` returns it (RFC 2782). */
export interface DnsSrvRecord {
  /** The target host. */
  name: string;
  /** The target port. */
  port: number;
  /** Lower is preferred. */
  priority: number;
  /** Relative weight among records of the same priority. */
  weight: number;
}

/** The resolver calls {@link dnsDiscovery} makes (a `node:dns` `promises.Resolver` has them all). */
export interface DnsResolverLike {
  /** A records with their TTLs (seconds). */
  resolve4(hostname: string, options: { ttl: true }): Promise<DnsAddressRecord[]>;
  /** AAAA records with their TTLs (seconds). */
  resolve6(hostname: string, options: { ttl: true }): Promise<DnsAddressRecord[]>;
  /** SRV records. */
  resolveSrv(hostname: string): Promise<DnsSrvRecord[]>;
}

/** Options of {@link dnsDiscovery}. */
export interface DnsDiscoveryOptions {
  /** The name to resolve: a host name (A/AAAA) or, with `srv: true`, an SRV name like `_http._tcp.orders.internal`. */
  hostname: string;
  /** Port of the A/AAAA endpoints (SRV records carry their own). Default 80 (443 with `protocol: 'https'`). */
  port?: number;
  /** Scheme of the endpoints. Default `'http'`. */
  protocol?: 'http' | 'https';
  /** Which address records: 4 (A), 6 (AAAA) or `'any'` (both; fails only when both fail). Default 4. */
  family?: 4 | 6 | 'any';
  /** Resolve SRV records: the lowest priority's targets, weighted by the records' weights. Default `false`. */
  srv?: boolean;
  /**
   * DNS servers to ask, as `node:dns` `Resolver.setServers()` takes them (`'10.0.0.53'`, `'127.0.0.1:5353'`,
   * `'[::1]:5353'`): a private `Resolver` is made for them; the process's own DNS settings are untouched.
   * Not with `resolver`. Default: the system's servers.
   */
  servers?: readonly string[];
  /** The resolver. Default a new `node:dns` `promises.Resolver` (the system's servers, or `servers`). */
  resolver?: DnsResolverLike;
}

const origin = (protocol: string, host: string, port: number): string => `${protocol}://${host.includes(':') ? `[${host}]` : host}:${port}`;

/**
 * A discovery source for {@link BalancedDispatcherOptions.discover} resolving DNS records: A/AAAA records
 * (their smallest TTL decides when the dispatcher asks again) or SRV records (the lowest priority's targets,
 * their weights as endpoint weights per RFC 2782 — a weight of 0 gets 1 % of the smallest positive one).
 * A resolver error or an empty answer rejects, so the dispatcher keeps the last good list.
 *
 * @throws {TypeError}/{@link RangeError} on a bad or unknown option, a malformed server address, or both
 *   `servers` and `resolver`.
 * @example
 * ```ts no-run
 * import { createBalancedDispatcher, dnsDiscovery } from '@scaling/http-client';
 * const dispatcher = createBalancedDispatcher({ discover: dnsDiscovery({ hostname: 'orders.internal', port: 8080 }) });
 * // A specific DNS server (e.g. a local dnsmasq or Consul's DNS interface on 8600):
 * const viaConsul = dnsDiscovery({ hostname: 'orders.service.consul', port: 8080, servers: ['127.0.0.1:8600'] });
 * ```
 */
export function dnsDiscovery(options: DnsDiscoveryOptions): () => Promise<DiscoveryAnswer> {
  assertOptions('dnsDiscovery', options, ['hostname', 'port', 'protocol', 'family', 'srv', 'servers', 'resolver'], {
    server: 'use `servers: [address]`',
    nameservers: 'use `servers`',
  });
  const { hostname, protocol = 'http', family = 4, srv = false } = options;
  if (typeof hostname !== 'string' || hostname === '')
    throw new TypeError(`Expected \`hostname\` to be a host name, got ${describeValue(hostname)}`);
  if (protocol !== 'http' && protocol !== 'https')
    throw new TypeError(`Expected \`protocol\` to be 'http' or 'https', got ${describeValue(protocol)}`);
  if (family !== 4 && family !== 6 && family !== 'any')
    throw new TypeError(`Expected \`family\` to be 4, 6 or 'any', got ${describeValue(family)}`);
  const port = options.port ?? (protocol === 'https' ? 443 : 80);
  assertPositiveInteger('port', port);
  if (port > 65_535) throw new RangeError(`Expected \`port\` to be at most 65535, got ${port}`);
  const { servers } = options;
  if (servers !== undefined) {
    if (!Array.isArray(servers) || servers.length === 0 || servers.some((x) => typeof x !== 'string' || x === ''))
      throw new TypeError(
        `Expected \`servers\` to be a non-empty array of server addresses like "127.0.0.1:5353", got ${describeValue(servers)}`,
      );
    if (options.resolver !== undefined) throw new TypeError('Expected either `servers` or `resolver`, got both');
  }
  let resolver: DnsResolverLike;
  if (options.resolver !== undefined) {
    const r = options.resolver;
    if (typeof r !== 'object' || r === null || typeof r.resolve4 !== 'function' || typeof r.resolveSrv !== 'function')
      throw new TypeError(
        `Expected \`resolver\` to be a node:dns promises Resolver (resolve4, resolve6, resolveSrv), got ${describeValue(r)}`,
      );
    resolver = r;
  } else {
    const r = new dns.Resolver();
    if (servers !== undefined) {
      try {
        r.setServers(servers as string[]);
      } catch (error) {
        throw new TypeError(`Expected \`servers\` to be DNS server addresses like "127.0.0.1:5353", got ${describeValue(servers)}`, {
          cause: error,
        });
      }
    }
    resolver = r;
  }
  if (srv) {
    return async () => {
      const records = await resolver.resolveSrv(hostname);
      if (records.length === 0) throw new Error(`No SRV records for ${hostname}`);
      const best = Math.min(...records.map((r) => r.priority));
      const chosen = records.filter((r) => r.priority === best);
      const positive = chosen.filter((r) => r.weight > 0).map((r) => r.weight);
      const zero = positive.length === 0 ? 1 : Math.min(...positive) / 100;
      const seen = new Set<string>();
      const endpoints: HttpEndpointInput[] = [];
      for (const r of chosen) {
        const o = origin(protocol, r.name, r.port);
        if (seen.has(o)) continue;
        seen.add(o);
        endpoints.push({ origin: o, weight: r.weight > 0 ? r.weight : zero });
      }
      return { endpoints };
    };
  }
  return async () => {
    const lookups: Promise<DnsAddressRecord[]>[] = [];
    if (family !== 6) lookups.push(resolver.resolve4(hostname, { ttl: true }));
    if (family !== 4) lookups.push(resolver.resolve6(hostname, { ttl: true }));
    const settled = await Promise.allSettled(lookups);
    const records = settled.flatMap((s) => (s.status === 'fulfilled' ? s.value : []));
    if (records.length === 0) {
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      throw failed?.reason ?? new Error(`No address records for ${hostname}`);
    }
    const endpoints = [...new Set(records.map((r) => origin(protocol, r.address, port)))];
    return { endpoints, ttlMs: Math.min(...records.map((r) => r.ttl)) * 1000 };
  };
}
