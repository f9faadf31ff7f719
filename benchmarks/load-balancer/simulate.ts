// A seeded discrete-event simulation of one client-side balancer in front of a cluster.
//
// Requests arrive as a Poisson process; the balancer picks an endpoint; the endpoint serves the request
// after a service time drawn from a lognormal distribution (its median and spread), either at once
// (unlimited concurrency) or through `workers` parallel servers with a FIFO queue. The response releases
// the lease with the request's latency (queueing + service), as a real client would.
import type { Clock, RandomSource, TimerHandle } from '@scaling/core';
import { seededRandom } from '@scaling/core';
import type { BalancerBase, BalancerOptions, Endpoint, Lease } from '@scaling/load-balancer';

export interface SimEndpoint {
  id: string;
  /** Median service time in ms. */
  medianMs: number;
  /** Lognormal σ of the service time. */
  sigma: number;
  /** Parallel workers; `Infinity` for no queueing. */
  workers: number;
  /** While `from ≤ t < to` (ms), service takes `stuckMs` instead. */
  stuck?: { fromMs: number; toMs: number; stuckMs: number };
}

export interface Scenario {
  id: string;
  title: string;
  rps: number;
  durationMs: number;
  endpoints: SimEndpoint[];
  /** The endpoint whose share is reported as "share to the slow endpoint". */
  slow: string;
}

export interface SimResult {
  requests: number;
  p50: number;
  p99: number;
  p999: number;
  /** Share of requests sent to the scenario's slow endpoint. */
  slowShare: number;
  /** Share of requests slower than 1 s. */
  over1s: number;
}

/** A clock the simulation drives: `now()` is simulated time. No timers are needed. */
class SimClock implements Clock {
  t = 0;
  now(): number {
    return this.t;
  }
  setTimeout(): TimerHandle {
    return {};
  }
  clearTimeout(): void {}
}

interface Req {
  arrival: number;
  ep: number;
  lease: Lease<Endpoint>;
}

/** Binary min-heap of completion events keyed by time. */
class EventHeap {
  t: number[] = [];
  r: Req[] = [];
  get size(): number {
    return this.t.length;
  }
  push(time: number, req: Req): void {
    const t = this.t;
    const r = this.r;
    let i = t.length;
    t.push(time);
    r.push(req);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((t[p] as number) <= time) break;
      t[i] = t[p] as number;
      r[i] = r[p] as Req;
      i = p;
    }
    t[i] = time;
    r[i] = req;
  }
  /** Removes the earliest event; returns its request (time in `lastTime`). */
  lastTime = 0;
  pop(): Req {
    const t = this.t;
    const r = this.r;
    const top = r[0] as Req;
    this.lastTime = t[0] as number;
    const lt = t.pop() as number;
    const lr = r.pop() as Req;
    const n = t.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const c = l + 1 < n && (t[l + 1] as number) < (t[l] as number) ? l + 1 : l;
        if ((t[c] as number) >= lt) break;
        t[i] = t[c] as number;
        r[i] = r[c] as Req;
        i = c;
      }
      t[i] = lt;
      r[i] = lr;
    }
    return top;
  }
}

