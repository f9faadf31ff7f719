import { type Clock, type RandomSource, ScalingError, systemClock, type TimerHandle } from '@scaling/core';
import { assertFunction, assertInRange, assertNonNegativeFinite, assertPositiveFinite, describeValue } from '@scaling/core/internal';
import { NoEndpointError } from './errors.js';
import type { Endpoint, Lease, LeaseResult, OutcomeListener, PanicEvent, PickOptions } from './types.js';

/** Slow start (Envoy): a new or recovered endpoint's weight ramps up over `windowMs`. */
export interface SlowStartOptions {
  /** Length of the ramp in milliseconds. */
  windowMs: number;
  /** Shape of the ramp: weight × (t / window)^(1 / aggression). 1 (default) is linear; > 1 ramps faster early. */
  aggression?: number;
  /** Floor of the ramp as a percentage of the weight. Default 10 (Envoy's default). */
  minWeightPercent?: number;
}

/** Options every strategy accepts. */
export interface BalancerOptions<E extends Endpoint = Endpoint> {
  /** Initial endpoints (not in slow start). Default none. */
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
  /** Ramp the weight of endpoints added later or turning healthy (Envoy's slow start). Default off. */
  slowStart?: SlowStartOptions;
  /**
   * Reclaim a lease still outstanding after this many milliseconds: its active count is returned and it is
   * reported as a failure (latency = its age); a later `release()` on it is a no-op. Checked by one
   * `unref()`ed timer every `leaseTimeoutMs / 4`. Default: never.
   */
  leaseTimeoutMs?: number;
  /** The passive-health hook: shorthand for `on('outcome', listener)`. */
  onOutcome?: OutcomeListener;
  /**
   * Recycle released lease objects (default `true`), so a steady stream of pick/release allocates nothing.
   * `false` allocates one small object per pick, for callers that keep leases after releasing them.
   */
  pooledLeases?: boolean;
}

/** Latency tracking used by peak EWMA (set by that strategy). @internal */
export interface LatencyTracking {
  decayMs: number;
  failurePenaltyMs: number;
}

const PANIC_OFF = 0;

/**
 * @internal The `exclude` set of a pick, or `undefined` when there is none or it is empty.
 * @throws {TypeError} when `exclude` is not a `ReadonlySet` (e.g. an array).
 */
export function excludeOf(options: PickOptions | undefined): ReadonlySet<string> | undefined {
  if (options === undefined) return undefined;
  const exclude = options.exclude;
  if (exclude === undefined) return undefined;
  if (exclude instanceof Set) return exclude.size === 0 ? undefined : exclude;
  return checkExclude(exclude);
}

function checkExclude(exclude: unknown): ReadonlySet<string> | undefined {
  const set = exclude as ReadonlySet<string>;
  if (typeof exclude !== 'object' || exclude === null || typeof set.has !== 'function' || typeof set.size !== 'number')
    throw new TypeError(`Expected \`exclude\` to be a ReadonlySet of endpoint ids, got ${describeValue(exclude)}`);
  return set.size === 0 ? undefined : set;
}

/** @internal A lease object; pooled by its {@link Pool}. */
export class PooledLease<E extends Endpoint> implements Lease<E> {
  endpoint: E;
  /** Position of the endpoint when picked while outstanding; −1 once released, −2 once reclaimed. */
  pos = -1;
  uid = 0;
  startMs = 0;
  /** Index in the pool's tracked list (lease timeouts), −1 when untracked. */
  slot = -1;
  readonly pool: Pool<E>;

  constructor(pool: Pool<E>, endpoint: E) {
    this.pool = pool;
    this.endpoint = endpoint;
  }

  release(result?: LeaseResult): void {
    if (this.pos >= 0) this.pool.release(this, result);
  }
}

/**
 * @internal Dense per-endpoint state in typed arrays, indexed by position 0…n−1 (removal swaps the last
 * endpoint into the hole), plus leases, health/panic, slow start and the outcome hook. Every strategy
 * owns one; only the selection differs.
 */
