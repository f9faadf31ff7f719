// DNS discovery against a real DNS server on a loopback port (dnsmasq, or dns2 when dnsmasq cannot be had;
// see scripts/integration/http-client-dns.mjs): records change mid-test and the dispatcher follows within the
// TTL (1 s) plus one refresh, keeping the balancer and outlier state of the endpoints that stayed.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PeakEwma } from '@scaling/load-balancer';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BalancedDispatcher, createBalancedDispatcher, dnsDiscovery, type HttpEndpoint } from '../src/index.js';
import { type DnsServer, startDns } from './_dns-server.js';

const available = Boolean(process.env.DNSMASQ_BIN || process.env.DNS2_MODULE);
const IPS = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];
const HOST = 'orders.scaling.test';
const SRV = '_http._tcp.orders.scaling.test';

let port = 0;
const servers: Server[] = [];
/** Addresses whose server answers 503 (for the outlier ejection). */
const failing = new Set<string>();
let dnsServer: DnsServer | undefined;

beforeAll(async () => {
  if (!available) return;
  // One HTTP server per loopback address, all on the same port (A records carry no port).
  for (const ip of IPS) {
    const s = createServer((req, res) => {
      if (failing.has(ip)) res.statusCode = 503;
      res.end(ip);
      req.resume();
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, ip, () => resolve());
    });
    port = (s.address() as AddressInfo).port;
    servers.push(s);
  }
});

afterAll(async () => {
  await dnsServer?.stop();
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
});

const origin = (ip: string) => `http://${ip}:${port}`;
const get = async (d: BalancedDispatcher) => {
  const res = await request('http://orders/', { dispatcher: d });
  return { status: res.statusCode, body: await res.body.text() };
};
async function within(ms: number, cond: () => boolean): Promise<number> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return performance.now() - t0;
}

describe.skipIf(!available)('DNS discovery against a real DNS server', () => {
  it('A records: follows a change within the TTL, keeps EWMA and outlier state of endpoints that stayed, keeps the last good list', async () => {
    dnsServer = await startDns({ a: { [HOST]: [IPS[0] as string, IPS[1] as string] } });
    console.log(`DNS server: ${dnsServer.kind} on ${dnsServer.address}`);
    const balancer = new PeakEwma<HttpEndpoint>();
    const dispatcher = createBalancedDispatcher({
      discover: dnsDiscovery({ hostname: HOST, port, servers: [dnsServer.address] }),
      balancer,
      retry: false,
      outlierDetection: { consecutiveFailures: 1, baseEjectionTimeMs: 60_000, successRate: false, failurePercentage: false },
    });
    try {
      const changes: unknown[] = [];
      dispatcher.on('endpointsChanged', (e) => changes.push(e));
      await dispatcher.refresh();
      expect(dispatcher.endpoints.map((e) => e.origin).sort()).toEqual([origin('127.0.0.1'), origin('127.0.0.2')]);
      expect(dispatcher.discoveryRefreshMs).toBe(1_000); // TTL 1 s

      // .2 fails once and is ejected; .1 serves and builds EWMA state.
      failing.add('127.0.0.2');
      for (let i = 0; i < 6; i++) await get(dispatcher);
      failing.delete('127.0.0.2');
      const before = dispatcher.stats().endpoints;
      expect(before[origin('127.0.0.2')]).toMatchObject({ ejected: true, ejections: 1 });
      const entry2 = balancer.endpoints.find((e) => e.id === origin('127.0.0.2'));

      // The records change: .1 leaves, .3 joins, .2 stays.
      await dnsServer.set({ a: { [HOST]: [IPS[1] as string, IPS[2] as string] } });
      const took = await within(4_000, () => dispatcher.endpoints.some((e) => e.origin === origin('127.0.0.3')));
      console.log(`dispatcher followed the record change in ${Math.round(took)} ms (TTL 1 s + refresh)`);
      expect(dispatcher.endpoints.map((e) => e.origin).sort()).toEqual([origin('127.0.0.2'), origin('127.0.0.3')]);
      const after = dispatcher.stats().endpoints;
      expect(after[origin('127.0.0.2')]).toEqual(before[origin('127.0.0.2')]);
      expect(balancer.endpoints.find((e) => e.id === origin('127.0.0.2'))).toBe(entry2);
      expect(after[origin('127.0.0.3')]).toMatchObject({ requests: 0, ejected: false });
      // .2 is still ejected: everything goes to .3.
      for (let i = 0; i < 5; i++) expect((await get(dispatcher)).body).toBe('127.0.0.3');
      expect(changes.at(-1)).toEqual({
        added: [origin('127.0.0.3')],
        removed: [origin('127.0.0.1')],
        endpoints: [origin('127.0.0.2'), origin('127.0.0.3')],
      });

      // The DNS server goes away: the last good list stays.
      await dnsServer.stop();
      dnsServer = undefined;
      await dispatcher.refresh();
      expect(dispatcher.lastDiscoveryError).toBeDefined();
      expect(dispatcher.endpoints.map((e) => e.origin).sort()).toEqual([origin('127.0.0.2'), origin('127.0.0.3')]);
      expect((await get(dispatcher)).status).toBe(200);
    } finally {
      await dispatcher.close();
    }
  }, 30_000);

  it('SRV records: the lowest priority with its weights; a change is followed', async () => {
    dnsServer = await startDns({
      a: { [HOST]: ['127.0.0.1'] },
      srv: {
        [SRV]: [
          { target: '127.0.0.1', port, priority: 0, weight: 10 },
          { target: '127.0.0.2', port, priority: 0, weight: 30 },
          { target: '127.0.0.3', port, priority: 1, weight: 10 },
        ],
      },
    });
    const dispatcher = createBalancedDispatcher({
      discover: dnsDiscovery({ hostname: SRV, srv: true, servers: [dnsServer.address] }),
      discoverIntervalMs: 200,
    });
    try {
      await dispatcher.refresh();
      expect(dispatcher.endpoints.sort((x, y) => x.origin.localeCompare(y.origin))).toEqual([
        { id: origin('127.0.0.1'), origin: origin('127.0.0.1'), weight: 10 },
        { id: origin('127.0.0.2'), origin: origin('127.0.0.2'), weight: 30 },
      ]);
      for (let i = 0; i < 4; i++) expect((await get(dispatcher)).status).toBe(200);
      const kept = dispatcher.stats().endpoints[origin('127.0.0.2')];
      await dnsServer.set({
        a: { [HOST]: ['127.0.0.1'] },
        srv: {
          [SRV]: [
            { target: '127.0.0.2', port, priority: 0, weight: 30 },
            { target: '127.0.0.3', port, priority: 0, weight: 10 },
          ],
        },
      });
      await within(4_000, () => dispatcher.endpoints.some((e) => e.origin === origin('127.0.0.3')));
      expect(dispatcher.endpoints.map((e) => e.origin).sort()).toEqual([origin('127.0.0.2'), origin('127.0.0.3')]);
      expect(dispatcher.stats().endpoints[origin('127.0.0.2')]).toEqual(kept);
    } finally {
      await dispatcher.close();
      await dnsServer.stop();
      dnsServer = undefined;
    }
  }, 30_000);
});
