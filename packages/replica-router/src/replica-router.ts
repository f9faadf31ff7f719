import type { Clock } from '@scaling/core';
import { describeValue, Emitter } from '@scaling/core/internal';
import type { PickOptions } from '@scaling/load-balancer';
import { RoundRobin } from '@scaling/load-balancer';
import { explainNoReplica } from './_explain.js';
import { ReadWaits, type Waiter } from './_read-waiter.js';
import { indexReplicas } from './_replica-index.js';
import { assertLagFields, ELIGIBLE, ReplicaTable } from './_replica-table.js';
import type { DuplicateReplicaError } from './errors.js';
import { NoReplicaError } from './errors.js';
import { REPLICA_ROUTER_EVENTS, type ReplicaRouterEvents } from './events.js';
import type { ReplicaBalancer, ReplicaEndpoint, ReplicaLease } from './replica-balancer.js';
import { type ReadOptions, type ReadYourWritesMode, type ReplicaRouterOptions, resolveRouterOptions } from './replica-router-options.js';
import { type ReplicaRouterStats, routerStats } from './replica-router-stats.js';
import { ReplicaSession, writePosition } from './replica-session.js';
import type { ReplicaSample, ReplicaState } from './replica-state.js';

const noop = (): void => {};

/** How the last routing decision went (for the counters). */
const TO_REPLICA = 0;
const STICKY = 1;
const FALLBACK = 2;
const NO_REPLICA = 3;

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
 * Events (`on(event, listener)` → unsubscribe; channel `scaling:replica-router:<event>`): see
 * {@link ReplicaRouterEvents}. A throwing listener never breaks the router (its error is rethrown on
 * `process.nextTick`); a listener may call any method of the router.
 *
 * Per-replica state lives in typed arrays; a `forRead` allocates nothing of its own.
 *
 * @throws {TypeError}/{@link RangeError} at construction on a bad or unknown option, naming it;
 * {@link DuplicateReplicaError} when two replicas share an id or a replica is the primary.
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
  /** The replicas given at construction (empty when none were). */
  readonly replicas: readonly R[];
  /** The read-your-writes mode. */
  readonly readYourWrites: ReadYourWritesMode;

  readonly #clock: Clock;
  readonly #balancer: ReplicaBalancer<R> | undefined;
  readonly #index: Map<string, number>;
  readonly #table: ReplicaTable;
  readonly #stickinessMs: number;
  readonly #maxWaitMs: number;
  readonly #fallbackError: boolean;
  readonly #primaryLease: ReplicaLease<P>;
  readonly #exclude = new Set<string>();
  readonly #pick: PickOptions = { key: undefined, exclude: undefined };
  readonly #events: Emitter<ReplicaRouterEvents>;
  readonly #wait: ReadWaits<P, R>;
  readonly #maxLagMs: number;
  /** How the last {@link ReplicaRouter.#route} went. */
  #routed = TO_REPLICA;
  #replicaReads = 0;
  #stickyReads = 0;
  #fallbacks = 0;
  #noReplica = 0;

  constructor(options: ReplicaRouterOptions<P, R>) {
    const o = resolveRouterOptions(options);
    const { primary, replicas, clock } = o;
    this.#index = indexReplicas(replicas, primary);
    this.primary = primary;
    this.replicas = replicas.slice();
    this.readYourWrites = o.readYourWrites;
    this.#clock = clock;
    this.#table = new ReplicaTable(replicas.length, o);
    this.#stickinessMs = o.stickinessMs;
    this.#maxWaitMs = o.maxWaitMs;
    this.#fallbackError = o.fallback === 'error';
    this.#maxLagMs = o.maxLagMs;
    this.#wait = new ReadWaits<P, R>(clock, o.maxWaitMs, o.onWait, (w) => this.#fallBack(w));
    this.#primaryLease = { endpoint: primary, release: noop };
    this.#events = new Emitter<ReplicaRouterEvents>('replica-router', REPLICA_ROUTER_EVENTS, this);
    this.#balancer =
      replicas.length === 0
        ? undefined
        : (o.balancer ?? ((rs: readonly R[]) => new RoundRobin<R>({ endpoints: rs, clock })))(this.replicas);
  }

  /**
   * Subscribe to an event (see {@link ReplicaRouterEvents}); returns the unsubscribe function.
   * @throws {TypeError} for an unknown event or a listener that is not a function.
   */
  on<K extends keyof ReplicaRouterEvents>(event: K, listener: (payload: ReplicaRouterEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /** Remove a listener added with {@link ReplicaRouter.on}. */
  off<K extends keyof ReplicaRouterEvents>(event: K, listener: (payload: ReplicaRouterEvents[K]) => void): void {
    this.#events.off(event, listener);
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
    const p = writePosition(session, position, this.readYourWrites);
    if (p !== undefined && p > session.position) session.position = p;
    session.lastWriteAt = this.#clock.now();
  }

  /**
   * Choose where a read goes, now: a replica lease from the balancer among eligible replicas, or the
   * primary's lease on fallback. Call `release()` on the result when the read is done.
   *
   * @throws {@link NoReplicaError} when none is eligible and `fallback` is `'error'`.
   */
  forRead(options?: ReadOptions): ReplicaLease<P | R> {
    return this.#route(options, true);
  }

  /** The routing decision; sets `#routed`, and counts it when `count` (a settled `forReadAsync` counts itself). */
  #route(options: ReadOptions | undefined, count: boolean): ReplicaLease<P | R> {
    let minPosition = options?.minPosition ?? 0;
    const session = options?.session;
    if (session !== undefined) {
      if (this.readYourWrites === 'time') {
        if (this.#clock.now() - session.lastWriteAt < this.#stickinessMs) {
          this.#routed = STICKY;
          if (count) this.#stickyReads++;
          return this.#primaryLease;
        }
      } else if (this.readYourWrites === 'position' && session.position > minPosition) {
        minPosition = session.position;
      }
    }
    const lease = this.#tryReplica(minPosition, options?.key);
    if (lease !== undefined) {
      this.#routed = TO_REPLICA;
      if (count) this.#replicaReads++;
      return lease;
    }
    if (this.#fallbackError) {
      this.#routed = NO_REPLICA;
      if (count) this.#noReplica++;
      throw new NoReplicaError(this.#explain(minPosition));
    }
    this.#routed = FALLBACK;
    if (count) this.#fallbacks++;
    return this.#primaryLease;
  }

  /** Counts a decision made by `#route(…, false)` that stands as it is. */
  #countRouted(): void {
    const r = this.#routed;
    if (r === TO_REPLICA) this.#replicaReads++;
    else if (r === STICKY) this.#stickyReads++;
    else if (r === FALLBACK) this.#fallbacks++;
    else this.#noReplica++;
  }

  /**
   * A snapshot of the router (see {@link ReplicaRouterStats}): a fresh object. Unlike
   * {@link ReplicaRouter.states}, it emits nothing.
   * @example
   * ```ts
   * import { ReplicaRouter } from '@scaling/replica-router';
   * const router = new ReplicaRouter({ primary: 'primary', replicas: [{ id: 'r1' }] });
   * router.forRead();
   * router.stats().fallbacks; // 1 (r1 has no sample yet)
   * ```
   */
  stats(): ReplicaRouterStats {
    const counters = {
      replicaReads: this.#replicaReads,
      stickyReads: this.#stickyReads,
      fallbacks: this.#fallbacks,
      noReplica: this.#noReplica,
    };
    return routerStats(this.#table, this.replicas, this.#clock.now(), counters, this.#maxLagMs, this.#wait);
  }

  /**
   * Like {@link ReplicaRouter.forRead}, but in `'position'` mode with `maxWaitMs` > 0, when no replica
   * has caught up to the session yet while at least one healthy replica is replaying (eligible but
   * behind the session), waits up to `maxWaitMs` for a {@link ReplicaRouter.report} that makes one
   * eligible, then falls back. With no replica that could serve the read — none configured, all down,
   * stale or over a lag limit — it falls back at once (and a waiting call does too as soon as that
   * becomes true). An aborted `signal` rejects the call with the signal's reason (at once when it is
   * already aborted).
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
    let failure: unknown;
    try {
      lease = this.#route(options, false);
    } catch (e) {
      if (!(e instanceof NoReplicaError)) return Promise.reject(e);
      failure = e;
      lease = this.#primaryLease;
    }
    const session = options?.session;
    if (
      lease !== this.#primaryLease ||
      this.#maxWaitMs === 0 ||
      this.readYourWrites !== 'position' ||
      session === undefined ||
      session.position === 0 ||
      !this.#anyServing(this.#clock.now())
    ) {
      this.#countRouted();
      return failure === undefined ? Promise.resolve(lease) : Promise.reject(failure);
    }
    return this.#wait.wait(Math.max(session.position, options?.minPosition ?? 0), options?.key, signal);
  }

  /** Number of `forReadAsync` calls waiting for a replica to catch up. */
  get waiting(): number {
    return this.#wait.waiters.length;
  }

  /**
   * Record a health/lag sample for replica `id` (from a health check). Takes effect on the next
   * routing decision and wakes `forReadAsync` waiters the replica now satisfies (or that no replica can
   * serve any more).
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
    const now = this.#clock.now();
    this.#table.record(i, sample, now);
    if (this.#wait.waiters.length > 0) this.#wake(now);
    this.#notice(i, now);
  }

  /**
   * Mark replica `id` down at once (e.g. after a connection-level error). It stays ineligible until a
   * sample with `healthy: true` is reported.
   *
   * @param detail - why, in words (shown by `states()`). Default `'marked down'`.
   * @throws {RangeError} when `id` is not a replica of this router.
   */
  markDown(id: string, detail = 'marked down'): void {
    const i = this.#indexOf(id);
    this.#table.markDown(i, String(detail));
    const now = this.#clock.now();
    if (this.#wait.waiters.length > 0) this.#wake(now);
    this.#notice(i, now);
  }

  /**
   * What the router currently believes about each replica, with the reason an ineligible one gets no
   * reads. Emits the `eligibility` changes it notices (a sample that grew too old).
   */
  states(): ReplicaState[] {
    const now = this.#clock.now();
    const states = this.replicas.map((r, i) => this.#table.state(i, r.id, now));
    for (let i = 0; i < this.replicas.length; i++) this.#notice(i, now);
    return states;
  }

  /** Cancel every waiting `forReadAsync` (they resolve to the primary). */
  close(): void {
    const wait = this.#wait;
    const waiters = wait.waiters;
    wait.waiters = [];
    for (const w of waiters) {
      wait.settle(w);
      this.#fallbacks++;
      w.resolve(this.#primaryLease);
    }
  }

  #indexOf(id: string): number {
    const i = this.#index.get(id);
    if (i === undefined) throw new RangeError(`Expected \`id\` to be one of the replicas' ids, got ${describeValue(id)}`);
    return i;
  }

  /** Emits `eligibility` when replica `i`'s eligibility changed since it was last looked at. */
  #notice(i: number, now: number): void {
    if (!this.#table.changed(i, now) || !this.#events.wants('eligibility')) return;
    const code = this.#table.code(i, now);
    this.#events.emit('eligibility', { id: (this.replicas[i] as R).id, eligible: code === ELIGIBLE, reason: this.#table.reason(code) });
  }

  /** Whether some replica could serve reads now (eligible with no position requirement). */
  #anyServing(now: number): boolean {
    for (let i = 0; i < this.replicas.length; i++) if (this.#table.code(i, now) === ELIGIBLE) return true;
    return false;
  }

  #tryReplica(minPosition: number, key: string | undefined): ReplicaLease<R> | undefined {
    const balancer = this.#balancer;
    if (balancer === undefined) return undefined;
    const replicas = this.replicas;
    const table = this.#table;
    const now = this.#clock.now();
    const exclude = this.#exclude;
    if (exclude.size > 0) exclude.clear();
    let eligible = 0;
    for (let i = 0; i < replicas.length; i++) {
      if (table.eligible(i, minPosition, now)) eligible++;
      else exclude.add((replicas[i] as R).id);
    }
    if (eligible === 0) return undefined;
    const pick = this.#pick;
    pick.key = key;
    pick.exclude = exclude;
    return balancer.pick(pick);
  }

  #explain(minPosition: number): string {
    return explainNoReplica(this.states(), minPosition);
  }

  #fallBack(w: Waiter<P, R>): void {
    this.#wait.settle(w);
    if (this.#fallbackError) {
      this.#noReplica++;
      w.reject(new NoReplicaError(this.#explain(w.minPosition)));
    } else {
      this.#fallbacks++;
      w.resolve(this.#primaryLease);
    }
  }

  #wake(now: number): void {
    for (const [w, lease] of this.#wait.due(this.#anyServing(now), (w) => this.#caughtUp(w, now))) {
      if (lease === undefined) this.#fallBack(w);
      else {
        this.#wait.settle(w);
        this.#replicaReads++;
        w.resolve(lease);
      }
    }
  }

  /** A replica lease for waiter `w` once some replica has caught up with it, else `undefined`. */
  #caughtUp(w: Waiter<P, R>, now: number): ReplicaLease<R> | undefined {
    for (let i = 0; i < this.replicas.length; i++)
      if (this.#table.eligible(i, w.minPosition, now)) return this.#tryReplica(w.minPosition, w.key);
    return undefined;
  }
}
