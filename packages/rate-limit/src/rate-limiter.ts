import { type Clock, isScalingError, systemClock } from '@scaling/core';
import {
  assertClock,
  assertNonNegativeInteger,
  assertOptions,
  assertPositiveFinite,
  assertPositiveInteger,
  describeValue,
  Emitter,
} from '@scaling/core/internal';
import { Deadlines } from './_deadlines.js';
import { MemoryStore } from './_memory-store.js';
import { RedisStore } from './_redis-store.js';
import { type CompiledRule, checkAlgorithm, compileRule, divideRule } from './_rules.js';
import { CostExceedsBurstError, RateLimitStoreError } from './errors.js';
import type { RateLimitAlgorithm, RateLimitDecision, RateLimitRule } from './limits.js';
import { type RedisClientLike, toRedisCommand } from './redis-client.js';

/** What a {@link RateLimiter} does while Redis is unreachable. */
export type WhenDown = 'fail-open' | 'fail-closed' | 'local';

/** Options of the shared Redis store ({@link RateLimiterOptions.redis}). */
export interface RedisStoreOptions {
  /** An ioredis or node-redis client (or a command function); see {@link RedisClientLike}. */
  client: RedisClientLike;
  /** Key prefix (default `"rl:"`; no `{` or `}`: keys are `<prefix>{<key>}:<rule>` for Redis Cluster). */
  prefix?: string;
  /** A decision that Redis has not answered within this many ms counts as a failure (default 100). */
  commandTimeoutMs?: number;
  /**
   * While Redis is down: `'fail-open'` allows every request, `'fail-closed'` refuses every request (with
   * `retryAfterMs` = `retryIntervalMs`), `'local'` (default) decides in process with each limit divided by
   * `instances` — the fleet as a whole then stays near its quota.
   */
  whenDown?: WhenDown;
  /** Expected number of instances sharing the limits, for `whenDown: 'local'` (default 1). */
  instances?: number;
  /** After a failure, decide without trying Redis for this many ms, then try again (default 1000). */
  retryIntervalMs?: number;
}

/** Options of {@link RateLimiter}. */
export interface RateLimiterOptions {
  /** One limit or several (e.g. 10 per second and 1,000 per hour): a request must fit all of them. */
  limits: RateLimitRule | readonly RateLimitRule[];
  /** The algorithm of every limit (default `'gcra'`); see {@link RateLimitAlgorithm}. */
  algorithm?: RateLimitAlgorithm;
  /**
   * Most keys the in-process store (and the Redis store's `local` fallback) keeps (default 100,000): least
   * recently used keys beyond it are forgotten. Size it above the clients active within one period.
   */
  maxKeys?: number;
  /** Share the limits across instances through Redis; without it, limits are per process. */
  redis?: RedisStoreOptions;
  /** Time source of the in-process store and of timeouts (default `systemClock`). */
  clock?: Clock;
}

/** Events of a {@link RateLimiter} (`scaling:rate-limit:<event>` on `node:diagnostics_channel`). */
export interface RateLimiterEvents {
  [event: string]: object;
  /** Redis failed or timed out; decisions follow `whenDown` until it answers again. */
  'store-down': {
    /** The Redis failure or timeout. */
    error: RateLimitStoreError;
    /** The policy now deciding requests (the limiter's `whenDown` option). */
    whenDown: WhenDown;
  };
  /** Redis answers again after `downMs` of failures. */
  'store-up': {
    /** How long Redis was unavailable, in ms. */
    downMs: number;
  };
  /** A request was refused. */
  denied: {
    /** The rate-limit key that was refused. */
    key: string;
    /** Units the refused request asked for. */
    cost: number;
    /** The refusing decision (remaining, retry-after, reset). */
    decision: RateLimitDecision;
  };
}

/** Counters and gauges from {@link RateLimiter.stats}. */
export interface RateLimiterStats {
  /** Decisions that allowed the request. */
  allowed: number;
  /** Decisions that refused it. */
  denied: number;
  /** Decisions made by the `whenDown` policy while Redis was unreachable. */
  degraded: number;
  /** Redis failures and timeouts. */
  storeErrors: number;
  /** Whether Redis is currently considered down. */
  storeDown: boolean;
  /** Keys in the in-process store (or the fallback store). */
  keys: number;
  /** Keys the in-process store forgot (LRU) while they were still limited: raise `maxKeys` if this grows. */
  evictedActive: number;
}