export class Pool<E extends Endpoint> {
  n = 0;
  cap = 0;
  eps: E[] = [];
  ids: string[] = [];
  index = new Map<string, number>();
  /** Instance number of each endpoint (a new one per add), so leases never touch a re-added namesake. */
  uid = new Int32Array(0);
  active = new Int32Array(0);
  weight = new Float64Array(0);
  /** Effective weight: `weight` scaled by slow start. */
  eff = new Float64Array(0);
  healthy = new Uint8Array(0);
  /** Slow-start start time, NaN when not ramping. */
  ssStart = new Float64Array(0);
  /** Strategy scratch per endpoint (smooth WRR current weight, EDF deadline). */
  cur = new Float64Array(0);
  /** Peak-EWMA cost (ms) and the time of its last update. */
  cost = new Float64Array(0);
  stamp = new Float64Array(0);
  sampled = new Uint8Array(0);

  /** Bumped whenever membership, health, panic or effective weights change. */
  version = 0;
  healthyCount = 0;
  /** Sum of active requests (O(n); for bounded-load hashing). */
  totalActive(): number {
    let sum = 0;
    for (let p = 0; p < this.n; p++) sum += this.active[p] as number;
    return sum;
  }
  /** True when every endpoint is in rotation (all healthy, or panicking). */
  allIn = true;
  panicking = false;
  /** False when no endpoint can be routed to (panic disabled and none healthy). */
  routable = true;
  slowStarting = 0;

  readonly clock: Clock;
  readonly #custom: RandomSource | undefined;
  #seed: number;

