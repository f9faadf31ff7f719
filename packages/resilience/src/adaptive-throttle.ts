/**
 * Client-side adaptive throttling: when the backend rejects much of what it is sent, reject part of the
 * traffic locally — before it costs the backend anything — with probability
 * `max(0, (requests − K·accepts) / (requests + 1))` over a sliding window.
 *
 * Source: Google, "Site Reliability Engineering", ch. 21 "Handling Overload", *Client-side throttling*
 * (K = 2; requests are counted before the call, accepts after the backend accepted it).
 */
import { type Clock, type Lease, type Outcome, type RandomSource, systemClock } from '@scaling/core';
import { assertClock, assertFunction, assertOptions, assertPositiveFinite, assertPositiveInteger, Emitter } from '@scaling/core/internal';
import type { CallContext } from './_context.js';
import { TimeBuckets } from './_time-buckets.js';
import { ThrottledError } from './errors.js';
import { type AnyFn, invokeNext, type ObservablePolicy, PolicyBase, type PolicyContext } from './policy.js';

/** Options of {@link adaptiveThrottle}. */
export interface AdaptiveThrottleOptions {
  /** The multiplier K (≥ 1): lower throttles sooner. Default 2. */
  k?: number;
  /** The history window. Default 120,000 ms (the SRE book's two minutes). */
  windowMs?: number;
  /** Slots of the window. Default 60. */
  buckets?: number;
  /** Which errors still mean the backend accepted the request (e.g. a 404). Default: none (every error is a rejection). */
  isAccepted?: (error: unknown) => boolean;
  /** Default `systemClock`. */
  clock?: Clock;
  /** Default `Math.random`. */
  random?: RandomSource;
}

/** Events of an {@link AdaptiveThrottle} (channel `scaling:resilience:throttled`). */
export interface AdaptiveThrottleEvents {
  [event: string]: object;
  /** A request was rejected locally (with {@link ThrottledError}). */
  throttled: {
    /** The local rejection probability at the time, in [0, 1). */
    probability: number;
  };
}

/**
 * A snapshot of an {@link AdaptiveThrottle}: counters since creation (`requests` ≥ `throttled + accepts`),
 * and the window the probability is computed from as gauges.
 */
export interface AdaptiveThrottleStats {
  /** Requests since creation (local rejections included). */
  requests: number;
  /** Requests the backend accepted, since creation. */
  accepts: number;
  /** Rejected locally since creation. */
  throttled: number;
  /** Gauge: the local rejection probability now. */
  probability: number;
  /** Gauge: requests in the window now (local rejections included). */
  windowRequests: number;
  /** Gauge: requests accepted by the backend in the window now. */
  windowAccepts: number;
}

/** An adaptive throttle. Use `execute(fn)`, or `acquire()` → `lease.release({ ok })`. */
export interface AdaptiveThrottle extends ObservablePolicy<PolicyContext, AdaptiveThrottleEvents> {
  /** The local rejection probability now. */
  readonly probability: number;
  /**
   * Counts a request and may reject it locally.
   * @returns a lease; release it with `{ ok: true }` when the backend accepted the request.
   * @throws {@link ThrottledError}; {@link PolicyDisposedError}.
   */
  acquire(): Lease;
  /** A snapshot of the throttle's window and counters. */
  stats(): AdaptiveThrottleStats;
}

const REQ = 0;
const ACC = 1;

class Throttle extends PolicyBase implements AdaptiveThrottle {
  readonly #k: number;
  readonly #window: TimeBuckets;
  readonly #isAccepted: (error: unknown) => boolean;
  readonly #clock: Clock;
  readonly #random: RandomSource;
  readonly #emitter: Emitter<AdaptiveThrottleEvents>;
  #throttled = 0;
  #requests = 0;
  #accepts = 0;