const OPTION_KEYS = ['limits', 'algorithm', 'maxKeys', 'redis', 'clock'];
const OPTION_HINTS = {
  points: 'use `limits: { limit, periodMs }`',
  duration: 'use `limits: { limit, periodMs }` (milliseconds)',
  windowMs: 'use `limits: { limit, periodMs }`',
  max: 'use `limits: { limit, periodMs }`',
  storeClient: 'use `redis: { client }`',
  store: 'use `redis: { client }` (the in-process store is the default)',
  keyPrefix: 'use `redis: { prefix }`',
  insuranceLimiter: 'use `redis: { whenDown: "local", instances }`',
};
const REDIS_KEYS = ['client', 'prefix', 'commandTimeoutMs', 'whenDown', 'instances', 'retryIntervalMs'];
const WHEN_DOWN: readonly WhenDown[] = ['fail-open', 'fail-closed', 'local'];
const EVENTS = ['store-down', 'store-up', 'denied'] as const;

/**
 * Per-key rate limits (GCRA by default), in process or shared by a fleet through Redis.
 *
 * Each decision is O(limits) arithmetic on a few numbers per key — no timer per key, no allocation besides the
 * decision. In process, keys live in an LRU bounded by `maxKeys` (about 70 bytes per key with GCRA, a
 * short key string included). With `redis`, one `EVALSHA` per decision runs every limit atomically on the server with the
 * server's clock; when Redis fails or is slow, decisions follow `whenDown` and never wait longer than
 * `commandTimeoutMs`.
 *
 * @example
 * ```ts
 * import { RateLimiter } from '@scaling/rate-limit';
 *
 * const limiter = new RateLimiter({ limits: [{ limit: 10, periodMs: 1_000 }, { limit: 1_000, periodMs: 3_600_000 }] });
 * const d = await limiter.limit('user:42');
 * if (!d.allowed) console.log(`retry in ${Math.ceil(d.retryAfterMs / 1000)} s`);
 * ```
 */
export class RateLimiter {
  /** The limits, resolved (names and bursts filled in). */
  readonly rules: readonly Readonly<Required<RateLimitRule>>[];
  /** The algorithm of every limit. */
  readonly algorithm: RateLimitAlgorithm;
  readonly #compiled: readonly CompiledRule[];
  readonly #maxCost: number;
  readonly #clock: Clock;
  readonly #maxKeys: number;
  readonly #memory: MemoryStore | undefined;
  readonly #redis: RedisStore | undefined;
  readonly #timeoutMs: number;
  readonly #whenDown: WhenDown;
  readonly #instances: number;
  readonly #retryIntervalMs: number;
  readonly #deadlines: Deadlines | undefined;
  #fallback: MemoryStore | undefined;
  #downSince = -1;
  #retryAt = 0;
  readonly #emitter: Emitter<RateLimiterEvents>;
  #allowed = 0;
  #denied = 0;
  #degraded = 0;
  #storeErrors = 0;

