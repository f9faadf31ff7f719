import { type ChildProcess, fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Histogram } from '@scaling/core';
import { createBalancedDispatcher } from '@scaling/http-client';
import { BalancedPool, type Dispatcher, Pool } from 'undici';
import type { AreaContext, AreaReport, Chart, Ratio, Table } from '../_lib/types.js';

/**
 * `@scaling/http-client`'s `createBalancedDispatcher` against undici's `BalancedPool` (and a plain `Pool` to
 * one upstream) over real loopback HTTP: 4 upstreams, each its own process. Load comes from undici itself
 * (closed loop, N requests in flight, each run bounded in time) in this process, where the dispatcher under
 * test runs; peers take turns in every round (order rotated), and the figures are medians over rounds.
 *
 * (a) steady state: throughput at 32 in flight, and p50/p99 with one request at a time (the dispatcher's
 *     own cost, not queueing); (b) one upstream 10× slower (10 ms vs 1 ms): p99 at 16 in flight, Peak EWMA
 *     alone and with hedging after 5 ms, and for reference the ideal: the same dispatcher given only the 3 fast
 *     upstreams (what a balancer that never chose the slow one could reach on this machine at best);
 * (c) one upstream killed (SIGKILL) a third into the run: error rate at 16 in flight.
 */

interface Upstream {
  readonly origin: string;
  readonly child: ChildProcess;
  setDelay(ms: number): Promise<void>;
  kill(): Promise<void>;
}

async function upstream(delayMs: number): Promise<Upstream> {
  const child = fork(join(import.meta.dirname, '_upstream.mjs'), [], {
    env: { ...process.env, DELAY_MS: String(delayMs) },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port?: number }) => (m.port ? resolve(m.port) : reject(new Error('no port'))));
    child.once('error', reject);
  });
  return {
    origin: `http://127.0.0.1:${port}`,
    child,
    setDelay: (ms) =>
      new Promise<void>((resolve) => {
        child.once('message', () => resolve());
        child.send({ delayMs: ms });
      }),
    kill: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}

interface Run {
  ok: number;
  errors: number;
  rps: number;
  p50Us: number;
  p99Us: number;
  /** CPU time of this (client) process per request, µs: the dispatcher's own cost, robust to a loaded machine. */
  cpuUs: number;
}

