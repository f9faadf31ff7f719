import { type Clock, systemClock } from '@scaling/core';
import {
  assertClock,
  assertNonNegativeFinite,
  assertOptions,
  assertPositiveFinite,
  assertPositiveInteger,
  describeValue,
} from '@scaling/core/internal';
import type { HealthMonitor } from '@scaling/health';
import type { ReadYourWritesMode, ReplicaBalancerFactory, WriteFunctionPattern } from '@scaling/replica-router';
import type { PgReplica, PoolSource, ReplicaSource } from './_pool-source.js';

/** Options of {@link createReplicatedPool}. All times in milliseconds. */
export interface ReplicatedPoolOptions {
  /** The primary (a pool, a config or a connection string). Pools created here are ended by `end()`. */
  primary: PoolSource;
  /** The streaming replicas. Default none (every statement goes to the primary). */
  replicas?: readonly ReplicaSource[];
  /** Read-your-writes for {@link ReplicatedSession}s: `'position'` (default, WAL LSN), `'time'` or `'off'`. */
  readYourWrites?: ReadYourWritesMode;
  /** A replica whose replay lag exceeds this receives no reads. Default 10,000 ms. */
  maxLagMs?: number;
  /** A replica more than this many bytes of WAL behind the primary receives no reads. Default `Infinity`. */
  maxLagBytes?: number;
  /** `'time'` mode: reads stick to the primary this long after a session's write. Default 2,000 ms. */
  stickinessMs?: number;
  /**
   * `'position'` mode: how long a session's read waits for a healthy replica to replay its last write
   * before using the primary (never when no replica could serve it). Default 0.
   */
  maxWaitMs?: number;
  /** No eligible replica: `'primary'` (default) or `'error'` (`ERR_NO_REPLICA`). */
  fallback?: 'primary' | 'error';
  /** Strategy among eligible replicas, e.g. `(rs) => new PeakEwma({ endpoints: rs })` from `@scaling/load-balancer`. Default: its `RoundRobin`. */
  balancer?: ReplicaBalancerFactory<PgReplica>;
  /**
   * Application functions that write (pgpool-II's `write_function_list`): a statement calling one goes
   * to the primary, like one calling `nextval`. Names or RegExps, e.g. `['app_enqueue', /^audit_/]`.
   */
  writeFunctions?: readonly WriteFunctionPattern[];
  /** How often each replica's health and lag are checked. Default 1,000 ms. */
  checkIntervalMs?: number;
  /** A sample older than this counts as unknown. Default 3 × `checkIntervalMs` + 1,000 ms. */
  maxSampleAgeMs?: number;
  /** Consecutive passing checks before a replica that was down receives reads again. Default 1. */
  healthyThreshold?: number;
  /** Consecutive failing checks before the replica's check reports unhealthy in the monitor's health report (routing drops it at the first failed check or connection error). Default 1. */
  unhealthyThreshold?: number;
  /** Add the replica checks (`replica:<id>`) to this `@scaling/health` monitor, e.g. the application's, instead of a private one. */
  monitor?: HealthMonitor;
  /** A check (of a replica, or of the primary by `ready()`) running longer than this fails, answered or not. Default 2,000 ms. */
  checkTimeoutMs?: number;
  /** While a read waits for a replica to catch up, re-check positions this often. Default 10 ms. */
  waitPollMs?: number;
  /** Time source (`now`, `setTimeout`, `clearTimeout`). Default `systemClock`. */
  clock?: Clock;
}

const KNOWN = [
  'primary',
  'replicas',
  'readYourWrites',
  'maxLagMs',
  'maxLagBytes',
  'stickinessMs',
  'maxWaitMs',
  'fallback',
  'balancer',
  'writeFunctions',
  'checkIntervalMs',
  'maxSampleAgeMs',
  'healthyThreshold',
  'unhealthyThreshold',
  'monitor',
  'checkTimeoutMs',
  'waitPollMs',
  'clock',
] as const;

const POOL_SETTING = 'put pool and connection settings in `primary` and in each replica (a pg config or URL each)';

/** Keys users bring from pgpool-II and `pg.Pool`, with our names. */
const HINTS: Readonly<Record<string, string>> = {
  delay_threshold: 'use `maxLagBytes` (pgpool-II `delay_threshold` is in bytes of WAL)',
  delay_threshold_by_time: 'use `maxLagMs` (milliseconds)',
  sr_check_period: 'use `checkIntervalMs` (milliseconds; pgpool-II `sr_check_period` is in seconds)',
  health_check_period: 'use `checkIntervalMs` (milliseconds; pgpool-II `health_check_period` is in seconds)',
  health_check_timeout: 'use `checkTimeoutMs` (milliseconds)',
  write_function_list: 'use `writeFunctions` (names and RegExps)',
  black_function_list: 'use `writeFunctions` (names and RegExps)',
  read_only_function_list: 'not needed: functions not in `writeFunctions` (or built in) are reads',
  white_function_list: 'not needed: functions not in `writeFunctions` (or built in) are reads',
  disable_load_balance_on_write: "use `readYourWrites` ('position', 'time' or 'off')",
  load_balance_mode: 'not needed: reads always go to eligible replicas',
  backend_weight: 'give the replica as `{ id, pool, weight }`',
  connectionString: "use `primary: '<url>'`",
  host: POOL_SETTING,
  port: POOL_SETTING,
  user: POOL_SETTING,
  database: POOL_SETTING,
  password: POOL_SETTING,
  max: POOL_SETTING,
  idleTimeoutMillis: POOL_SETTING,
  connectionTimeoutMillis: POOL_SETTING,
  maxLag: 'use `maxLagMs` (milliseconds) or `maxLagBytes`',
};

/** The options with defaults applied. @internal */
export interface ResolvedPoolOptions {
  replicas: readonly ReplicaSource[];
  checkIntervalMs: number;
  checkTimeoutMs: number;
  maxSampleAgeMs: number;
  waitPollMs: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  clock: Clock;
}

/**
 * Checks the pool's own options (unknown keys are `TypeError`s with hints for pgpool-II and `pg.Pool`
 * names); the router's options are checked by the router.
 * @internal
 */
export function resolvePoolOptions(options: ReplicatedPoolOptions): ResolvedPoolOptions {
  assertOptions('ReplicatedPool options', options, KNOWN, HINTS);
  const {
    replicas = [],
    checkIntervalMs = 1_000,
    checkTimeoutMs = 2_000,
    waitPollMs = 10,
    healthyThreshold = 1,
    unhealthyThreshold = 1,
    clock = systemClock,
  } = options;
  assertPositiveFinite('checkIntervalMs', checkIntervalMs);
  assertPositiveFinite('checkTimeoutMs', checkTimeoutMs);
  assertPositiveFinite('waitPollMs', waitPollMs);
  assertPositiveInteger('healthyThreshold', healthyThreshold);
  assertPositiveInteger('unhealthyThreshold', unhealthyThreshold);
  const maxSampleAgeMs = options.maxSampleAgeMs ?? 3 * checkIntervalMs + 1_000;
  assertNonNegativeFinite('maxSampleAgeMs', maxSampleAgeMs);
  if (!Array.isArray(replicas)) throw new TypeError(`Expected \`replicas\` to be an array, got ${describeValue(replicas)}`);
  assertClock('clock', clock, ['now', 'setTimeout', 'clearTimeout']);
  return { replicas, checkIntervalMs, checkTimeoutMs, maxSampleAgeMs, waitPollMs, healthyThreshold, unhealthyThreshold, clock };
}