  /**
   * @throws {TypeError} on an unknown option or a wrong type (naming the option).
   * @throws {RangeError} on a limit ≤ 0, a non-integer limit or burst, a period that is not a positive finite
   *   number, `maxKeys` < 1.
   */
  constructor(options: RateLimiterOptions) {
    const o = assertOptions('RateLimiter options', options, OPTION_KEYS, OPTION_HINTS);
    this.algorithm = o.algorithm === undefined ? 'gcra' : checkAlgorithm('algorithm', o.algorithm);
    const list = Array.isArray(o.limits)
      ? (o.limits as readonly RateLimitRule[])
      : o.limits === undefined
        ? []
        : [o.limits as RateLimitRule];
    if (list.length === 0)
      throw new TypeError(`Expected \`limits\` to be a limit or a non-empty array of limits, got ${describeValue(o.limits)}`);
    this.#compiled = list.map((r, i) => compileRule(list.length === 1 ? 'limits' : `limits[${i}]`, r, this.algorithm));
    const names = new Set(this.#compiled.map((c) => c.rule.name));
    if (names.size !== this.#compiled.length) throw new TypeError('Expected every limit to have a distinct `name`');
    this.rules = this.#compiled.map((c) => c.rule);
    this.#maxCost = Math.min(...this.#compiled.map((c) => c.burst));
    this.#maxKeys = o.maxKeys ?? 100_000;
    assertPositiveInteger('maxKeys', this.#maxKeys);
    this.#clock = o.clock ?? systemClock;
    assertClock('clock', this.#clock, ['now', 'setTimeout', 'clearTimeout']);
    this.#emitter = new Emitter<RateLimiterEvents>('rate-limit', EVENTS, this);
    if (o.redis === undefined) {
      this.#memory = new MemoryStore(this.#compiled, this.#maxKeys, this.#clock);
      this.#timeoutMs = 0;
      this.#whenDown = 'local';
      this.#instances = 1;
      this.#retryIntervalMs = 0;
      this.#deadlines = undefined;
    } else {
      const r = assertOptions('RateLimiter `redis` options', o.redis, REDIS_KEYS);
      const prefix = r.prefix ?? 'rl:';
      if (typeof prefix !== 'string' || /[{}]/.test(prefix)) {
        throw new TypeError(`Expected \`redis.prefix\` to be a string without { or }, got ${describeValue(prefix)}`);
      }
      this.#timeoutMs = r.commandTimeoutMs ?? 100;
      assertPositiveFinite('redis.commandTimeoutMs', this.#timeoutMs);
      this.#whenDown = r.whenDown ?? 'local';
      if (!WHEN_DOWN.includes(this.#whenDown)) {
        throw new TypeError(
          `Expected \`redis.whenDown\` to be one of ${WHEN_DOWN.map((w) => `"${w}"`).join(', ')}, got ${describeValue(r.whenDown)}`,
        );
      }
      this.#instances = r.instances ?? 1;
      assertPositiveInteger('redis.instances', this.#instances);
      this.#retryIntervalMs = r.retryIntervalMs ?? 1000;
      assertPositiveFinite('redis.retryIntervalMs', this.#retryIntervalMs);
      this.#redis = new RedisStore(this.#compiled, toRedisCommand(r.client), prefix);
      this.#deadlines = new Deadlines(this.#clock, this.#timeoutMs);
    }
  }

  /**
   * Decides whether `key` may spend `cost` units now under every limit, and spends them when it may.
   *
   * @param key - the client's identity (an IP, a user id, an API key…).
   * @param cost - units this request costs (an integer ≥ 0, default 1; 0 only reads the state).
   * @returns the decision; with Redis down it comes from the `whenDown` policy (`degraded: true`); it never
   *   waits for Redis longer than `commandTimeoutMs`.
   * @throws {CostExceedsBurstError} (rejection) when `cost` exceeds a limit's burst: it could never be allowed.
   * @throws {TypeError} (rejection) when `key` is not a string or `cost` not an integer ≥ 0.
   */
  limit(key: string, cost = 1): Promise<RateLimitDecision> {
    try {
      this.#check(key, cost);
      if (this.#memory !== undefined) return Promise.resolve(this.#count(key, cost, this.#memory.consume(key, cost)));
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#viaRedis(key, cost);
  }

  /**
   * The in-process decision without a promise (only without `redis`), for hot paths.
   * @throws {TypeError} when the limiter uses Redis, or on a bad `key`/`cost`.
   * @throws {CostExceedsBurstError} when `cost` exceeds a limit's burst.
   */
  limitSync(key: string, cost = 1): RateLimitDecision {
    if (this.#memory === undefined) throw new TypeError('limitSync() needs the in-process store; with `redis`, use limit()');
    this.#check(key, cost);
    return this.#count(key, cost, this.#memory.consume(key, cost));
  }

  /**
   * Forgets `key` under every limit (its full quota is available again).
   * @throws {RateLimitStoreError} (rejection) when Redis fails or does not answer in time.
   */
  async reset(key: string): Promise<void> {
    if (typeof key !== 'string') throw new TypeError(`Expected \`key\` to be a string, got ${describeValue(key)}`);
    this.#fallback?.reset(key);
    if (this.#memory !== undefined) return this.#memory.reset(key);
    const redis = this.#redis as RedisStore;
    await this.#withTimeout(redis.reset(key));
  }

  /** Subscribes to an event ({@link RateLimiterEvents}); returns the unsubscribe function. */
  on<K extends keyof RateLimiterEvents & string>(event: K, listener: (payload: RateLimiterEvents[K]) => void): () => void {
    return this.#emitter.on(event, listener);
  }

  /** Removes a listener added with {@link RateLimiter.on}. */
  off<K extends keyof RateLimiterEvents & string>(event: K, listener: (payload: RateLimiterEvents[K]) => void): void {
    this.#emitter.off(event, listener);
  }

  /** A snapshot of counters and gauges (never changes state). */
  stats(): RateLimiterStats {
    const local = this.#memory ?? this.#fallback;
    return {
      allowed: this.#allowed,
      denied: this.#denied,
      degraded: this.#degraded,
      storeErrors: this.#storeErrors,
      storeDown: this.#downSince >= 0,
      keys: local?.size ?? 0,
      evictedActive: local?.evictedActive ?? 0,
    };
  }

  #check(key: string, cost: number): void {
    if (typeof key !== 'string') throw new TypeError(`Expected \`key\` to be a string, got ${describeValue(key)}`);
    assertNonNegativeInteger('cost', cost);
    if (cost > this.#maxCost) {
      const c = this.#compiled.find((r) => r.burst < cost) as CompiledRule;
      throw new CostExceedsBurstError(cost, c.burst, c.rule.name);
    }
  }

  #count(key: string, cost: number, d: RateLimitDecision): RateLimitDecision {
    if (d.allowed) this.#allowed++;
    else {
      this.#denied++;
      if (this.#emitter.wants('denied')) this.#emitter.emit('denied', { key, cost, decision: d });
    }
    return d;
  }

  #viaRedis(key: string, cost: number): Promise<RateLimitDecision> {
    if (this.#downSince >= 0 && this.#clock.now() < this.#retryAt) return Promise.resolve(this.#count(key, cost, this.#policy(key, cost)));
    return new Promise<RateLimitDecision>((resolve) => {
      const deadline = (this.#deadlines as Deadlines).add(() => {
        this.#failed(new RateLimitStoreError(`Redis did not answer within ${this.#timeoutMs} ms`));
        resolve(this.#count(key, cost, this.#policy(key, cost)));
      });
      (this.#redis as RedisStore).consume(key, cost).then(
        (d) => {
          if (deadline.done) return;
          deadline.done = true;
          if (this.#downSince >= 0) this.#up();
          resolve(this.#count(key, cost, d));
        },
        (e: unknown) => {
          if (deadline.done) return;
          deadline.done = true;
          this.#failed(e);
          resolve(this.#count(key, cost, this.#policy(key, cost)));
        },
      );
    });
  }

  #up(): void {
    const downMs = this.#clock.now() - this.#downSince;
    this.#downSince = -1;
    this.#emitter.emit('store-up', { downMs });
  }

  #withTimeout<T>(p: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const deadline = (this.#deadlines as Deadlines).add(() =>
        reject(new RateLimitStoreError(`Redis did not answer within ${this.#timeoutMs} ms`)),
      );
      p.then(
        (v) => {
          deadline.done = true;
          resolve(v);
        },
        (e: unknown) => {
          deadline.done = true;
          reject(e);
        },
      );
    });
  }

  #failed(e: unknown): void {
    this.#storeErrors++;
    const now = this.#clock.now();
    this.#retryAt = now + this.#retryIntervalMs;
    if (this.#downSince >= 0) return;
    this.#downSince = now;
    const error = isScalingError(e, 'ERR_RATE_LIMIT_STORE')
      ? (e as RateLimitStoreError)
      : new RateLimitStoreError(`Redis failed: ${(e as Error)?.message ?? String(e)}`, { cause: e });
    this.#emitter.emit('store-down', { error, whenDown: this.#whenDown });
  }

  #policy(key: string, cost: number): RateLimitDecision {
    this.#degraded++;
    const rule = (this.#compiled[0] as CompiledRule).rule;
    switch (this.#whenDown) {
      case 'fail-open':
        return { allowed: true, remaining: rule.limit, resetMs: 0, retryAfterMs: 0, rule, degraded: true };
      case 'fail-closed':
        return { allowed: false, remaining: 0, resetMs: this.#retryIntervalMs, retryAfterMs: this.#retryIntervalMs, rule, degraded: true };
      default: {
        this.#fallback ??= new MemoryStore(
          this.#compiled.map((c) => divideRule(c, this.#instances)),
          this.#maxKeys,
          this.#clock,
        );
        const fb = this.#fallback;
        const fits = fb.decider.rules.every((c) => c.burst >= cost);
        const d = fits
          ? fb.consume(key, cost)
          : { allowed: false, remaining: 0, resetMs: this.#retryIntervalMs, retryAfterMs: this.#retryIntervalMs, rule, degraded: true };
        d.degraded = true;
        return d;
      }
    }
  }
}
