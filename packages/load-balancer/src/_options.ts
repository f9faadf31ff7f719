import { type Clock, type RandomSource, systemClock } from '@scaling/core';
import { assertClock, assertFunction, assertInRange, assertOptions, assertPositiveFinite, describeValue } from '@scaling/core/internal';
import type { Endpoint, OutcomeListener, PickOptions } from './types.js';

/** Slow start (Envoy): a new or recovered endpoint's weight ramps up over `windowMs`. */
export interface SlowStartOptions {
  /** Length of the ramp in milliseconds. */
  windowMs: number;
  /** Shape of the ramp: weight × (t / window)^(1 / aggression). 1 (default) is linear; > 1 ramps faster early. */
  aggression?: number;
  /** Floor of the ramp as a percentage of the weight. Default 10 (Envoy's default). */
  minWeightPercent?: number;
}

/** Options every strategy accepts. Unknown keys are a `TypeError` (with a hint for Envoy's names). */
export interface BalancerOptions<E extends Endpoint = Endpoint> {
  /** Initial endpoints (not in slow start). Endpoint objects are kept as given, extra fields included. Default none. */
  endpoints?: Iterable<E>;
  /** Time source for latency, slow start and lease timeouts. Default `systemClock`. */
  clock?: Clock;
  /**
   * Uniform random source in [0, 1) for randomised choices and tie-breaks. Default: an internal xorshift32
   * generator seeded from `Math.random` (about as good for balancing, and cheaper per call). Draws are used
   * at 30-bit resolution.
   */
  random?: RandomSource;
  /**
   * Panic threshold in percent (Envoy's `healthy_panic_threshold`), default 50: when fewer than this share
   * of endpoints is healthy, picks span every endpoint (healthy or not) and a `panic` event fires. 0
   * disables panic routing: with no healthy endpoint `pick()` throws `ERR_NO_HEALTHY_ENDPOINTS`.
   */
  panicThreshold?: number;
  /** Ramp the weight of endpoints added later or turning healthy (Envoy's slow start), in every strategy. Default off. */
  slowStart?: SlowStartOptions;
  /**
   * Reclaim a lease still outstanding after this many milliseconds: its active count is returned and it is
   * reported as a failure (latency = its age); a later `release()` on it is a no-op. Checked by one
   * `unref()`ed timer every `leaseTimeoutMs / 4`. Default: never.
   */
  leaseTimeoutMs?: number;
  /**
   * @deprecated Use `on('outcome', ({ id, ok, latencyMs }) => …)`. Kept for one minor version: called as
   * `(id, outcome)` once per released or reclaimed lease.
   */
  onOutcome?: OutcomeListener;
  /**
   * Recycle released lease objects (default `true`), so a steady stream of pick/release allocates nothing.
   * `false` allocates one small object per pick, for callers that keep leases after releasing them.
   */
  pooledLeases?: boolean;
  /**
   * Record each endpoint's request latency (ms; the reported `latencyMs`, else the time since `pick()`) in a
   * `Histogram` from `@scaling/core`, shown by `stats()` as `requestDuration` per endpoint and over all.
   * Default `false`: a record costs a few nanoseconds on a pick + release of about twenty.
   */
  latencyHistogram?: boolean;
}

/** The keys of {@link BalancerOptions}. */
export const BALANCER_OPTION_KEYS: readonly string[] = [
  'endpoints',
  'clock',
  'random',
  'panicThreshold',
  'slowStart',
  'leaseTimeoutMs',
  'onOutcome',
  'pooledLeases',
  'latencyHistogram',
];

/** Keys users bring from Envoy, nginx, undici or other balancers, and what to use instead. */
export const BALANCER_OPTION_HINTS: Readonly<Record<string, string>> = {
  healthy_panic_threshold: 'use `panicThreshold` (percent)',
  healthyPanicThreshold: 'use `panicThreshold` (percent)',
  slow_start_config: 'use `slowStart: { windowMs, aggression, minWeightPercent }`',
  slowStartWindow: 'use `slowStart: { windowMs }`',
  active_request_bias: 'use `activeRequestBias` (PowerOfTwoChoices)',
  choice_count: 'PowerOfTwoChoices always draws two',
  upstreams: 'use `endpoints`',
  hosts: 'use `endpoints`',
  servers: 'use `endpoints`',
  targets: 'use `endpoints`',
  weights: 'give each endpoint a `weight`',
  timeout: 'use `leaseTimeoutMs`',
  rng: 'use `random`',
};

/** Validated common options. */
export interface CommonOptions {
  readonly clock: Clock;
  readonly random: RandomSource | undefined;
  readonly panicThreshold: number;
  readonly slowStart: { windowMs: number; invAggression: number; minFactor: number } | undefined;
  readonly leaseTimeoutMs: number;
  readonly onOutcome: OutcomeListener | undefined;
  readonly pooledLeases: boolean;
  readonly latencyHistogram: boolean;
}

