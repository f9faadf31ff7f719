// Admission-control simulation in virtual time (ManualClock, synchronous): a service whose latency grows with
// concurrency, offered 0.5×…4× its capacity, without a limiter and behind ConcurrencyLimiter (Gradient2, AIMD).
import { ManualClock, seededRandom } from '@scaling/core';
import { ConcurrencyLimiter } from '@scaling/rate-limit';

export interface SimResult {
  /** Requests answered within the client timeout, per second of virtual time (after warm-up). */
  goodput: number;
  /** goodput / capacity. */
  share: number;
  /** Share of requests shed. */
  shedShare: number;
  /** Mean concurrency limit after warm-up (0 without a limiter). */
  meanLimit: number;
  /** Mean latency of admitted requests, ms. */
  meanLatencyMs: number;
}

/**
 * The service: `cores` requests at full speed (`serviceMs` each); beyond that processor sharing (latency × load)
 * plus a little thrashing per unit of overload, so throughput falls as concurrency grows. Clients give up after
 * `timeoutMs` (the server keeps working on abandoned requests, as servers without cancellation do).
 */
export const SERVICE = { cores: 50, serviceMs: 10, timeoutMs: 500, thrash: 0.05 };
export const CAPACITY = (SERVICE.cores / SERVICE.serviceMs) * 1000;

function latencyAt(inflight: number): number {
  const load = inflight / SERVICE.cores;
  if (load <= 1) return SERVICE.serviceMs;
  return SERVICE.serviceMs * load * (1 + SERVICE.thrash * (load - 1));
}

export function simulate(mode: 'none' | 'gradient2' | 'aimd', overload: number, durationMs: number, seed = 1): SimResult {
  const clock = new ManualClock();
  const random = seededRandom(seed);
  const limiter = mode === 'none' ? undefined : new ConcurrencyLimiter({ limit: mode, clock, maxQueued: 0 });
  const rate = (CAPACITY * overload) / 1000; // arrivals per ms
  const warmup = durationMs / 5;
  let inflight = 0;
  let good = 0;
  let arrivals = 0;
  let shed = 0;
  let latencySum = 0;
  let admitted = 0;
  let limitSum = 0;
  let limitSamples = 0;
  const arrive = (): void => {
    const t0 = clock.now();
    const counted = t0 >= warmup;
    if (counted) arrivals++;
    const lease = limiter?.tryAcquire();
    if (limiter !== undefined && lease === undefined) {
      if (counted) shed++;
    } else {
      inflight++;
      const latency = latencyAt(inflight);
      if (counted) {
        latencySum += latency;
        admitted++;
      }
      clock.setTimeout(() => {
        inflight--;
        const ok = latency <= SERVICE.timeoutMs;
        if (ok && counted) good++;
        lease?.release({ ok, latencyMs: latency });
      }, latency);
    }
    if (limiter !== undefined && counted) {
      limitSum += limiter.limit;
      limitSamples++;
    }
    const gap = -Math.log(1 - random()) / rate;
    if (clock.now() + gap < durationMs) clock.setTimeout(arrive, gap);
  };
  clock.setTimeout(arrive, 0);
  clock.advance(durationMs + 60_000);
  const goodput = good / ((durationMs - warmup) / 1000);
  return {
    goodput,
    share: goodput / CAPACITY,
    shedShare: arrivals > 0 ? shed / arrivals : 0,
    meanLimit: limitSamples > 0 ? limitSum / limitSamples : 0,
    meanLatencyMs: admitted > 0 ? latencySum / admitted : 0,
  };
}