function normal(random: RandomSource): number {
  // Box–Muller
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * Runs `scenario` with the balancer `make` builds. Same seed → same arrivals and service times for every
 * strategy (separate random streams for the cluster and the balancer).
 */
export function simulate(
  scenario: Scenario,
  make: (options: BalancerOptions<Endpoint>) => BalancerBase<Endpoint>,
  seed: number,
): SimResult {
  const clock = new SimClock();
  const eps = scenario.endpoints;
  const lb = make({ endpoints: eps.map((e) => ({ id: e.id })), clock, random: seededRandom(seed ^ 0x5bd1e995) });
  const index = new Map(eps.map((e, i) => [e.id, i]));
  const arrivals = seededRandom(seed);
  const service = seededRandom(seed + 1);
  const busy = new Int32Array(eps.length);
  const queues: Req[][] = eps.map(() => []);
  const heap = new EventHeap();
  const latencies = new Float64Array(Math.ceil(scenario.rps * (scenario.durationMs / 1000) * 1.2) + 1000);
  let done = 0;
  let toSlow = 0;
  const slowIndex = index.get(scenario.slow) ?? -1;
  const meanGap = 1000 / scenario.rps;
  let nextArrival = -Math.log(1 - arrivals()) * meanGap;

  const serviceTime = (e: SimEndpoint, t: number): number => {
    if (e.stuck !== undefined && t >= e.stuck.fromMs && t < e.stuck.toMs) return e.stuck.stuckMs;
    return e.medianMs * Math.exp(e.sigma * normal(service));
  };
  const start = (req: Req, t: number) => {
    const e = eps[req.ep] as SimEndpoint;
    busy[req.ep] = (busy[req.ep] as number) + 1;
    heap.push(t + serviceTime(e, t), req);
  };
  const finish = (req: Req, t: number) => {
    const latency = t - req.arrival;
    req.lease.release({ ok: true, latencyMs: latency });
    if (done < latencies.length) latencies[done] = latency;
    done++;
    busy[req.ep] = (busy[req.ep] as number) - 1;
    const q = queues[req.ep] as Req[];
    if (q.length > 0) start(q.shift() as Req, t);
  };

  for (;;) {
    const arrivalDue = nextArrival < scenario.durationMs;
    if (!arrivalDue && heap.size === 0) break;
    if (arrivalDue && (heap.size === 0 || nextArrival <= (heap.t[0] as number))) {
      const t = nextArrival;
      clock.t = t;
      const lease = lb.pick();
      const ep = index.get(lease.endpoint.id) as number;
      if (ep === slowIndex) toSlow++;
      const req: Req = { arrival: t, ep, lease };
      if ((busy[ep] as number) < (eps[ep] as SimEndpoint).workers) start(req, t);
      else (queues[ep] as Req[]).push(req);
      nextArrival = t - Math.log(1 - arrivals()) * meanGap;
    } else {
      const req = heap.pop();
      clock.t = heap.lastTime;
      finish(req, heap.lastTime);
    }
  }
  const n = Math.min(done, latencies.length);
  const sorted = latencies.subarray(0, n).sort();
  const q = (p: number) => sorted[Math.min(n - 1, Math.floor(p * n))] as number;
  let over = 0;
  for (let i = 0; i < n; i++) if ((sorted[i] as number) > 1000) over++;
  return {
    requests: done,
    p50: q(0.5),
    p99: q(0.99),
    p999: q(0.999),
    slowShare: toSlow / Math.max(done, 1),
    over1s: over / Math.max(n, 1),
  };
}

const range = (n: number, f: (i: number) => SimEndpoint) => Array.from({ length: n }, (_, i) => f(i));

/** The four scenarios of issue #6. `scale` < 1 shortens them for `--quick`. */
export function scenarios(scale = 1): Scenario[] {
  const dur = (ms: number) => Math.max(2_000, Math.round(ms * scale));
  return [
    {
      id: 'S1',
      title: 'S1: 11 endpoints ~167 ms, one stuck at 2 s for 30 of 60 s, 1,000 rps',
      rps: 1_000,
      durationMs: dur(60_000),
      slow: 'e0',
      endpoints: range(11, (i) => ({
        id: `e${i}`,
        medianMs: 167,
        sigma: 0.25,
        workers: Number.POSITIVE_INFINITY,
        ...(i === 0 ? { stuck: { fromMs: dur(15_000), toMs: dur(45_000), stuckMs: 2_000 } } : {}),
      })),
    },
    {
      id: 'S2',
      title: 'S2: 10 endpoints × 8 workers, one 10× slower, ~47 % load',
      // capacity: 9 × 8 / 10 ms + 8 / 100 ms = 7,280 rps; 47 % of it
      rps: Math.round(0.47 * 7_280),
      durationMs: dur(30_000),
      slow: 'e0',
      endpoints: range(10, (i) => ({ id: `e${i}`, medianMs: i === 0 ? 100 : 10, sigma: 0.35, workers: 8 })),
    },
    {
      id: 'S3',
      title: 'S3: homogeneous control, 10 endpoints × 8 workers, ~47 % load',
      rps: Math.round(0.47 * 8_000),
      durationMs: dur(30_000),
      slow: 'e0',
      endpoints: range(10, (i) => ({ id: `e${i}`, medianMs: 10, sigma: 0.35, workers: 8 })),
    },
    {
      id: 'S4',
      title: 'S4: 3 endpoints ~50 ms, one +200 ms, 300 rps',
      rps: 300,
      durationMs: dur(60_000),
      slow: 'e0',
      endpoints: range(3, (i) => ({
        id: `e${i}`,
        medianMs: i === 0 ? 250 : 50,
        sigma: 0.25,
        workers: Number.POSITIVE_INFINITY,
      })),
    },
  ];
}