const SLOW_START_KEYS = ['windowMs', 'aggression', 'minWeightPercent'];
const SLOW_START_HINTS = { slow_start_window: 'use `windowMs`', min_weight_percent: 'use `minWeightPercent`' };

/**
 * Checks the options every strategy accepts (plus `extraKeys`, the strategy's own).
 * @throws {TypeError}/{@link RangeError} naming the option.
 */
export function parseCommonOptions(
  where: string,
  options: object,
  extraKeys: readonly string[],
  hints?: Readonly<Record<string, string>>,
): CommonOptions {
  assertOptions(
    where,
    options,
    extraKeys.length === 0 ? BALANCER_OPTION_KEYS : [...BALANCER_OPTION_KEYS, ...extraKeys],
    hints === undefined ? BALANCER_OPTION_HINTS : { ...BALANCER_OPTION_HINTS, ...hints },
  );
  const o = options as BalancerOptions;
  const { clock, random, panicThreshold = 50, slowStart, leaseTimeoutMs, onOutcome, pooledLeases = true, latencyHistogram = false } = o;
  if (clock !== undefined) assertClock('clock', clock, leaseTimeoutMs === undefined ? ['now'] : ['now', 'setTimeout', 'clearTimeout']);
  if (random !== undefined) assertFunction('random', random);
  assertInRange('panicThreshold', panicThreshold, 0, 100);
  let ss: CommonOptions['slowStart'];
  if (slowStart !== undefined) {
    assertOptions('slowStart', slowStart, SLOW_START_KEYS, SLOW_START_HINTS);
    assertPositiveFinite('slowStart.windowMs', slowStart.windowMs);
    const aggression = slowStart.aggression ?? 1;
    assertPositiveFinite('slowStart.aggression', aggression);
    const minPct = slowStart.minWeightPercent ?? 10;
    assertInRange('slowStart.minWeightPercent', minPct, 0, 100);
    ss = { windowMs: slowStart.windowMs, invAggression: 1 / aggression, minFactor: minPct / 100 };
  }
  if (leaseTimeoutMs !== undefined) assertPositiveFinite('leaseTimeoutMs', leaseTimeoutMs);
  if (typeof pooledLeases !== 'boolean')
    throw new TypeError(`Expected \`pooledLeases\` to be a boolean, got ${describeValue(pooledLeases)}`);
  if (typeof latencyHistogram !== 'boolean')
    throw new TypeError(`Expected \`latencyHistogram\` to be a boolean, got ${describeValue(latencyHistogram)}`);
  if (onOutcome !== undefined) assertFunction('onOutcome', onOutcome);
  if (o.endpoints !== undefined && !Array.isArray(o.endpoints))
    throw new TypeError(`Expected \`endpoints\` to be an array of endpoints, got ${describeValue(o.endpoints)}`);
  return {
    clock: clock ?? systemClock,
    random,
    panicThreshold,
    slowStart: ss,
    leaseTimeoutMs: leaseTimeoutMs ?? Number.POSITIVE_INFINITY,
    onOutcome,
    pooledLeases,
    latencyHistogram,
  };
}

const PICK_OPTION_KEYS = ['key', 'exclude'];

/**
 * The `exclude` set of a pick, or `undefined` when there is none or it is empty.
 * @throws {TypeError} when `exclude` is not a `ReadonlySet` (e.g. an array), or when `options` has neither
 *   `exclude` nor `key` but an unknown key (`Unknown option \`exlude\` in pick options …`).
 */
export function excludeOf(options: PickOptions | undefined): ReadonlySet<string> | undefined {
  if (options === undefined) return undefined;
  const exclude = options.exclude;
  if (exclude === undefined) {
    // Neither known key: a misspelt one (`exlude`) must not pass as "no options". Checked only here, so a pick
    // with `exclude` or `key` never pays for it.
    if (options.key === undefined) assertOptions('pick options', options, PICK_OPTION_KEYS);
    return undefined;
  }
  if (exclude instanceof Set) return exclude.size === 0 ? undefined : exclude;
  return checkExclude(exclude);
}

function checkExclude(exclude: unknown): ReadonlySet<string> | undefined {
  const set = exclude as ReadonlySet<string>;
  if (typeof exclude !== 'object' || exclude === null || typeof set.has !== 'function' || typeof set.size !== 'number')
    throw new TypeError(`Expected \`exclude\` to be a ReadonlySet of endpoint ids, got ${describeValue(exclude)}`);
  return set.size === 0 ? undefined : set;
}
