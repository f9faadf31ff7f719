import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createBalancedDispatcher, type DnsResolverLike, dnsDiscovery } from '../src/index.js';
import { closeAll } from './_servers.js';

const open: { close(): Promise<void> }[] = [];
afterEach(() => closeAll(open));

/** A resolver answering from mutable tables (a stand-in for a DNS server). */
function fakeResolver() {
  const table = {
    a: [] as { address: string; ttl: number }[],
    aaaa: [] as { address: string; ttl: number }[],
    srv: [] as { name: string; port: number; priority: number; weight: number }[],
    fail: undefined as Error | undefined,
  };
  const answer = async <T>(rows: T[]): Promise<T[]> => {
    if (table.fail) throw table.fail;
    return rows;
  };
  const resolver: DnsResolverLike = {
    resolve4: () => answer(table.a),
    resolve6: () => answer(table.aaaa),
    resolveSrv: () => answer(table.srv),
  };
  return { table, resolver };
}

/** node:http servers on 127.0.0.1, 127.0.0.2, … sharing one port, each answering its address. */
async function sameportServers(n: number): Promise<{ port: number }> {
  const servers: Server[] = [];
  let port = 0;
  for (let i = 1; i <= n; i++) {
    const host = `127.0.0.${i}`;
    const s = createServer((_req, res) => res.end(host));
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, host, resolve);
    });
    port = (s.address() as AddressInfo).port;
    servers.push(s);
  }
  open.push({
    close: async () => {
      for (const s of servers) s.closeAllConnections();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    },
  });
  return { port };
}

describe('DNS discovery', () => {
  it('follows A record changes, keeps state of addresses that stay, and the last good answer on errors', async () => {
    const { port } = await sameportServers(3);
    const { table, resolver } = fakeResolver();
    table.a = [
      { address: '127.0.0.1', ttl: 5 },
      { address: '127.0.0.2', ttl: 30 },
    ];
    const dispatcher = createBalancedDispatcher({ discover: dnsDiscovery({ hostname: 'orders.internal', port, resolver }) });
    open.push(dispatcher);
    await dispatcher.refresh();
    expect(dispatcher.discoveryRefreshMs).toBe(5_000);
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) seen.add(await (await request('http://orders/', { dispatcher })).body.text());
    const before = dispatcher.stats().endpoints[`http://127.0.0.2:${port}`];
    expect(before?.requests).toBeGreaterThan(0);

    table.a = [
      { address: '127.0.0.2', ttl: 30 },
      { address: '127.0.0.3', ttl: 30 },
    ];
    await dispatcher.refresh();
    expect(dispatcher.endpoints.map((e) => e.origin).sort()).toEqual([`http://127.0.0.2:${port}`, `http://127.0.0.3:${port}`]);
    expect(dispatcher.stats().endpoints[`http://127.0.0.2:${port}`]).toEqual(before);
    expect(dispatcher.discoveryRefreshMs).toBe(30_000);

    table.fail = Object.assign(new Error('queryA ESERVFAIL orders.internal'), { code: 'ESERVFAIL' });
    await dispatcher.refresh();
    expect(dispatcher.lastDiscoveryError).toBe(table.fail);
    expect(dispatcher.endpoints).toHaveLength(2);
    expect(['127.0.0.2', '127.0.0.3']).toContain(await (await request('http://orders/', { dispatcher })).body.text());

    table.fail = undefined;
    table.a = [];
    await dispatcher.refresh();
    expect(String(dispatcher.lastDiscoveryError)).toMatch(/No address records/);
    expect(dispatcher.endpoints).toHaveLength(2);
  });

  it('SRV: the lowest priority, weights from the records, a weight of 0 kept with a tiny share', async () => {
    const { table, resolver } = fakeResolver();
    table.srv = [
      { name: 'a.internal', port: 8080, priority: 10, weight: 60 },
      { name: 'b.internal', port: 8080, priority: 10, weight: 0 },
      { name: 'backup.internal', port: 8080, priority: 20, weight: 100 },
    ];
    const discover = dnsDiscovery({ hostname: '_http._tcp.orders.internal', srv: true, resolver });
    expect(await discover()).toEqual({
      endpoints: [
        { origin: 'http://a.internal:8080', weight: 60 },
        { origin: 'http://b.internal:8080', weight: 0.6 },
      ],
    });
    table.srv = [{ name: 'z.internal', port: 1, priority: 0, weight: 0 }];
    expect(await discover()).toEqual({ endpoints: [{ origin: 'http://z.internal:1', weight: 1 }] });
    table.srv = [];
    await expect(discover()).rejects.toThrow(/No SRV records/);
  });

  it('AAAA and both families; https default port', async () => {
    const { table, resolver } = fakeResolver();
    table.aaaa = [{ address: '::1', ttl: 2 }];
    expect(await dnsDiscovery({ hostname: 'x', family: 6, protocol: 'https', resolver })()).toEqual({
      endpoints: ['https://[::1]:443'],
      ttlMs: 2_000,
    });
    table.a = [{ address: '10.0.0.1', ttl: 9 }];
    expect(await dnsDiscovery({ hostname: 'x', family: 'any', port: 81, resolver })()).toEqual({
      endpoints: ['http://10.0.0.1:81', 'http://[::1]:81'],
      ttlMs: 2_000,
    });
  });

  it('rejects bad options', () => {
    expect(() => dnsDiscovery({ hostname: '' })).toThrow(/hostname/);
    expect(() => dnsDiscovery({ hostname: 'x', port: 0 })).toThrow(/port/);
    expect(() => dnsDiscovery({ hostname: 'x', port: 70_000 })).toThrow(/port/);
    expect(() => dnsDiscovery({ hostname: 'x', protocol: 'ftp' as never })).toThrow(/protocol/);
    expect(() => dnsDiscovery({ hostname: 'x', family: 5 as never })).toThrow(/family/);
    expect(() => dnsDiscovery({ hostname: 'x', ttl: 5 } as never)).toThrow(/ttl/);
    expect(() => dnsDiscovery({ hostname: 'x', servers: [] })).toThrow(/`servers` to be a non-empty array/);
    expect(() => dnsDiscovery({ hostname: 'x', servers: ['not an address'] })).toThrow(/`servers` to be DNS server addresses/);
    expect(() => dnsDiscovery({ hostname: 'x', servers: ['127.0.0.1:53'], resolver: {} as never })).toThrow(
      /either `servers` or `resolver`/,
    );
    expect(() => dnsDiscovery({ hostname: 'x', resolver: {} as never })).toThrow(/`resolver`/);
    expect(() => dnsDiscovery({ hostname: 'x', server: '127.0.0.1' } as never)).toThrow(/use `servers/);
    expect(typeof dnsDiscovery({ hostname: 'x', servers: ['127.0.0.1:5353', '[::1]:53'] })).toBe('function');
  });
});
