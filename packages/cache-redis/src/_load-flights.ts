/**
 * The load path of a tier (`getOrLoad` after the L1 fast path): single flight per key, stale-while-revalidate
 * refreshes in the background, L2, the stampede lock, the loader, and fail-safe to the last value within its
 * grace.
 */
import type { Clock } from '@scaling/core';
import { Entry } from './_entry.js';
import type { FillOutcome, Lease } from './_fill-leases.js';
import type { L2Failure } from './_l2-commands.js';
import type { VersionSnapshot } from './_tag-versions.js';
import type { TierCore } from './_tier-core.js';
import { TierClosedError } from './errors.js';
import type { TierLoader, TierLoadOptions, TierResult } from './types.js';

/** The loads in flight of one {@link TierCore}, by key. */
export class LoadFlights {
  readonly #core: TierCore;
  readonly #clock: Clock;
  readonly #loads = new Map<string, Promise<TierResult<unknown>>>();
  readonly #abort = new AbortController();

  constructor(core: TierCore) {
    this.#core = core;
    this.#clock = core.s.clock;
  }

  /** Aborts the signal loaders get (the tier is closing). */
  abort(): void {
    this.#abort.abort(new TierClosedError());
  }

  /** `getOrLoad` after the L1 fast path: stale/grace handling, single flight, L2, lock, loader. */
  async resolve<V>(
    key: string,
    loader: TierLoader<V>,
    options: TierLoadOptions | undefined,
    tags: readonly string[] | undefined,
  ): Promise<TierResult<V>> {
    if (this.#core.closed) throw new TierClosedError();
    this.#core.stats.lookups++;
    const now = this.#clock.now();
    const local = this.#core.l1Entry(key);
    if (local !== undefined) {
      if (local.expiresAt > now) {
        this.#core.stats.l1Hits++;
        return { value: local.value as V, status: 'l1' };
      }
      if (local.staleUntil > now) {
        this.#core.stats.staleServes++;
        this.#background(key, loader, options, tags, local);
        return { value: local.value as V, status: 'stale' };
      }
    }
    let flight = this.#loads.get(key) as Promise<TierResult<V>> | undefined;
    if (flight !== undefined) this.#core.stats.joined++;
    else {
      flight = this.#load(key, loader, options, tags, local);
      this.#loads.set(key, flight);
      const clear = (): void => {
        if (this.#loads.get(key) === flight) this.#loads.delete(key);
      };
      flight.then(clear, clear);
    }
    return flight;
  }

  #background<V>(
    key: string,
    loader: TierLoader<V>,
    options: TierLoadOptions | undefined,
    tags: readonly string[] | undefined,
    last: Entry,
    lease?: Lease,
  ): void {
    if (this.#loads.has(key)) return;
    const flight = this.#loadFresh(key, loader, options, tags, last, undefined, lease);
    this.#loads.set(key, flight);
    const clear = (): void => {
      if (this.#loads.get(key) === flight) this.#loads.delete(key);
    };
    flight.then(clear, clear);
  }

  async #load<V>(
    key: string,
    loader: TierLoader<V>,
    options: TierLoadOptions | undefined,
    tags: readonly string[] | undefined,
    local: Entry | undefined,
  ): Promise<TierResult<V>> {
    const rkey = this.#core.redisKey(key);
    const fill = this.#core.beginFill(key);
    let e: Entry | undefined | L2Failure;
    let lease: Lease;
    let storable = false;
    try {
      // The value and the key's marker in one round trip: the marker is the lease the load's L2 write presents.
      ({ entry: e, lease } = await this.#core.leases.read(key, rkey));
    } finally {
      storable = this.#core.endFill(key, fill);
    }
    const now = this.#clock.now();
    let last = local;
    if (e instanceof Entry) {
      if (e.expiresAt > now) {
        this.#core.stats.l2Hits++;
        if (storable) this.#core.storeL1(key, e);
        return { value: e.value as V, status: 'l2' };
      }
      if (e.staleUntil > now) {
        this.#core.stats.staleServes++;
        if (storable) this.#core.storeL1(key, e);
        // This flight ends with the stale answer; the refresh takes its place as the key's flight.
        this.#loads.delete(key);
        this.#background(key, loader, options, tags, e, lease);
        return { value: e.value as V, status: 'stale' };
      }
      if (last === undefined || e.graceUntil > last.graceUntil) last = e;
    }
    this.#core.stats.misses++;
    return this.#loadFresh(key, loader, options, tags, last, rkey, lease);
  }

  /** Calls the loader (under the lock when asked) and stores its value; fail-safe to `last` within its grace. */
  async #loadFresh<V>(
    key: string,
    loader: TierLoader<V>,
    options: TierLoadOptions | undefined,
    tags: readonly string[] | undefined,
    last: Entry | undefined,
    rkey = this.#core.redisKey(key),
    lease?: Lease,
  ): Promise<TierResult<V>> {
    const useLock = options?.lock ?? this.#core.s.lock;
    let lockToken: string | undefined;
    if (useLock) {
      const got = await this.#core.lock.acquireOrWait<V>(key, rkey);
      if (typeof got === 'object') return got;
      lockToken = got;
    }
    try {
      return await this.#runLoader(key, loader, options, tags, last, rkey, lease);
    } finally {
      if (lockToken !== undefined && lockToken !== '') this.#core.lock.release(key, lockToken);
    }
  }

  async #runLoader<V>(
    key: string,
    loader: TierLoader<V>,
    options: TierLoadOptions | undefined,
    tags: readonly string[] | undefined,
    last: Entry | undefined,
    rkey: string,
    lease: Lease | undefined,
  ): Promise<TierResult<V>> {
    const core = this.#core;
    const fill = core.beginFill(key);
    let value: V;
    let versions: VersionSnapshot | undefined;
    let storable = false;
    let dirty = false;
    let local = false;
    try {
      // Versions are read before the loader runs: a tag invalidated during the load invalidates its result.
      // So is the lease, when no L2 read gave one (a refresh started from L1): in the same tick, so one round trip.
      if (lease === undefined) [versions, lease] = await Promise.all([core.tags.of(tags), core.leases.lease(key)]);
      else versions = await core.tags.of(tags);
      // Redis did not answer (local mode): provisional versions, taken before the loader runs like real ones.
      if (versions === undefined) {
        local = true;
        versions = core.tags.local(tags);
      }
      this.#core.stats.loads++;
      try {
        value = await loader(key, { signal: this.#abort.signal, staleValue: last?.value as V | undefined });
      } catch (error) {
        this.#core.stats.loadErrors++;
        if (last !== undefined && last.graceUntil > this.#clock.now() && !(error instanceof TierClosedError)) {
          this.#core.stats.failSafeServes++;
          if (this.#core.emitter.wants('fail-safe')) this.#core.emitter.emit('fail-safe', { key, error });
          return { value: last.value as V, status: 'fail-safe', error };
        }
        throw error;
      }
    } finally {
      dirty = fill.mark.dirty;
      storable = this.#core.endFill(key, fill);
    }
    if (value === undefined) return { value, status: 'load' };
    const payload = core.serialize(key, value);
    const e = core.entry(value, options, tags, versions as VersionSnapshot);
    if (local) {
      // Kept in L1 only: provisional versions never reach Redis (Redis answering again drops them).
      if (dirty) core.stats.staleFillsDropped++;
      else if (storable) core.storeL1(key, e);
      return { value, status: 'load' };
    }
    // A write or invalidation of this key during the load wins over its late result: seen here (the fill
    // mark, or a tag/clear bump heard on the bus since the versions were read: the entry could never be
    // served), or by Redis (the key's marker changed since the lease was read: another instance wrote it).
    if (dirty || core.tags.superseded(e)) core.stats.staleFillsDropped++;
    else {
      // The fill mark also covers the L2 write's round trip: an invalidation heard meanwhile keeps L1 out.
      const writing = core.beginFill(key);
      let outcome: FillOutcome = 'skipped';
      try {
        outcome = await core.leases.fill(key, rkey, e, payload, lease as Lease);
      } finally {
        storable = core.endFill(key, writing) && storable;
      }
      if (storable && outcome !== 'refused') core.storeL1(key, e);
    }
    return { value, status: 'load' };
  }
}