/** Closed-loop load: `concurrency` workers sending GET / until `durationMs` is over. */
async function load(
  d: Dispatcher,
  origin: string,
  concurrency: number,
  durationMs: number,
  during?: { atMs: number; run: () => Promise<void> },
): Promise<Run> {
  const hist = new Histogram();
  let ok = 0;
  let errors = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const end = t0 + durationMs;
  const worker = async () => {
    while (performance.now() < end) {
      const start = performance.now();
      try {
        const res = await d.request({ origin, path: '/', method: 'GET' });
        await res.body.text();
        if (res.statusCode === 200) ok++;
        else errors++;
      } catch {
        errors++;
      }
      hist.record(performance.now() - start);
    }
  };
  const side = during
    ? new Promise<void>((resolve) => setTimeout(() => void during.run().then(resolve, resolve), during.atMs))
    : Promise.resolve();
  await Promise.all([...Array.from({ length: concurrency }, worker), side]);
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const n = Math.max(1, ok + errors);
  return {
    ok,
    errors,
    rps: (n / elapsed) * 1000,
    p50Us: hist.quantile(0.5) * 1000,
    p99Us: hist.quantile(0.99) * 1000,
    cpuUs: (cpu.user + cpu.system) / n,
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const rotate = <T>(xs: T[], k: number): T[] => xs.map((_, i) => xs[(i + k) % xs.length] as T);
const fmt = (n: number, digits = 0) => Number(n.toFixed(digits));

type Make = (origins: string[]) => Dispatcher;
const CONNECTIONS = 16;
const PEERS: Record<string, Make> = {
  'http-client (Peak EWMA)': (origins) => createBalancedDispatcher({ endpoints: origins, pool: { connections: CONNECTIONS } }),
  'undici BalancedPool': (origins) => new BalancedPool(origins, { connections: CONNECTIONS }),
  'undici Pool (1 upstream)': (origins) => new Pool(origins[0] as string, { connections: CONNECTIONS * 4 }),
};
const OURS = 'http-client (Peak EWMA)';
const HEDGED = 'http-client + hedging after 5 ms';
/** Only in (b): the same dispatcher with hedging, the remedy for one slow upstream. */
const makeHedged: Make = (origins) =>
  createBalancedDispatcher({ endpoints: origins, pool: { connections: CONNECTIONS }, hedge: { delay: 5 } });
const BP = 'undici BalancedPool';
/** Only in (b), a reference: the slow upstream left out altogether. */
const IDEAL = 'ideal: http-client over the 3 fast upstreams only';
const makeIdeal: Make = (origins) => createBalancedDispatcher({ endpoints: origins.slice(0, 3), pool: { connections: CONNECTIONS } });

export default async function run(ctx: AreaContext): Promise<AreaReport> {
  const quick = ctx.quick;
  const rounds = quick ? 1 : 5;
  const ms = quick ? { tput: 800, lat: 500, slow: 1_000, kill: 2_000 } : { tput: 3_000, lat: 1_500, slow: 3_000, kill: 4_000 };
  const load0 = loadavg()[0] ?? 0;
  const ups = await Promise.all([0, 1, 2, 3].map(() => upstream(0)));
  const origins = ups.map((u) => u.origin);
  const target = (name: string) => (name === OURS || name === HEDGED || name === IDEAL ? 'http://orders.internal' : (origins[0] as string));
  const results: Record<string, Record<string, Run[]>> = { tput: {}, lat: {}, slow: {}, kill: {} };
  const push = (scenario: string, peer: string, r: Run) => {
    const s = results[scenario] as Record<string, Run[]>;
    (s[peer] ??= []).push(r);
  };

  try {
    // (a) and (b) alternate the peers in short slices with every dispatcher alive (warm pools), so each
    // comparison is between slices a fraction of a second apart: load from other processes on the machine
    // drifts over seconds and would otherwise land on one peer more than the other.
    const alive = Object.fromEntries(Object.entries(PEERS).map(([name, make]) => [name, make(origins)])) as Record<string, Dispatcher>;
    alive[HEDGED] = makeHedged(origins);
    alive[IDEAL] = makeIdeal(origins);
    for (const [name, d] of Object.entries(alive)) await load(d, target(name), 16, 200);
    const slices = quick ? 2 : 3;
    for (let r = 0; r < rounds; r++) {
      // (a) steady state
      for (const u of ups) await u.setDelay(0);
      for (let k = 0; k < slices; k++) {
        for (const name of rotate(Object.keys(PEERS), r + k)) {
          ctx.progress(`round ${r + 1}/${rounds}: steady state, ${name}`);
          const d = alive[name] as Dispatcher;
          push('tput', name, await load(d, target(name), 32, ms.tput / slices));
          push('lat', name, await load(d, target(name), 1, ms.lat / slices));
        }
      }
      // (b) one upstream 10× slower
      for (const [i, u] of ups.entries()) await u.setDelay(i === 3 ? 10 : 1);
      for (let k = 0; k < slices; k++) {
        for (const name of rotate([OURS, HEDGED, BP, IDEAL], r + k)) {
          ctx.progress(`round ${r + 1}/${rounds}: one upstream 10× slower, ${name}`);
          push('slow', name, await load(alive[name] as Dispatcher, target(name), 16, ms.slow / slices));
        }
      }
      // (c) one upstream killed a third into the run (a fresh 4th upstream and dispatcher for each peer's run)
      for (const u of ups) await u.setDelay(1);
      for (const name of rotate([OURS, BP], r)) {
        ctx.progress(`round ${r + 1}/${rounds}: one upstream killed, ${name}`);
        const victim = await upstream(1);
        const list = [...origins.slice(0, 3), victim.origin];
        const d = (PEERS[name] as Make)(list);
        await load(d, target(name), 4, 100);
        push('kill', name, await load(d, target(name), 16, ms.kill, { atMs: ms.kill / 3, run: () => victim.kill() }));
        await d.close();
      }
    }
    for (const d of Object.values(alive)) await d.close();
  } finally {
    await Promise.all(ups.map((u) => u.kill()));
  }

  const med = (scenario: string, peer: string, f: (r: Run) => number) => median((results[scenario]?.[peer] ?? []).map(f));
  /** Median over rounds of a figure comparing the two peers' runs of the same round (robust to load drifting between rounds). */
  const paired = (scenario: string, f: (ours: Run, peer: Run) => number, ours = OURS) => {
    const a = results[scenario]?.[ours] ?? [];
    const b = results[scenario]?.[BP] ?? [];
    return median(a.map((r, i) => f(r, b[i] as Run)));
  };
  const errRate = (r: Run) => (r.errors / Math.max(1, r.ok + r.errors)) * 100;
  const tputRatio = paired('tput', (o, p) => o.rps / p.rps);
  const slicesNote = quick ? 2 : 3;
  const p50Diff = paired('lat', (o, p) => o.p50Us - p.p50Us);
  const cpuDiff = paired('tput', (o, p) => o.cpuUs - p.cpuUs);
  const p99Ratio = paired('slow', (o, p) => p.p99Us / o.p99Us);
  const p99RatioHedged = paired('slow', (o, p) => p.p99Us / o.p99Us, HEDGED);
  const p99RatioIdeal = paired('slow', (o, p) => p.p99Us / o.p99Us, IDEAL);
  const errOurs = med('kill', OURS, errRate);
  const errBp = med('kill', BP, errRate);
  const load1 = loadavg()[0] ?? 0;

  const tables: Table[] = [
    {
      title: '(a) steady state, 4 healthy upstreams',
      columns: ['peer', 'req/s (32 in flight)', 'client CPU µs/request', 'p50 µs (1 in flight)', 'p99 µs (1 in flight)'],
      rows: Object.keys(PEERS).map((p) => [
        p,
        fmt(med('tput', p, (r) => r.rps)),
        fmt(
          med('tput', p, (r) => r.cpuUs),
          1,
        ),
        fmt(med('lat', p, (r) => r.p50Us)),
        fmt(med('lat', p, (r) => r.p99Us)),
      ]),
      note: 'client CPU µs/request: CPU time of the benchmark process (load generator + dispatcher) per request — the dispatcher’s own cost, unlike wall-clock figures not inflated by other processes on the machine.',
    },
    {
      title: '(b) one upstream 10× slower (10 ms vs 1 ms), 16 in flight',
      columns: ['peer', 'req/s', 'p50 ms', 'p99 ms'],
      rows: [OURS, HEDGED, BP, IDEAL].map((p) => [
        p,
        fmt(med('slow', p, (r) => r.rps)),
        fmt(med('slow', p, (r) => r.p50Us) / 1000, 2),
        fmt(med('slow', p, (r) => r.p99Us) / 1000, 2),
      ]),
    },
    {
      title: '(c) one of 4 upstreams killed (SIGKILL) a third into the run, 16 in flight',
      columns: ['peer', 'requests', 'errors', 'error rate %'],
      rows: [OURS, BP].map((p) => [
        p,
        fmt(med('kill', p, (r) => r.ok + r.errors)),
        fmt(med('kill', p, (r) => r.errors)),
        fmt(med('kill', p, errRate), 3),
      ]),
      note: 'http-client runs with its defaults: retries on another endpoint (retry budget), outlier detection.',
    },
  ];
  const ratios: Ratio[] = [
    {
      name: 'steady-state req/s vs BalancedPool',
      ours: OURS,
      peer: BP,
      value: tputRatio,
      target: { op: '>=', value: 0.95 },
      headline: true,
    },
    {
      name: 'steady-state p50 overhead vs BalancedPool (µs, one request at a time)',
      ours: OURS,
      peer: BP,
      value: p50Diff,
      target: { op: '<=', value: 50 },
    },
    {
      name: 'client CPU per request, extra vs BalancedPool (µs)',
      ours: OURS,
      peer: BP,
      value: cpuDiff,
    },
    {
      name: 'p99 with one upstream 10× slower: BalancedPool / ours (×)',
      ours: OURS,
      peer: BP,
      value: p99Ratio,
      target: { op: '>=', value: 3 },
      headline: true,
    },
    {
      name: 'p99 with one upstream 10× slower: BalancedPool / ours with hedging after 5 ms (×)',
      ours: HEDGED,
      peer: BP,
      value: p99RatioHedged,
    },
    {
      name: 'p99 with one upstream 10× slower: BalancedPool / ideal (3 fast upstreams only) (×), the most any balancer could reach',
      ours: IDEAL,
      peer: BP,
      value: p99RatioIdeal,
    },
    {
      name: 'error rate with one upstream killed (ours, %)',
      ours: OURS,
      peer: BP,
      value: errOurs,
      target: { op: '<=', value: 0.1 },
    },
    { name: 'error rate with one upstream killed (BalancedPool, %)', ours: BP, peer: OURS, value: errBp },
  ];
  const charts: Chart[] = [
    {
      id: 'steady-throughput',
      title: 'Steady state: requests/s over 4 loopback upstreams (32 in flight)',
      kind: 'bar',
      xLabel: 'peer',
      yLabel: 'requests/s',
      data: Object.keys(PEERS).map((p) => ({ series: p, x: p, y: fmt(med('tput', p, (r) => r.rps)) })),
    },
    {
      id: 'slow-upstream-p99',
      title: 'One upstream 10× slower: p99 latency (ms)',
      kind: 'bar',
      xLabel: 'peer',
      yLabel: 'p99 ms',
      data: [OURS, HEDGED, BP, IDEAL].map((p) => ({ series: p, x: p, y: fmt(med('slow', p, (r) => r.p99Us) / 1000, 2) })),
    },
    {
      id: 'killed-upstream-errors',
      title: 'One upstream killed mid-run: error rate (%)',
      kind: 'bar',
      xLabel: 'peer',
      yLabel: 'error rate %',
      data: [OURS, BP].map((p) => ({ series: p, x: p, y: fmt(med('kill', p, errRate), 3) })),
    },
  ];
  return {
    area: 'http-client',
    title: 'http-client: balanced undici dispatcher vs undici BalancedPool',
    tables,
    ratios,
    charts,
    notes: [
      `4 upstreams, each a node:http server in its own process on loopback; load from undici in the benchmark process; (a) and (b): ${rounds} round(s) × ${slicesNote} slices per peer, peers alternating slice by slice with warm pools, medians over slices (ratios: medians of the adjacent slice pairs); (c): one run per peer per round, median over rounds. Load average ${load0.toFixed(2)} before, ${load1.toFixed(2)} after (2-core VM shared with other work).`,
    ],
  };
}