  /**
   * Next 30 uniform random bits as a small integer in [0, 2^30): from the caller's `random`, or xorshift32
   * (Marsaglia, 2003). An integer, not a double, so it never has to be boxed on the way out.
   */
  bits(): number {
    if (this.#custom !== undefined) return (this.#custom() * 1073741824) | 0;
    let x = this.#seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#seed = x;
    return x >>> 2;
  }

  /** A uniform integer in [0, n) for n ≤ 2^21 (exact enough for balancing). */
  below(n: number): number {
    return ((this.bits() * n) / 1073741824) | 0;
  }

  /** First candidate of the last {@link Pool.drawTwo}. */
  candA = -1;
  /** Second candidate of the last {@link Pool.drawTwo}, −1 when only one endpoint was eligible. */
  candB = -1;

  /**
   * Draws two distinct random eligible endpoints into `candA`/`candB` (the "two choices" of P2C and peak
   * EWMA; Mitzenmacher 2001). Returns false when none is eligible; `candB` is −1 when only one is.
   */
  drawTwo(exclude: ReadonlySet<string> | undefined): boolean {
    const n = this.n;
    if (this.allIn && exclude === undefined) {
      if (n < 2) {
        this.candA = 0;
        this.candB = -1;
        return n === 1;
      }
      let a: number;
      let b: number;
      if (n <= 256) {
        // One 30-bit draw, two 15-bit halves, integer math only (bias ≤ n / 2^15 ≤ 0.8 %).
        const x = this.bits();
        a = ((x & 0x7fff) * n) >>> 15;
        b = ((x >>> 15) * (n - 1)) >>> 15;
      } else {
        a = this.below(n);
        b = this.below(n - 1);
      }
      this.candA = a;
      this.candB = b >= a ? b + 1 : b;
      return true;
    }
    const a = this.randomEligible(exclude, -1);
    if (a < 0) return false;
    this.candA = a;
    this.candB = this.randomEligible(exclude, a);
    return true;
  }
  readonly panicThreshold: number;
  readonly ss: { windowMs: number; invAggression: number; minFactor: number } | undefined;
  readonly leaseTimeoutMs: number;
  readonly pooled: boolean;
  /** Record the pick time on each lease (latency defaulting, timeouts, peak EWMA). */
  needStart: boolean;
  latency: LatencyTracking | undefined;

  #ssNextRefresh = 0;
  #ssRefreshEvery = 0;
  #free: PooledLease<E>[] = [];
  #spare: PooledLease<E> | undefined;
  #tracked: PooledLease<E>[] = [];
  #timer: TimerHandle | undefined;
  #closed = false;
  #outcomeListeners: OutcomeListener[] = [];
  #panicListeners: Array<(e: PanicEvent) => void> = [];
  #recoverListeners: Array<(e: PanicEvent) => void> = [];
  #outcome = { ok: true, latencyMs: 0 };
  #snapshot: readonly E[] | undefined;
  #initialising = true;

  constructor(options: BalancerOptions<E>) {
    if (typeof options !== 'object' || options === null)
      throw new TypeError(`Expected \`options\` to be an object, got ${describeValue(options)}`);
    const { clock = systemClock, random, panicThreshold = 50, slowStart, leaseTimeoutMs, onOutcome, pooledLeases = true } = options;
    if (typeof clock !== 'object' || clock === null || typeof clock.now !== 'function')
      throw new TypeError('Expected `clock` to be a Clock, got a value without now()');
    if (random !== undefined) assertFunction('random', random);
    assertInRange('panicThreshold', panicThreshold, 0, 100);
    this.clock = clock;
    this.#custom = random;
    this.#seed = (Math.random() * 4294967296) | 0 || 1;
    this.panicThreshold = panicThreshold;
    if (slowStart !== undefined) {
      assertPositiveFinite('slowStart.windowMs', slowStart.windowMs);
      const aggression = slowStart.aggression ?? 1;
      assertPositiveFinite('slowStart.aggression', aggression);
      const minPct = slowStart.minWeightPercent ?? 10;
      assertInRange('slowStart.minWeightPercent', minPct, 0, 100);
      this.ss = { windowMs: slowStart.windowMs, invAggression: 1 / aggression, minFactor: minPct / 100 };
      this.#ssRefreshEvery = slowStart.windowMs / 64;
    }
    if (leaseTimeoutMs !== undefined) assertPositiveFinite('leaseTimeoutMs', leaseTimeoutMs);
    this.leaseTimeoutMs = leaseTimeoutMs ?? Number.POSITIVE_INFINITY;
    if (typeof pooledLeases !== 'boolean')
      throw new TypeError(`Expected \`pooledLeases\` to be a boolean, got ${describeValue(pooledLeases)}`);
    this.pooled = pooledLeases;
    this.needStart = leaseTimeoutMs !== undefined;
    if (onOutcome !== undefined) {
      assertFunction('onOutcome', onOutcome);
      this.#outcomeListeners.push(onOutcome);
      this.needStart = true;
    }
    this.#grow(8);
    const endpoints = options.endpoints;
    if (endpoints !== undefined) {
      if (!Array.isArray(endpoints))
        throw new TypeError(`Expected \`endpoints\` to be an array of endpoints, got ${describeValue(endpoints)}`);
      for (const e of endpoints) this.add(e);
    }
    this.#initialising = false;
  }

  #grow(min: number): void {
    let cap = Math.max(8, this.cap);
    while (cap < min) cap *= 2;
    if (cap === this.cap) return;
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    const u = new Int32Array(cap);
    u.set(this.uid);
    this.uid = u;
    this.weight = f64(this.weight);
    this.eff = f64(this.eff);
    this.ssStart = f64(this.ssStart);
    this.cur = f64(this.cur);
    this.cost = f64(this.cost);
    this.stamp = f64(this.stamp);
    const a = new Int32Array(cap);
    a.set(this.active);
    this.active = a;
    const h = new Uint8Array(cap);
    h.set(this.healthy);
    this.healthy = h;
    const s = new Uint8Array(cap);
    s.set(this.sampled);
    this.sampled = s;
    this.cap = cap;
  }

  // ---- membership -------------------------------------------------------------------------------

