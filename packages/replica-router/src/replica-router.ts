import { type Clock, ScalingError, systemClock, type TimerHandle } from '@scaling/core';
import { assertFunction, assertNonNegativeFinite, describeValue } from '@scaling/core/internal';
import { RoundRobin } from '@scaling/load-balancer';
import { assertLagFields } from './_sample.js';
import type { PickOptions, ReplicaBalancer, ReplicaBalancerFactory, ReplicaEndpoint, ReplicaLease } from './replica-balancer.js';
import { ReplicaSession } from './replica-session.js';

/** Read-your-writes mode: `'off'`, `'time'` (stick to the primary after a write) or `'position'` (replication position). */
export type ReadYourWritesMode = 'off' | 'time' | 'position';

/**
 * A health/lag sample for one replica, as reported by a health check (see {@link ReplicaRouter.report}).
 * Missing lag fields mean "unknown", which makes the replica ineligible while a limit is set.
 */
export interface ReplicaSample {
  /** Whether the replica answered its check. */
  healthy: boolean;
  /** Replication lag in milliseconds (time since the last replayed transaction was committed on the primary, 0 when caught up). */
  lagMs?: number;
  /** Replication lag in bytes of WAL (primary position − replica replay position). */
  lagBytes?: number;
  /** Replication position the replica has replayed up to, as a non-negative integer (for PostgreSQL: the LSN as a byte offset). */
  position?: number;
}

/** A snapshot of what the router currently believes about one replica. */
export interface ReplicaState {
  /** The replica's id. */
  id: string;
  /** Healthy by its last sample and not marked down since. */
  healthy: boolean;
  /** Lag in ms from the last sample (`undefined` when unknown). */
  lagMs: number | undefined;
  /** Lag in bytes from the last sample (`undefined` when unknown). */
  lagBytes: number | undefined;
  /** Replayed position from the last sample (`undefined` when unknown). */
  position: number | undefined;
  /** Clock reading of the last sample (`undefined` before the first). */
  sampledAt: number | undefined;
  /** Whether the replica may receive a read with no position requirement right now. */
  eligible: boolean;
}

/** Options of {@link ReplicaRouter}. All times in milliseconds. */
export interface ReplicaRouterOptions<P, R extends ReplicaEndpoint> {
  /** The primary: any value (a pool, a URL, a client). Returned by `forWrite()` and on fallback. */
  primary: P;
  /** The replicas, each with a unique `id`. May be empty (every read then goes to the primary). */
  replicas: readonly R[];
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
  /** `'position'` mode: how long {@link ReplicaRouter.forReadAsync} waits for a replica to catch up before using the primary. Default 0. */
  maxWaitMs?: number;
  /** When no replica is eligible: `'primary'` (default) reads from the primary; `'error'` throws {@link NoReplicaError}. */
  fallback?: 'primary' | 'error';
  /** Called when a `forReadAsync` call starts waiting for a replica to catch up (an adapter refreshes positions then). */
  onWait?: () => void;
  /** Time source. Default `systemClock`. */
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

/** Thrown by `forRead` when no replica is eligible and `fallback` is `'error'` (code `ERR_NO_REPLICA`). */
export class NoReplicaError extends ScalingError {
  constructor(message: string) {
    super('ERR_NO_REPLICA', message);
  }
  override get name(): string {
    return 'NoReplicaError';
  }
}

const noop = (): void => {};
const UNKNOWN = Number.NaN;

interface Waiter<P, R> {
  minPosition: number;
  key: string | undefined;
  resolve: (lease: ReplicaLease<P | R>) => void;
  reject: (error: unknown) => void;
  timer: TimerHandle | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * Routes writes to the primary and reads to a replica that is healthy, within `maxLagMs` and
 * `maxLagBytes`, and caught up to the session's read-your-writes token; with none eligible, reads fall
 * back to the primary (or throw `ERR_NO_REPLICA`). Engine-neutral: samples arrive through
 * {@link ReplicaRouter.report} (from health checks) and are re-checked on every routing decision, so a
 * replica that falls behind stops receiving reads at once, whoever was reading from it.
 *
 * Read-your-writes follows GitLab's database load balancer (sticky primary per session by replication
 * position) and Rails' `ActiveRecord` automatic role switching (a 2 s time window after a write).
 *
 * Per-replica state lives in typed arrays; a `forRead` allocates nothing of its own.
 *
 * @throws {TypeError}/{@link RangeError} at construction on a bad option, naming it.
 * @example
 * ```ts
 * import { ReplicaRouter } from '@scaling/replica-router';
 * const router = new ReplicaRouter({
 *   primary: 'primary',
 *   replicas: [{ id: 'r1' }, { id: 'r2' }],
 *   readYourWrites: 'position',
 *   maxLagBytes: 16 * 1024 * 1024,
 * });
 * router.report('r1', { healthy: true, lagMs: 0, lagBytes: 0, position: 1000 });
 * const session = router.session();
 * router.recordWrite(session, 1200);
 * router.forRead({ session }).endpoint; // 'primary' (r1 has replayed only up to 1000)
 * router.report('r1', { healthy: true, lagMs: 0, lagBytes: 0, position: 1300 });
 * router.forRead({ session }).endpoint; // { id: 'r1' }
 * ```
 */
export class ReplicaRouter<P, R extends ReplicaEndpoint = ReplicaEndpoint> {
  /** The primary given at construction. */
  readonly primary: P;
  /** The replicas given at construction. */
  readonly replicas: readonly R[];
  /** The read-your-writes mode. */
  readonly readYourWrites: ReadYourWritesMode;

