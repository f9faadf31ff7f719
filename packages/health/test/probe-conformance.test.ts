// One conformance suite run against every probe: pass with a latency in ms when the target is up,
// reject when it is down, reject with the signal's reason when aborted, never resolve after an abort.
import { getEventListeners } from 'node:events';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CheckFunction, httpProbe, pgProbe, redisProbe, tcpProbe } from '../src/index.js';
import { close, listen } from './_http.js';

interface ProbeFixture {
  up(): CheckFunction;
  down(): CheckFunction;
  /** A target that never answers. */
  hanging(): CheckFunction;
}

let upPort = 0;
let hangPort = 0;
let deadPort = 0;
const servers: Server[] = [];
beforeAll(async () => {
  const up = createServer((_req, res) => res.end('ok'));
  const hang = createServer(() => {});
  const dead = createServer();
  servers.push(up, hang);
  upPort = await listen(up);
  hangPort = await listen(hang);
  deadPort = await listen(dead);
  await close(dead);
});
afterAll(async () => {
  await Promise.all(servers.map(close));
});

const never = () => new Promise<never>(() => {});
const fixtures: Record<string, ProbeFixture> = {
  httpProbe: {
    up: () => httpProbe({ url: `http://127.0.0.1:${upPort}/` }),
    down: () => httpProbe({ url: `http://127.0.0.1:${deadPort}/` }),
    hanging: () => httpProbe({ url: `http://127.0.0.1:${hangPort}/`, timeoutMs: 60_000 }),
  },
  tcpProbe: {
    up: () => tcpProbe({ host: '127.0.0.1', port: upPort }),
    down: () => tcpProbe({ host: '127.0.0.1', port: deadPort }),
    // a connect that never completes cannot be made on loopback (a blackholed address is off-limits);
    // the abort below lands synchronously, before the connect can complete
    hanging: () => tcpProbe({ host: '127.0.0.1', port: hangPort }),
  },
  pgProbe: {
    up: () => pgProbe({ query: async () => ({ rows: [] }) }),
    down: () => pgProbe({ query: () => Promise.reject(new Error('ECONNREFUSED')) }),
    hanging: () => pgProbe({ query: never }),
  },
  redisProbe: {
    up: () => redisProbe({ ping: async () => 'PONG' }),
    down: () => redisProbe({ ping: () => Promise.reject(new Error('ECONNREFUSED')) }),
    hanging: () => redisProbe({ ping: never }),
  },
};

for (const [name, f] of Object.entries(fixtures)) {
  describe(`${name} conformance`, () => {
    it('passes with a latency in ms when the target is up', async () => {
      const r = await Promise.resolve(f.up()(new AbortController().signal));
      expect(r).toMatchObject({ status: 'pass', observedUnit: 'ms' });
      expect((r as { observedValue: number }).observedValue).toBeGreaterThanOrEqual(0);
    });

    it('rejects when the target is down', async () => {
      await expect(Promise.resolve(f.down()(new AbortController().signal))).rejects.toThrow();
    });

    it('rejects with the reason when its signal is already aborted', async () => {
      const ac = new AbortController();
      ac.abort(new Error('stopped early'));
      await expect(Promise.resolve(f.up()(ac.signal))).rejects.toThrow('stopped early');
    });

    it('leaves no abort listener on the monitor’s signal once it settled, up or down (counted)', async () => {
      const ac = new AbortController();
      await Promise.resolve(f.up()(ac.signal));
      await Promise.resolve(f.down()(ac.signal)).catch(() => {});
      expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    });

    it('rejects with the reason when aborted while waiting', async () => {
      const ac = new AbortController();
      const p = Promise.resolve(f.hanging()(ac.signal));
      ac.abort(new Error('timed out'));
      const settled = await p.then(
        (v) => ({ ok: true, v }),
        (e: unknown) => ({ ok: false, e }),
      );
      expect(settled).toMatchObject({ ok: false, e: expect.objectContaining({ message: 'timed out' }) });
    });
  });
}