  add(endpoint: E): void {
    if (typeof endpoint !== 'object' || endpoint === null)
      throw new TypeError(`Expected \`endpoint\` to be an object, got ${describeValue(endpoint)}`);
    const id = endpoint.id;
    if (typeof id !== 'string') throw new TypeError(`Expected \`endpoint.id\` to be a string, got ${describeValue(id)}`);
    const w = endpoint.weight ?? 1;
    assertPositiveFinite('endpoint.weight', w);
    if (this.index.has(id)) throw new ScalingError('ERR_DUPLICATE_ENDPOINT', `Endpoint ${JSON.stringify(id)} is already present`);
    const pos = this.n;
    if (pos === this.cap) this.#grow(pos + 1);
    this.n = pos + 1;
    this.eps[pos] = endpoint;
    this.ids[pos] = id;
    this.index.set(id, pos);
    // Smi-range instance numbers; wrapping after 2^31 adds is harmless (only live leases compare them).
    uidCounter = (uidCounter + 1) & 0x3fffffff;
    this.uid[pos] = uidCounter;
    this.active[pos] = 0;
    this.weight[pos] = w;
    this.eff[pos] = w;
    this.healthy[pos] = 1;
    this.healthyCount++;
    this.ssStart[pos] = Number.NaN;
    this.cur[pos] = 0;
    this.cost[pos] = 0;
    this.stamp[pos] = 0;
    this.sampled[pos] = 0;
    if (!this.#initialising) this.#beginSlowStart(pos);
    this.#snapshot = undefined;
    this.#changed();
  }

  remove(id: string): boolean {
    const pos = this.index.get(id);
    if (pos === undefined) return false;
    if (this.healthy[pos] === 1) this.healthyCount--;
    if (!Number.isNaN(this.ssStart[pos] as number)) this.slowStarting--;
    this.index.delete(id);
    const last = this.n - 1;
    if (pos !== last) this.#move(last, pos);
    this.eps.length = last;
    this.ids.length = last;
    this.n = last;
    this.#snapshot = undefined;
    this.#changed();
    return true;
  }

  #move(from: number, to: number): void {
    const e = this.eps[from] as E;
    const id = this.ids[from] as string;
    this.eps[to] = e;
    this.ids[to] = id;
    this.index.set(id, to);
    this.uid[to] = this.uid[from] as number;
    this.active[to] = this.active[from] as number;
    this.weight[to] = this.weight[from] as number;
    this.eff[to] = this.eff[from] as number;
    this.healthy[to] = this.healthy[from] as number;
    this.ssStart[to] = this.ssStart[from] as number;
    this.cur[to] = this.cur[from] as number;
    this.cost[to] = this.cost[from] as number;
    this.stamp[to] = this.stamp[from] as number;
    this.sampled[to] = this.sampled[from] as number;
  }

  setHealthy(id: string, healthy: boolean): boolean {
    if (typeof healthy !== 'boolean') throw new TypeError(`Expected \`healthy\` to be a boolean, got ${describeValue(healthy)}`);
    const pos = this.index.get(id);
    if (pos === undefined) return false;
    const was = this.healthy[pos] === 1;
    if (was === healthy) return true;
    this.healthy[pos] = healthy ? 1 : 0;
    this.healthyCount += healthy ? 1 : -1;
    if (healthy) this.#beginSlowStart(pos);
    this.#changed();
    return true;
  }

  get endpoints(): readonly E[] {
    if (this.#snapshot === undefined) this.#snapshot = Object.freeze(this.eps.slice(0, this.n));
    return this.#snapshot;
  }

  /** Recomputes the rotation flags after any membership/health change; emits panic/recover on edges. */
  #changed(): void {
    this.version++;
    this.#checkWeights();
    const n = this.n;
    const wasPanicking = this.panicking;
    this.panicking = n > 0 && this.panicThreshold > PANIC_OFF && this.healthyCount * 100 < this.panicThreshold * n;
    this.allIn = this.panicking || this.healthyCount === n;
    this.routable = this.panicking || this.healthyCount > 0;
    if (this.panicking !== wasPanicking) {
      const listeners = this.panicking ? this.#panicListeners : this.#recoverListeners;
      if (listeners.length > 0) {
        const event: PanicEvent = { healthy: this.healthyCount, total: n };
        for (const l of listeners.slice()) l(event);
      }
    }
  }

