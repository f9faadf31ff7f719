import { describeValue, type Emitter } from '@scaling/core/internal';
import { EndpointCounters } from './_counters.js';
import { EndpointTable } from './_endpoint-table.js';
import { FAILED, LeaseBook, type LeaseSink, NO_OUTCOME, OK, outcomeChannel } from './_leases.js';
import { type CommonOptions, excludeOf, parseCommonOptions } from './_options.js';
import { RandomDraw } from './_random.js';
import { SlowStart } from './_slow-start.js';
import { NoEndpointError, ReentrantCallError } from './errors.js';
import type { Endpoint, Lease, LoadBalancerEvents, OutcomeEvent, PickOptions } from './types.js';

/** A strategy's view of membership changes (ConsistentHashing's hash, a custom {@link Strategy}'s hooks). */
export interface MembershipHooks<E extends Endpoint> {
  /** After the table added `endpoint` at `pos`; throwing undoes the add. */
  added(endpoint: E, pos: number): void;
  /** Before the table removes `id` from `pos`; throwing cancels the removal. */
  removing(id: string, pos: number): void;
  /** After the table removed the endpoint at `pos` (the last endpoint moved from `movedFrom` into it). */
  removed(pos: number, movedFrom: number): void;
}

/** Where settled leases go beyond the event: latency-aware strategies (peak EWMA, custom ones). */
export interface OutcomeObserver {
  /** `result` is OK, FAILED or NO_OUTCOME; the latency and end time are in `core.book.sample`. */
  observe(pos: number, result: number): void;
}

/**
 * What every balancer is made of: the endpoint table, slow start, the random draw, the lease book and the
 * event emitter, wired together. The public classes hold one; a strategy adds only its choice.
 */
export class BalancerCore<E extends Endpoint> implements LeaseSink {
  readonly table: EndpointTable<E>;
  readonly slow: SlowStart<E> | undefined;
  readonly rng: RandomDraw;
  readonly book: LeaseBook<E>;
  /** Per-endpoint counters and histograms for `stats()`. */
  readonly counters: EndpointCounters;
  readonly options: CommonOptions;
  /** Picks that found no endpoint (`NoEndpointError`). */
  rejected = 0;
  /** Panic episodes begun. */
  panics = 0;
  /** Peak EWMA's latency cost at a position (for `stats()`), when the strategy keeps one. */
  latencyCost: ((pos: number) => number) | undefined;
  emitter: Emitter<LoadBalancerEvents> | undefined;
  /** `outcome` listeners subscribed (kept by the balancer's on/off), so a release checks a number, not a map. */
  outcomeListeners = 0;
  hooks: MembershipHooks<E> | undefined;
  observer: OutcomeObserver | undefined;
  /** True while membership is being changed (hooks and hashes may not change it again). */
  #updating = false;
  #initialEndpoints: readonly E[] | undefined;

  constructor(where: string, options: object | undefined, extraKeys: readonly string[], hints?: Readonly<Record<string, string>>) {
    const o = parseCommonOptions(where, options ?? {}, extraKeys, hints);
    this.options = o;
    this.table = new EndpointTable<E>(o.panicThreshold);
    this.slow = o.slowStart === undefined ? undefined : new SlowStart(this.table, o.clock, o.slowStart);
    this.rng = new RandomDraw(o.random);
    this.counters = new EndpointCounters(o.latencyHistogram);
    this.table.attach(this.counters);
    this.book = new LeaseBook(this.table, this.counters, o.clock, this, o.leaseTimeoutMs, o.pooledLeases);
    if (o.latencyHistogram) this.book.wantStartTimes();
    this.#initialEndpoints = (options as { endpoints?: readonly E[] } | undefined)?.endpoints;
  }

  /** Adds the initial endpoints (not in slow start) and wires the emitter; called once the strategy is ready. */
  start(emitter: Emitter<LoadBalancerEvents>): void {
    this.emitter = emitter;
    const onOutcome = this.options.onOutcome;
    if (onOutcome !== undefined) {
      emitter.on('outcome', (e) => onOutcome(e.id, e));
      this.outcomeListeners = emitter.listenerCount('outcome');
      this.book.wantStartTimes();
    }
    const initial = this.#initialEndpoints;
    this.#initialEndpoints = undefined;
    if (initial !== undefined) for (const e of initial) this.add(e, false);
  }

  #enter(what: string): void {
    if (this.#updating)
      throw new ReentrantCallError(
        `${what} was called from a callback (a strategy hook or the hash) while the balancer was updating its endpoints; call it after the update`,
      );
    this.#updating = true;
  }