  readonly #clock: Clock;
  readonly #balancer: ReplicaBalancer<R> | undefined;
  readonly #index = new Map<string, number>();
  readonly #healthy: Uint8Array;
  readonly #lagMs: Float64Array;
  readonly #lagBytes: Float64Array;
  readonly #position: Float64Array;
  readonly #sampledAt: Float64Array;
  readonly #maxLagMs: number;
  readonly #maxLagBytes: number;
  readonly #maxSampleAgeMs: number;
  readonly #stickinessMs: number;
  readonly #maxWaitMs: number;
  readonly #fallbackError: boolean;
  readonly #onWait: () => void;
  readonly #primaryLease: ReplicaLease<P>;
  readonly #exclude = new Set<string>();
  readonly #pick: PickOptions = { key: undefined, exclude: undefined };
  #waiters: Waiter<P, R>[] = [];

  constructor(options: ReplicaRouterOptions<P, R>) {
    if (typeof options !== 'object' || options === null)
      throw new TypeError(`Expected \`options\` to be an object, got ${describeValue(options)}`);
    const {
      primary,
      replicas,
      balancer,
      maxLagMs = 10_000,
      maxLagBytes = Number.POSITIVE_INFINITY,
      maxSampleAgeMs = 30_000,
      readYourWrites = 'off',
      stickinessMs = 2_000,
      maxWaitMs = 0,
      fallback = 'primary',
      onWait = noop,
      clock = systemClock,
    } = options;
    if (primary === undefined || primary === null) throw new TypeError(`Expected \`primary\` to be defined, got ${describeValue(primary)}`);
    if (!Array.isArray(replicas)) throw new TypeError(`Expected \`replicas\` to be an array, got ${describeValue(replicas)}`);
    const primaryId = typeof primary === 'object' ? (primary as { id?: unknown }).id : undefined;
    replicas.forEach((r, i) => {
      if (typeof r !== 'object' || r === null || typeof r.id !== 'string' || r.id === '')
        throw new TypeError(`Expected \`replicas[${i}].id\` to be a non-empty string, got ${describeValue(r?.id)}`);
      if (r.id === primaryId || (r as unknown) === primary)
        throw new ScalingError(
          'ERR_DUPLICATE_ENDPOINT',
          `Replica id ${JSON.stringify(r.id)} is the primary's id: the primary cannot also be one of its replicas`,
        );
      if (this.#index.has(r.id)) throw new ScalingError('ERR_DUPLICATE_ENDPOINT', `Duplicate replica id ${JSON.stringify(r.id)}`);
      this.#index.set(r.id, i);
    });
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
    assertFunction('onWait', onWait);
    if (balancer !== undefined) assertFunction('balancer', balancer);
    if (typeof clock !== 'object' || clock === null || typeof clock.now !== 'function')
      throw new TypeError(`Expected \`clock\` to be a Clock, got ${describeValue(clock)}`);

    this.primary = primary;
    this.replicas = replicas.slice();
    this.readYourWrites = readYourWrites;
    this.#clock = clock;
    this.#maxLagMs = maxLagMs;
    this.#maxLagBytes = maxLagBytes;
    this.#maxSampleAgeMs = maxSampleAgeMs;
    this.#stickinessMs = stickinessMs;
    this.#maxWaitMs = maxWaitMs;
    this.#fallbackError = fallback === 'error';
    this.#onWait = onWait;
    const n = replicas.length;
    this.#healthy = new Uint8Array(n);
    this.#lagMs = new Float64Array(n).fill(UNKNOWN);
    this.#lagBytes = new Float64Array(n).fill(UNKNOWN);
    this.#position = new Float64Array(n).fill(UNKNOWN);
    this.#sampledAt = new Float64Array(n).fill(UNKNOWN);
    this.#primaryLease = { endpoint: primary, release: noop };
    this.#balancer = n === 0 ? undefined : (balancer ?? ((rs: readonly R[]) => new RoundRobin<R>({ endpoints: rs, clock })))(this.replicas);
  }

  /** A new read-your-writes session (one per user request, user session or unit of work). */
  session(): ReplicaSession {
    return new ReplicaSession();
  }

  /** The primary, for a write. */
  forWrite(): P {
    return this.primary;
  }

  /**
   * Note a write made on behalf of `session`: starts its `'time'` stickiness window and, with a
   * `position` (the primary's replication position after the write), raises its read-your-writes token.
   * In `'position'` mode the position is required: without it the session's reads could not tell which
   * replicas have its write, and would silently lose read-your-writes.
   *
   * @throws {TypeError} when `position` is missing in `'position'` mode, or given and not a number.
   * @throws {RangeError} when `position` is negative, `NaN` or infinite.
   */
  recordWrite(session: ReplicaSession, position?: number): void {
    if (typeof session !== 'object' || session === null || typeof session.position !== 'number')
      throw new TypeError(`Expected \`session\` to be a ReplicaSession, got ${describeValue(session)}`);
    if (position !== undefined || this.readYourWrites === 'position') {
      if (position === undefined)
        throw new TypeError(
          "Expected `position` (the primary's replication position after the write) in 'position' read-your-writes mode, got undefined",
        );
      assertNonNegativeFinite('position', position);
      if (position > session.position) session.position = position;
    }
    session.lastWriteAt = this.#clock.now();
  }

  /**
   * Choose where a read goes, now: a replica lease from the balancer among eligible replicas, or the
   * primary's lease on fallback. Call `release()` on the result when the read is done.
   *
   * @throws {@link NoReplicaError} when none is eligible and `fallback` is `'error'`.
   */
  forRead(options?: ReadOptions): ReplicaLease<P | R> {
    let minPosition = options?.minPosition ?? 0;
    const session = options?.session;
    if (session !== undefined) {
      if (this.readYourWrites === 'time') {
        if (this.#clock.now() - session.lastWriteAt < this.#stickinessMs) return this.#primaryLease;
      } else if (this.readYourWrites === 'position' && session.position > minPosition) {
        minPosition = session.position;
      }
    }
    const lease = this.#tryReplica(minPosition, options?.key);
    if (lease !== undefined) return lease;
    if (this.#fallbackError) throw new NoReplicaError(this.#explain(minPosition));
    return this.#primaryLease;
  }

  /**
   * Like {@link ReplicaRouter.forRead}, but in `'position'` mode with `maxWaitMs` > 0, when no replica
   * has caught up to the session yet, waits up to `maxWaitMs` for a {@link ReplicaRouter.report} that
   * makes one eligible, then falls back. An aborted `signal` rejects the call with the signal's reason
   * (at once when it is already aborted).
   *
   * @throws (rejects) {@link NoReplicaError} as `forRead`; `signal.reason` when `signal` aborts.
   */
  forReadAsync(options?: ReadOptions): Promise<ReplicaLease<P | R>> {
    const signal = options?.signal;
    if (signal !== undefined) {
      if (typeof signal !== 'object' || signal === null || typeof signal.aborted !== 'boolean')
        return Promise.reject(new TypeError(`Expected \`signal\` to be an AbortSignal, got ${describeValue(signal)}`));
      if (signal.aborted) return Promise.reject(signal.reason);
    }
    let lease: ReplicaLease<P | R>;
    try {
      lease = this.forRead(options);
    } catch (e) {
      if (this.#maxWaitMs === 0 || !(e instanceof NoReplicaError)) return Promise.reject(e);
      lease = this.#primaryLease;
    }
    const session = options?.session;
    if (
      lease !== this.#primaryLease ||
      this.#maxWaitMs === 0 ||
      this.readYourWrites !== 'position' ||
      session === undefined ||
      session.position === 0 ||
      this.replicas.length === 0
    ) {
      return Promise.resolve(lease);
    }
    const minPosition = Math.max(session.position, options?.minPosition ?? 0);
    return new Promise<ReplicaLease<P | R>>((resolve, reject) => {
      const waiter: Waiter<P, R> = { minPosition, key: options?.key, resolve, reject, timer: undefined, signal, onAbort: undefined };
      waiter.timer = this.#clock.setTimeout(() => {
        this.#removeWaiter(waiter);
        detach(waiter);
        if (this.#fallbackError) reject(new NoReplicaError(this.#explain(minPosition)));
        else resolve(this.#primaryLease);
      }, this.#maxWaitMs);
      if (signal !== undefined) {
        waiter.onAbort = () => {
          this.#removeWaiter(waiter);
          if (waiter.timer !== undefined) this.#clock.clearTimeout(waiter.timer);
          detach(waiter);
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#waiters.push(waiter);
      this.#onWait();
    });
  }

  /** Number of `forReadAsync` calls waiting for a replica to catch up. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * Record a health/lag sample for replica `id` (from a health check). Takes effect on the next
   * routing decision and wakes `forReadAsync` waiters the replica now satisfies.
   *
   * @throws {RangeError} when `id` is not a replica of this router, or `lagMs`, `lagBytes` or `position`
   * is negative, `NaN` or infinite.
   * @throws {TypeError} when `healthy` is not a boolean or a lag/position field is present and not a number.
   */
  report(id: string, sample: ReplicaSample): void {
    const i = this.#indexOf(id);
    assertLagFields(sample);
    if (typeof sample.healthy !== 'boolean')
      throw new TypeError(`Expected \`healthy\` to be a boolean, got ${describeValue(sample.healthy)}`);
    this.#healthy[i] = sample.healthy ? 1 : 0;
    this.#lagMs[i] = numberOrUnknown(sample.lagMs);
    this.#lagBytes[i] = numberOrUnknown(sample.lagBytes);
    this.#position[i] = numberOrUnknown(sample.position);
    this.#sampledAt[i] = this.#clock.now();
    if (this.#waiters.length > 0) this.#wake();
  }

  /**
   * Mark replica `id` down at once (e.g. after a connection-level error). It stays ineligible until a
   * sample with `healthy: true` is reported.
   *
   * @throws {RangeError} when `id` is not a replica of this router.
   */
  markDown(id: string): void {
    this.#healthy[this.#indexOf(id)] = 0;
  }

  /** What the router currently believes about each replica. */
  states(): ReplicaState[] {
    const now = this.#clock.now();
    return this.replicas.map((r, i) => ({
      id: r.id,
      healthy: this.#healthy[i] === 1,
      lagMs: unknownToUndefined(this.#lagMs[i] as number),
      lagBytes: unknownToUndefined(this.#lagBytes[i] as number),
      position: unknownToUndefined(this.#position[i] as number),
      sampledAt: unknownToUndefined(this.#sampledAt[i] as number),
      eligible: this.#eligible(i, 0, now),
    }));
  }

  /** Cancel every waiting `forReadAsync` (they resolve to the primary). */
  close(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) {
      if (w.timer !== undefined) this.#clock.clearTimeout(w.timer);
      detach(w);
      w.resolve(this.#primaryLease);
    }
  }

  #indexOf(id: string): number {
    const i = this.#index.get(id);
    if (i === undefined) throw new RangeError(`Expected \`id\` to be one of the replicas' ids, got ${describeValue(id)}`);
    return i;
  }

  #eligible(i: number, minPosition: number, now: number): boolean {
    if (this.#healthy[i] !== 1) return false;
    const at = this.#sampledAt[i] as number;
    if (!(now - at <= this.#maxSampleAgeMs)) return false;
    // NaN (unknown) fails every comparison below unless the limit is off
    const lagMs = this.#lagMs[i] as number;
    if (this.#maxLagMs !== Number.POSITIVE_INFINITY && !(lagMs <= this.#maxLagMs)) return false;
    const lagBytes = this.#lagBytes[i] as number;
    if (this.#maxLagBytes !== Number.POSITIVE_INFINITY && !(lagBytes <= this.#maxLagBytes)) return false;
    if (minPosition > 0 && !((this.#position[i] as number) >= minPosition)) return false;
    return true;
  }

  #tryReplica(minPosition: number, key: string | undefined): ReplicaLease<R> | undefined {
    const balancer = this.#balancer;
    if (balancer === undefined) return undefined;
    const replicas = this.replicas;
    const exclude = this.#exclude;
    if (exclude.size > 0) exclude.clear();
    const now = this.#clock.now();
    let eligible = 0;
    for (let i = 0; i < replicas.length; i++) {
      if (this.#eligible(i, minPosition, now)) eligible++;
      else exclude.add((replicas[i] as R).id);
    }
    if (eligible === 0) return undefined;
    const pick = this.#pick;
    pick.key = key;
    pick.exclude = exclude;
    return balancer.pick(pick);
  }

  #explain(minPosition: number): string {
    const parts = this.states().map(
      (s) =>
        `${s.id}: ${s.sampledAt === undefined ? 'no sample' : !s.healthy ? 'down' : `lag ${s.lagMs ?? '?'} ms / ${s.lagBytes ?? '?'} B, position ${s.position ?? '?'}`}`,
    );
    return `No replica is eligible${minPosition > 0 ? ` at position ≥ ${minPosition}` : ''} (${parts.join('; ') || 'no replicas'})`;
  }

  #wake(): void {
    const now = this.#clock.now();
    const still: Waiter<P, R>[] = [];
    const ready: Array<[Waiter<P, R>, ReplicaLease<R>]> = [];
    for (const w of this.#waiters) {
      let any = false;
      for (let i = 0; i < this.replicas.length; i++) {
        if (this.#eligible(i, w.minPosition, now)) {
          any = true;
          break;
        }
      }
      if (!any) {
        still.push(w);
        continue;
      }
      const lease = this.#tryReplica(w.minPosition, w.key);
      if (lease === undefined) still.push(w);
      else ready.push([w, lease]);
    }
    this.#waiters = still;
    for (const [w, lease] of ready) {
      if (w.timer !== undefined) this.#clock.clearTimeout(w.timer);
      detach(w);
      w.resolve(lease);
    }
  }

  #removeWaiter(w: Waiter<P, R>): void {
    const i = this.#waiters.indexOf(w);
    if (i >= 0) this.#waiters.splice(i, 1);
  }
}

/** Stops a settled waiter listening to its signal. */
function detach(w: { signal: AbortSignal | undefined; onAbort: (() => void) | undefined }): void {
  if (w.signal !== undefined && w.onAbort !== undefined) w.signal.removeEventListener('abort', w.onAbort);
  w.onAbort = undefined;
}

function numberOrUnknown(v: number | undefined): number {
  return typeof v === 'number' && v >= 0 ? v : UNKNOWN;
}

function unknownToUndefined(v: number): number | undefined {
  return Number.isNaN(v) ? undefined : v;
}