  constructor(options: AdaptiveThrottleOptions) {
    super('adaptive throttle');
    assertOptions('adaptiveThrottle', options, ['k', 'windowMs', 'buckets', 'isAccepted', 'clock', 'random'], { K: 'use `k`' }, true);
    const { k = 2, windowMs = 120_000, buckets = 60, isAccepted = () => false, clock = systemClock, random = Math.random } = options;
    assertPositiveFinite('k', k);
    if (k < 1) throw new RangeError(`Expected \`k\` to be ≥ 1, got ${k}`);
    assertPositiveFinite('windowMs', windowMs);
    assertPositiveInteger('buckets', buckets);
    if (buckets > 10_000) throw new RangeError(`Expected \`buckets\` to be ≤ 10000, got ${buckets}`);
    assertFunction('isAccepted', isAccepted);
    assertClock('clock', clock, ['now']);
    assertFunction('random', random);
    this.#k = k;
    this.#window = new TimeBuckets(windowMs, buckets, 2);
    this.#isAccepted = isAccepted;
    this.#clock = clock;
    this.#random = random;
    this.#emitter = new Emitter<AdaptiveThrottleEvents>('resilience', ['throttled'], this);
  }

  on<K extends keyof AdaptiveThrottleEvents & string>(event: K, listener: (payload: AdaptiveThrottleEvents[K]) => void): () => void {
    return this.#emitter.on(event, listener);
  }

  off<K extends keyof AdaptiveThrottleEvents & string>(event: K, listener: (payload: AdaptiveThrottleEvents[K]) => void): void {
    this.#emitter.off(event, listener);
  }

  get probability(): number {
    const now = this.#clock.now();
    return this.#p(this.#window.total(now, REQ), this.#window.total(now, ACC));
  }

  #p(requests: number, accepts: number): number {
    const p = (requests - this.#k * accepts) / (requests + 1);
    return Math.max(p, 0);
  }

  stats(): AdaptiveThrottleStats {
    const now = this.#clock.now();
    const requests = this.#window.total(now, REQ);
    const accepts = this.#window.total(now, ACC);
    return {
      requests: this.#requests,
      accepts: this.#accepts,
      throttled: this.#throttled,
      probability: this.#p(requests, accepts),
      windowRequests: requests,
      windowAccepts: accepts,
    };
  }

  acquire(): Lease {
    this._admit();
    return new ThrottlePermit(this);
  }

  /** Counts the request; throws when it is rejected locally. */
  _admit(): void {
    if (this._disposed) throw this._disposedError();
    const now = this.#clock.now();
    const w = this.#window;
    const p = this.#p(w.total(now, REQ), w.total(now, ACC));
    w.add(now, REQ);
    this.#requests++;
    if (p > 0 && this.#random() < p) {
      this.#throttled++;
      if (this.#emitter.wants('throttled')) this.#emitter.emit('throttled', { probability: p });
      throw new ThrottledError(`rejected locally by adaptive throttling (p = ${p.toFixed(3)})`, p);
    }
  }

  _accepted(): void {
    this.#accepts++;
    this.#window.add(this.#clock.now(), ACC);
  }

  async _invoke(ctx: CallContext, fn: AnyFn, chain: readonly PolicyBase[], i: number): Promise<unknown> {
    this._admit();
    try {
      const v = await invokeNext(ctx, fn, chain, i);
      this._accepted();
      return v;
    } catch (e) {
      if (this.#isAccepted(e)) this._accepted();
      throw e;
    }
  }
}

class ThrottlePermit implements Lease {
  #owner: Throttle | undefined;
  constructor(owner: Throttle) {
    this.#owner = owner;
  }
  release(outcome?: Outcome): void {
    const o = this.#owner;
    if (o === undefined) return;
    this.#owner = undefined;
    if (outcome?.ok === true) o._accepted();
  }
}

/**
 * Creates an adaptive throttle (Google SRE client-side throttling).
 *
 * @throws {TypeError}/{@link RangeError} on a bad or unknown option, naming it.
 * @example
 * ```ts
 * import { adaptiveThrottle } from '@scaling/resilience';
 * const throttle = adaptiveThrottle({ k: 2 });
 * const res = await throttle.execute(() => fetch('http://search.internal/q?x=1'));
 * ```
 */
export function adaptiveThrottle(options: AdaptiveThrottleOptions = {}): AdaptiveThrottle {
  return new Throttle(options);
}
