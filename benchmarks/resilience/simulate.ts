// Seeded simulations of the real policies in virtual time (ManualClock): the dependency's latency and
// failures are clock timers, so ten simulated seconds run in well under a second of wall time.
import { ManualClock, seededRandom } from '@scaling/core';
import { concurrencyBudget, hedge, type Policy, type PolicyContext, rateBudget, retry } from '@scaling/resilience';

export interface StormResult {
  /** Attempts the dependency received ÷ caller requests. */
  amplification: number;
  /** Share of caller requests that succeeded. */
  successRate: number;
  requests: number;
  attempts: number;
}

export type StormVariant =
  | 'no retries'
  | 'plain retries (3 attempts)'
  | 'retry budget, Envoy shape (20 %, min 3)'
  | 'retry budget, Finagle shape (20 %, 10/s)';
export const STORM_VARIANTS: StormVariant[] = [
  'no retries',
  'plain retries (3 attempts)',
  'retry budget, Envoy shape (20 %, min 3)',
  'retry budget, Finagle shape (20 %, 10/s)',
];

/**
 * Steady load of `rps` requests/s for `seconds`, against a dependency that answers in 20 ms and fails half of
 * the calls for the whole run (the outage). Every variant makes up to 3 attempts, backoff 10–40 ms full jitter.
 */
export async function retryStorm(variant: StormVariant, seconds: number, rps = 2_000, seed = 7): Promise<StormResult> {
  const clock = new ManualClock();
  const random = seededRandom(seed);
  const failRandom = seededRandom(seed + 1);
  const common = { clock, random, backoff: { baseMs: 10, maxMs: 40 } } as const;
  const policy: Policy<PolicyContext> | undefined =
    variant === 'no retries'
      ? undefined
      : variant === 'plain retries (3 attempts)'
        ? retry({ ...common, maxAttempts: 3, budget: false })
        : variant === 'retry budget, Envoy shape (20 %, min 3)'
          ? retry({ ...common, maxAttempts: 3, budget: concurrencyBudget({ ratio: 0.2, minConcurrency: 3 }) })
          : retry({ ...common, maxAttempts: 3, budget: rateBudget({ clock, percent: 0.2, minPerSecond: 10 }) });
  let attempts = 0;
  let ok = 0;
  let requests = 0;
  const dependency = (): Promise<string> => {
    attempts++;
    const fails = failRandom() < 0.5;
    return new Promise((resolve, reject) => clock.setTimeout(() => (fails ? reject(new Error('503')) : resolve('ok')), 20));
  };
  const interval = 1_000 / rps;
  const total = Math.round(seconds * rps);
  const arrive = (): void => {
    if (requests >= total) return;
    requests++;
    const p = policy === undefined ? dependency() : policy.execute(dependency);
    p.then(
      () => void ok++,
      () => {},
    );
    clock.setTimeout(arrive, interval);
  };
  arrive();
  await clock.advanceAsync(seconds * 1_000 + 1_000);
  policy?.dispose();
  return { amplification: attempts / requests, successRate: ok / requests, requests, attempts };
}

export interface HedgeResult {
  p50: number;
  p99: number;
  /** Attempts the dependency received ÷ caller requests. */
  load: number;
}

/**
 * A dependency with a slow tail: 96 % of calls take 8–12 ms, 4 % take 150–250 ms (a GC pause, a cold cache).
 * `delay` undefined: no hedging; otherwise a hedge after that delay (a number) or at the p95.
 */
export async function hedgeTail(mode: 'none' | 'fixed 20 ms' | 'p95', requestsTotal: number, seed = 11): Promise<HedgeResult> {
  const clock = new ManualClock();
  const latRandom = seededRandom(seed);
  const policy =
    mode === 'none'
      ? undefined
      : hedge({
          clock,
          delay: mode === 'p95' ? { quantile: 0.95, initialMs: 50, minSamples: 64 } : 20,
          maxHedges: 1,
          budget: concurrencyBudget({ ratio: 0.1, minConcurrency: 3 }),
        });
  let attempts = 0;
  const latencies: number[] = [];
  const dependency = ({ signal }: { signal?: AbortSignal } = {}): Promise<string> => {
    attempts++;
    const u = latRandom();
    const ms = u < 0.04 ? 150 + latRandom() * 100 : 8 + latRandom() * 4;
    return new Promise((resolve, reject) => {
      const t = clock.setTimeout(() => resolve('ok'), ms);
      signal?.addEventListener('abort', () => {
        clock.clearTimeout(t);
        reject(signal.reason);
      });
    });
  };
  let started = 0;
  const arrive = (): void => {
    if (started >= requestsTotal) return;
    started++;
    const t0 = clock.now();
    const p = policy === undefined ? dependency() : policy.execute((ctx) => dependency(ctx));
    p.then(
      () => void latencies.push(clock.now() - t0),
      () => {},
    );
    clock.setTimeout(arrive, 1); // 1,000 requests/s
  };
  arrive();
  await clock.advanceAsync(requestsTotal + 1_000);
  policy?.dispose();
  latencies.sort((a, b) => a - b);
  const q = (x: number): number => latencies[Math.min(latencies.length - 1, Math.floor(x * latencies.length))] ?? 0;
  return { p50: q(0.5), p99: q(0.99), load: attempts / requestsTotal };
}
