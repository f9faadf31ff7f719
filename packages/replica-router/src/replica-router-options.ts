import { type Clock, systemClock } from '@scaling/core';
import { assertClock, assertFunction, assertNonNegativeFinite, assertOptions, describeValue } from '@scaling/core/internal';
import type { ReplicaBalancerFactory, ReplicaEndpoint } from './replica-balancer.js';
import type { ReplicaSession } from './replica-session.js';

/** Read-your-writes mode: `'off'`, `'time'` (stick to the primary after a write) or `'position'` (replication position). */
export type ReadYourWritesMode = 'off' | 'time' | 'position';

/** Options of {@link ReplicaRouter}. All times in milliseconds. */
export interface ReplicaRouterOptions<P, R extends ReplicaEndpoint> {
  /** The primary: any value (a pool, a URL, a client). Returned by `forWrite()` and on fallback. */
  primary: P;
  /** The replicas, each with a unique `id`. Default none: every read then goes to the primary. */
  replicas?: readonly R[];
  /**
   * Builds the strategy that picks among eligible replicas (any `@scaling/load-balancer` balancer fits).
   * Default: `@scaling/load-balancer`'s `RoundRobin` over the replicas.
   */
  balancer?: ReplicaBalancerFactory<R>;
  /** A replica whose time lag exceeds this receives no reads. Default 10,000 ms. `Infinity` turns the limit off. */
  maxLagMs?: number;
  /** A replica whose byte lag exceeds this receives no reads. Default `Infinity` (no limit). */
  maxLagBytes?: number;
  /** A sample older than this counts as unknown (the replica becomes ineligible). Default 30,000 ms. */
  maxSampleAgeMs?: number;
  /** Read-your-writes mode for sessions. Default `'off'`. */
  readYourWrites?: ReadYourWritesMode;
  /** `'time'` mode: reads stick to the primary this long after a session's last write. Default 2,000 ms (as Rails). */
  stickinessMs?: number;
  /**
   * `'position'` mode: how long {@link ReplicaRouter.forReadAsync} waits for a healthy replica to catch up
   * to the session before using the primary. It never waits when no replica could serve the read (none
   * configured, all down, stale or over a lag limit). Default 0.
   */
  maxWaitMs?: number;
  /** When no replica is eligible: `'primary'` (default) reads from the primary; `'error'` throws {@link NoReplicaError}. */
  fallback?: 'primary' | 'error';
  /**
   * Called when a `forReadAsync` call starts waiting for a replica to catch up (an adapter refreshes
   * positions then). An error it throws is rethrown on `process.nextTick` and never breaks the router.
   */
  onWait?: () => void;
  /** Time source (`now`, `setTimeout`, `clearTimeout`). Default `systemClock`. */
  clock?: Clock;
}

/** Options of {@link ReplicaRouter.forRead}. */
export interface ReadOptions {
  /** The caller's read-your-writes session. */
  session?: ReplicaSession;
  /** Only replicas that have replayed at least this position qualify (on top of the session's token). */
  minPosition?: number;
  /** Affinity key passed to the balancer. */
  key?: string;
  /**
   * {@link ReplicaRouter.forReadAsync} only: cancels the call (and its wait for a replica to catch up);
   * the promise rejects with the signal's `reason`. Ignored by `forRead`.
   */
  signal?: AbortSignal;
}

const KNOWN = [
  'primary',
  'replicas',
  'balancer',
  'maxLagMs',
  'maxLagBytes',
  'maxSampleAgeMs',
  'readYourWrites',
  'stickinessMs',
  'maxWaitMs',
  'fallback',
  'onWait',
  'clock',
] as const;

/** Keys users bring from pgpool-II, Rails and GitLab, with our names. */
const HINTS: Readonly<Record<string, string>> = {
  delay_threshold: 'use `maxLagBytes` (pgpool-II `delay_threshold` is in bytes of WAL)',
  delay_threshold_by_time: 'use `maxLagMs` (milliseconds)',
  maxLag: 'use `maxLagMs` (milliseconds) or `maxLagBytes`',
  delay: 'use `stickinessMs` (milliseconds, Rails `delay`)',
  stickiness: 'use `stickinessMs` (milliseconds)',
  strategy: 'use `balancer: (replicas) => new SomeStrategy({ endpoints: replicas })`',
  loadBalancer: 'use `balancer`',
  writer: 'use `primary`',
  readers: 'use `replicas`',
  replica: 'use `replicas` (an array)',
};

/** The router's options with defaults applied. @internal */
export interface ResolvedRouterOptions<P, R extends ReplicaEndpoint> {
  primary: P;
  replicas: readonly R[];
  balancer: ReplicaBalancerFactory<R> | undefined;
  maxLagMs: number;
  maxLagBytes: number;
  maxSampleAgeMs: number;
  readYourWrites: ReadYourWritesMode;
  stickinessMs: number;
  maxWaitMs: number;
  fallback: 'primary' | 'error';
  onWait: (() => void) | undefined;
  clock: Clock;
}

/**
 * Checks the router's options (unknown keys are `TypeError`s, with hints for pgpool-II/Rails names) and
 * applies the defaults.
 * @throws {TypeError}/{@link RangeError} naming the bad option.
 * @internal
 */
export function resolveRouterOptions<P, R extends ReplicaEndpoint>(options: ReplicaRouterOptions<P, R>): ResolvedRouterOptions<P, R> {
  assertOptions('ReplicaRouter options', options, KNOWN, HINTS);
  const {
    primary,
    replicas = [],
    balancer,
    maxLagMs = 10_000,
    maxLagBytes = Number.POSITIVE_INFINITY,
    maxSampleAgeMs = 30_000,
    readYourWrites = 'off',
    stickinessMs = 2_000,
    maxWaitMs = 0,
    fallback = 'primary',
    onWait,
    clock = systemClock,
  } = options;
  if (primary === undefined || primary === null) throw new TypeError(`Expected \`primary\` to be defined, got ${describeValue(primary)}`);
  if (!Array.isArray(replicas)) throw new TypeError(`Expected \`replicas\` to be an array, got ${describeValue(replicas)}`);
  for (const [name, v] of [
    ['maxLagMs', maxLagMs],
    ['maxLagBytes', maxLagBytes],
    ['maxSampleAgeMs', maxSampleAgeMs],
  ] as const) {
    if (typeof v !== 'number') throw new TypeError(`Expected \`${name}\` to be a non-negative number, got ${describeValue(v)}`);
    if (!(v >= 0)) throw new RangeError(`Expected \`${name}\` to be a non-negative number, got ${describeValue(v)}`);
  }
  assertNonNegativeFinite('stickinessMs', stickinessMs);
  assertNonNegativeFinite('maxWaitMs', maxWaitMs);
  if (readYourWrites !== 'off' && readYourWrites !== 'time' && readYourWrites !== 'position')
    throw new TypeError(`Expected \`readYourWrites\` to be "off", "time" or "position", got ${describeValue(readYourWrites)}`);
  if (fallback !== 'primary' && fallback !== 'error')
    throw new TypeError(`Expected \`fallback\` to be "primary" or "error", got ${describeValue(fallback)}`);
  if (onWait !== undefined) assertFunction('onWait', onWait);
  if (balancer !== undefined) assertFunction('balancer', balancer);
  assertClock('clock', clock, ['now', 'setTimeout', 'clearTimeout']);
  return {
    primary,
    replicas,
    balancer,
    maxLagMs,
    maxLagBytes,
    maxSampleAgeMs,
    readYourWrites,
    stickinessMs,
    maxWaitMs,
    fallback,
    onWait,
    clock,
  };
}