  /** True while every endpoint has the same effective weight (unweighted fast paths). */
  equalWeights = true;

  #checkWeights(): void {
    let equal = true;
    const w0 = this.eff[0];
    for (let p = 1; p < this.n; p++) if (this.eff[p] !== w0) equal = false;
    this.equalWeights = equal;
  }

  /** Whether `pos` may be picked now. */
  eligible(pos: number, exclude: ReadonlySet<string> | undefined): boolean {
    return (this.allIn || this.healthy[pos] === 1) && (exclude === undefined || !exclude.has(this.ids[pos] as string));
  }

  // ---- slow start -------------------------------------------------------------------------------

  #beginSlowStart(pos: number): void {
    const ss = this.ss;
    if (ss === undefined) return;
    if (Number.isNaN(this.ssStart[pos] as number)) this.slowStarting++;
    const now = this.clock.now();
    this.ssStart[pos] = now;
    this.eff[pos] = (this.weight[pos] as number) * this.#ssFactor(0);
    this.#ssNextRefresh = now;
  }

  /** Envoy: max(minWeightPercent, (max(t, 1 ms) / window)^(1 / aggression)). */
  #ssFactor(t: number): number {
    const ss = this.ss!;
    const f = (Math.max(t, 1) / ss.windowMs) ** ss.invAggression;
    return Math.max(f, ss.minFactor);
  }

  /** Called by strategies at the start of a pick when `slowStarting > 0`: refreshes effective weights at most 64 times per window. */
  refreshSlowStart(): void {
    const now = this.clock.now();
    if (now < this.#ssNextRefresh) return;
    this.#ssNextRefresh = now + this.#ssRefreshEvery;
    const ss = this.ss!;
    for (let p = 0; p < this.n; p++) {
      const s = this.ssStart[p] as number;
      if (Number.isNaN(s)) continue;
      const t = now - s;
      if (t >= ss.windowMs) {
        this.ssStart[p] = Number.NaN;
        this.eff[p] = this.weight[p] as number;
        this.slowStarting--;
      } else this.eff[p] = (this.weight[p] as number) * this.#ssFactor(t);
    }
    this.version++;
    this.#checkWeights();
  }

  // ---- errors -----------------------------------------------------------------------------------

  /** Throws the right error when a pick found nothing. */
  fail(): never {
    if (this.n === 0) throw new NoEndpointError('ERR_NO_ENDPOINTS', 'No endpoints to pick from');
    if (!this.routable)
      throw new NoEndpointError(
        'ERR_NO_HEALTHY_ENDPOINTS',
        `None of ${this.n} endpoints is healthy and panic routing is disabled (panicThreshold: 0)`,
      );
    throw new NoEndpointError('ERR_NO_ENDPOINTS', 'Every eligible endpoint is excluded');
  }

  // ---- random helpers ---------------------------------------------------------------------------

  /** A uniformly random eligible position other than `skip` (−1 for none), or −1 if there is none. */
  randomEligible(exclude: ReadonlySet<string> | undefined, skip: number): number {
    const n = this.n;
    if (n === 0) return -1;
    // Cheap rejection probes first: uniform among eligible positions when one is accepted.
    for (let t = 0; t < 4; t++) {
      const p = this.below(n);
      if (p !== skip && this.eligible(p, exclude)) return p;
    }
    let m = 0;
    for (let p = 0; p < n; p++) if (p !== skip && this.eligible(p, exclude)) m++;
    if (m === 0) return -1;
    let k = this.below(m);
    for (let p = 0; p < n; p++) {
      if (p !== skip && this.eligible(p, exclude)) {
        if (k === 0) return p;
        k--;
      }
    }
    return -1;
  }

  // ---- leases -----------------------------------------------------------------------------------

  /**
   * Pick time set by a strategy that already read the clock (NaN otherwise), so the clock is read at most
   * once per pick. Doubles travel through typed arrays, not arguments, so nothing is boxed on the hot path.
   */
  readonly pickTime = new Float64Array([Number.NaN]);
  /** Scratch for the outcome being reported: [latencyMs, finishedAt]. */
  readonly #sample = new Float64Array(2);

  /** Issues a lease on `pos`. */
  lease(pos: number): Lease<E> {
    // One spare object covers the steady pick → release → pick stream; the free list covers concurrency.
    let l = this.#spare;
    const e = this.eps[pos] as E;
    if (l !== undefined) {
      this.#spare = undefined;
      l.endpoint = e;
    } else {
      l = this.#free.pop();
      if (l === undefined) l = new PooledLease(this, e);
      else l.endpoint = e;
    }
    l.pos = pos;
    l.uid = this.uid[pos] as number;
    this.active[pos] = (this.active[pos] as number) + 1;
    if (this.needStart) {
      const t = this.pickTime[0] as number;
      if (!Number.isNaN(t)) {
        l.startMs = t;
        this.pickTime[0] = Number.NaN;
      } else l.startMs = this.clock.now();
      if (this.leaseTimeoutMs !== Number.POSITIVE_INFINITY) this.#track(l);
    }
    return l;
  }

  release(l: PooledLease<E>, result: LeaseResult | undefined): void {
    // A bad latencyMs is reported after the lease is released (as if it were omitted), so counters never leak.
    let bad: unknown;
    let badLatency = false;
    if (result !== undefined && result !== null) {
      const ms = result.latencyMs;
      if (ms !== undefined && !(typeof ms === 'number' && ms >= 0 && ms < Number.POSITIVE_INFINITY)) {
        badLatency = true;
        bad = ms;
        result = { ok: result.ok };
      }
    }
    let pos = l.pos;
    l.pos = -1;
    if (l.slot >= 0) this.#untrack(l);
    if (pos >= this.n || this.uid[pos] !== l.uid) pos = this.#relocate(l);
    if (pos >= 0) {
      const a = this.active[pos] as number;
      if (a > 0) this.active[pos] = a - 1;
      if (this.needStart) {
        let ok = true;
        const sample = this.#sample;
        const latencyMs = result === undefined ? undefined : result.latencyMs;
        if (result !== undefined) ok = result.ok !== false;
        if (latencyMs === undefined || !(latencyMs >= 0)) {
          const now = this.clock.now();
          sample[0] = now - l.startMs;
          sample[1] = now;
        } else {
          sample[0] = latencyMs;
          sample[1] = l.startMs + latencyMs;
        }
        this.#report(pos, ok);
      }
    }
    if (this.pooled) {
      if (this.#spare === undefined) this.#spare = l;
      else this.#free.push(l);
    }
    if (badLatency) {
      const msg = `Expected \`latencyMs\` to be a finite number >= 0, got ${describeValue(bad)} (the lease was released)`;
      throw typeof bad === 'number' ? new RangeError(msg) : new TypeError(msg);
    }
  }

  /** The endpoint moved (a removal swapped it) or was removed: find its instance by id and uid, or −1. */
  #relocate(l: PooledLease<E>): number {
    const p = this.index.get(l.endpoint.id);
    return p === undefined || this.uid[p] !== l.uid ? -1 : p;
  }

  /** Feeds latency tracking and the outcome listeners with the sample in `#sample`. */
  #report(pos: number, ok: boolean): void {
    if (this.latency !== undefined) this.#observe(pos, ok);
    const listeners = this.#outcomeListeners;
    if (listeners.length > 0) {
      const o = this.#outcome;
      o.ok = ok;
      o.latencyMs = this.#sample[0] as number;
      const id = this.ids[pos] as string;
      for (let i = 0; i < listeners.length; i++) (listeners[i] as OutcomeListener)(id, o);
    }
  }

  /** Peak-sensitive EWMA update (Finagle `PeakEwma`): a peak replaces the cost, lower samples decay into it. */
  #observe(pos: number, ok: boolean): void {
    const t = this.latency!;
    const latencyMs = this.#sample[0] as number;
    const at = this.#sample[1] as number;
    const rtt = ok ? latencyMs : Math.max(latencyMs, t.failurePenaltyMs);
    if (this.sampled[pos] === 0) {
      this.sampled[pos] = 1;
      this.cost[pos] = rtt;
      this.stamp[pos] = at;
      return;
    }
    const cost = this.cost[pos] as number;
    const dt = at - (this.stamp[pos] as number);
    if (rtt > cost) this.cost[pos] = rtt;
    else {
      const w = dt > 0 ? Math.exp(-dt / t.decayMs) : 1;
      this.cost[pos] = cost * w + rtt * (1 - w);
    }
    // Completions can arrive out of order; the stamp only moves forward.
    if (dt > 0) this.stamp[pos] = at;
  }

  #track(l: PooledLease<E>): void {
    l.slot = this.#tracked.length;
    this.#tracked.push(l);
    if (this.#timer === undefined && !this.#closed) this.#schedule();
  }

  #untrack(l: PooledLease<E>): void {
    const tracked = this.#tracked;
    const last = tracked.pop() as PooledLease<E>;
    if (last !== l) {
      tracked[l.slot] = last;
      last.slot = l.slot;
    }
    l.slot = -1;
    if (tracked.length === 0 && this.#timer !== undefined) {
      this.clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  #schedule(): void {
    this.#timer = this.clock.setTimeout(() => this.#sweep(), Math.max(this.leaseTimeoutMs / 4, 1));
  }

  #sweep(): void {
    this.#timer = undefined;
    const now = this.clock.now();
    const tracked = this.#tracked;
    for (let i = tracked.length - 1; i >= 0; i--) {
      const l = tracked[i] as PooledLease<E>;
      const age = now - l.startMs;
      if (age >= this.leaseTimeoutMs) {
        // Reclaimed leases are never recycled, so the holder's late release() stays a no-op.
        let pos = l.pos;
        l.pos = -2;
        this.#untrack(l);
        if (pos >= this.n || this.uid[pos] !== l.uid) pos = this.#relocate(l);
        if (pos < 0) continue;
        if ((this.active[pos] as number) > 0) this.active[pos] = (this.active[pos] as number) - 1;
        this.#sample[0] = age;
        this.#sample[1] = now;
        this.#report(pos, false);
      }
    }
    if (tracked.length > 0 && !this.#closed) this.#schedule();
  }

  /** Number of outstanding leases the timeout sweeper watches. */
  get trackedLeases(): number {
    return this.#tracked.length;
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  // ---- events -----------------------------------------------------------------------------------

  on(event: 'panic' | 'recover' | 'outcome', listener: (...args: never[]) => void): () => void {
    assertFunction('listener', listener);
    let list: Array<(...args: never[]) => void>;
    if (event === 'panic') list = this.#panicListeners;
    else if (event === 'recover') list = this.#recoverListeners;
    else if (event === 'outcome') {
      list = this.#outcomeListeners;
      this.needStart = true;
    } else throw new TypeError(`Expected \`event\` to be "panic", "recover" or "outcome", got ${JSON.stringify(event)}`);
    list.push(listener);
    return () => {
      const i = list.indexOf(listener);
      if (i >= 0) list.splice(i, 1);
    };
  }

  enableLatency(t: LatencyTracking): void {
    assertPositiveFinite('decayMs', t.decayMs);
    assertNonNegativeFinite('failurePenaltyMs', t.failurePenaltyMs);
    this.latency = t;
    this.needStart = true;
  }
}

let uidCounter = 0;