  /** Adds `endpoint` (in slow start when `ramp`). */
  add(endpoint: E, ramp: boolean): void {
    this.#enter('add()');
    let toggled = false;
    try {
      const t = this.table;
      const pos = t.add(endpoint);
      if (this.hooks !== undefined) {
        try {
          this.hooks.added(endpoint, pos);
        } catch (e) {
          t.removeAt(pos);
          t.changed();
          throw e;
        }
      }
      if (ramp && this.slow !== undefined) this.slow.begin(pos);
      toggled = t.changed();
    } finally {
      this.#updating = false;
    }
    if (toggled) this.#panicEdge();
  }

  /** Removes endpoint `id`; false when unknown. */
  remove(id: string): boolean {
    const t = this.table;
    const pos = t.index.get(id);
    if (pos === undefined) return false;
    this.#enter('remove()');
    let toggled = false;
    try {
      if (this.hooks !== undefined) this.hooks.removing(id, pos);
      if (this.slow !== undefined) this.slow.forget(pos);
      this.counters.retire(pos, t.active[pos] as number);
      const last = t.n - 1;
      t.removeAt(pos);
      toggled = t.changed();
      if (this.hooks !== undefined) this.hooks.removed(pos, last);
    } finally {
      this.#updating = false;
    }
    if (toggled) this.#panicEdge();
    return true;
  }

  /** Sets `id`'s health; false when unknown. */
  setHealthy(id: string, healthy: boolean): boolean {
    if (typeof healthy !== 'boolean') throw new TypeError(`Expected \`healthy\` to be a boolean, got ${describeValue(healthy)}`);
    const t = this.table;
    const pos = t.index.get(id);
    if (pos === undefined) return false;
    if (!t.setHealthy(pos, healthy)) return true;
    if (healthy && this.slow !== undefined) this.slow.begin(pos);
    if (t.changed()) this.#panicEdge();
    return true;
  }

  #panicEdge(): void {
    const t = this.table;
    if (t.panicking) this.panics++;
    const em = this.emitter;
    if (em === undefined) return;
    const event = t.panicking ? 'panic' : 'recover';
    if (em.wants(event)) em.emit(event, { healthy: t.healthyCount, total: t.n });
  }

  /** Starts a pick: refreshes slow start if due; returns the exclude set. */
  begin(options: PickOptions | undefined): ReadonlySet<string> | undefined {
    if (this.table.ramping > 0) (this.slow as SlowStart<E>).refresh();
    return excludeOf(options);
  }

  /** Issues a lease on `pos`. */
  lease(pos: number): Lease<E> {
    return this.book.lease(pos);
  }

  /** Throws the right error when a pick found nothing (`declined`: the strategy chose none, nothing excluded). */
  fail(declined = false): never {
    this.rejected++;
    const t = this.table;
    if (t.n === 0) throw new NoEndpointError('ERR_NO_ENDPOINTS', 'No endpoints to pick from');
    if (!t.routable)
      throw new NoEndpointError(
        'ERR_NO_HEALTHY_ENDPOINTS',
        `None of ${t.n} endpoints is healthy and panic routing is disabled (panicThreshold: 0)`,
      );
    // `declined`: a custom strategy returned -1 with nothing excluded (the built-in ones never do).
    if (declined)
      throw new NoEndpointError(
        'ERR_NO_ENDPOINTS',
        `The strategy's pick() returned -1 (no choice) among ${t.n} endpoint${t.n === 1 ? '' : 's'}, none excluded`,
      );
    throw new NoEndpointError('ERR_NO_ENDPOINTS', 'Every eligible endpoint is excluded');
  }

  /** Turns on start times for every lease (latency-aware strategies, outcome listeners). */
  needLatency(): void {
    this.book.wantStartTimes();
  }

  settle(pos: number, result: number): void {
    if (this.outcomeListeners > 0 || outcomeChannel.hasSubscribers) this.#settleAndEmit(pos, result);
    else if (this.observer !== undefined) this.observer.observe(pos, result);
  }

  /** {@link BalancerCore.settle} with `outcome` listeners: the event goes out even if the observer throws. */
  #settleAndEmit(pos: number, result: number): void {
    try {
      if (this.observer !== undefined) this.observer.observe(pos, result);
    } finally {
      const latencyMs = this.book.sample[0] as number;
      const id = this.table.ids[pos] as string;
      const event: OutcomeEvent = result === NO_OUTCOME ? { id, latencyMs } : { id, ok: result === OK, latencyMs };
      (this.emitter as Emitter<LoadBalancerEvents>).emit('outcome', event);
    }
  }
}

export { FAILED, NO_OUTCOME, OK };
