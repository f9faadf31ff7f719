import { type BoundedCache, Cache } from '@scaling/cache';
import { type Clock, Histogram } from '@scaling/core';
import type { Emitter } from '@scaling/core/internal';
import { decodeHeader, Entry, encodeEntry } from './_entry.js';
import { FillLeases } from './_fill-leases.js';
import { type Fill, FillMarks } from './_fill-marks.js';
import { InvalidationBus } from './_invalidation-bus.js';
import type { BreakerState } from './_l2-breaker.js';
import { L2Commands, L2Failure } from './_l2-commands.js';
import { LoadFlights } from './_load-flights.js';
import { StampedeLock } from './_stampede-lock.js';
import { GEN, TagVersions, type VersionSnapshot } from './_tag-versions.js';
import { WriteQueue } from './_write-queue.js';
import { DeserializationError, KeyTooLongError, SerializationError, TierClosedError, ValueTooLargeError } from './errors.js';
import type { Serializer } from './serializer.js';
import type { RedisTransport } from './transport.js';
import type { TierEvents, TierLoader, TierLoadOptions, TierResult, TierSetOptions, TierStats, WriteStatus } from './types.js';

/** Resolved settings of one tier (checked by the public constructor). */
export interface CoreSettings {
  transport: RedisTransport;
  l1: BoundedCache<string, unknown>;
  prefix: string;
  ttl: number;
  swr: number;
  grace: number;
  serializer: Serializer;
  commandTimeout: number;
  breakerThreshold: number;
  breakerOpenMs: number;
  lock: boolean;
  lockLeaseMs: number;
  markerTtl: number;
  maxKeyBytes: number;
  maxValueBytes: number;
  maxPendingWrites: number;
  maxTags: number;
  clock: Clock;
}

const INF = Number.POSITIVE_INFINITY;

let instances = 0;

/**
 * The shared state of a tier and its namespaces: L1, the transport, the bus, versions of tags, the breaker,
 * single-flight maps and the write queue. Keys here are L1 keys (namespace prefix included, Redis prefix not).
 *
 * This class holds L1, the invalidation of local state, and the read and write paths; the parts live next to
 * it: {@link InvalidationBus}, {@link L2Commands} (breaker, timeouts, batching), {@link TagVersions},
 * {@link FillMarks}, {@link FillLeases} (guarded L2 fills), {@link WriteQueue} (queued invalidations and replay), {@link StampedeLock} and
 * {@link LoadFlights} (`getOrLoad`).
 */
export class TierCore {
  readonly s: CoreSettings;
  readonly emitter: Emitter<TierEvents>;
  readonly origin: string;
  readonly channel: string;
  readonly dataPrefix: string;
  readonly #l1: BoundedCache<string, unknown>;
  readonly #clock: Clock;
  readonly l2: L2Commands;
  readonly tags: TagVersions;
  readonly fills = new FillMarks();
  readonly leases: FillLeases;
  readonly writes: WriteQueue;
  readonly lock: StampedeLock;
  readonly loads: LoadFlights;
  readonly bus: InvalidationBus;
  /** L1 may be read and filled: the bus is up, or L2 is unreachable anyway (breaker not closed: local mode). */
  l1Active = false;
  /** Redis command round trips, in ms (every command sent, failed ones included). */
  readonly requestDuration = new Histogram();
  #closed = false;
  readonly #ready: Promise<void>;
  readonly stats: Omit<TierStats, 'busConnected' | 'breakerState' | 'pendingWrites' | 'l1Size' | 'requestDuration'> = {
    lookups: 0,
    l1Hits: 0,
    l2Hits: 0,
    misses: 0,
    joined: 0,
    loads: 0,
    loadErrors: 0,
    staleServes: 0,
    failSafeServes: 0,
    invalidationsSent: 0,
    invalidationsReceived: 0,
    busReconnects: 0,
    l2Commands: 0,
    l2Errors: 0,
    lockAcquired: 0,
    lockWaits: 0,
    staleFillsDropped: 0,
  };

  constructor(settings: CoreSettings, emitter: Emitter<TierEvents>) {
    this.s = settings;
    this.emitter = emitter;
    this.#l1 = settings.l1;
    this.#clock = settings.clock;
    this.origin = `${process.pid.toString(36)}.${(instances++).toString(36)}.${Math.floor(Math.random() * 0x7fffffff).toString(36)}`;
    this.channel = `${settings.prefix}bus`;
    this.dataPrefix = `${settings.prefix}d:`;
    this.l2 = new L2Commands(this);
    this.tags = new TagVersions(this);
    this.leases = new FillLeases(this);
    this.writes = new WriteQueue(this);
    this.lock = new StampedeLock(this);
    this.loads = new LoadFlights(this);
    this.bus = new InvalidationBus(this);
    this.#ready = this.bus.subscribe();
  }

  /** Resolves once the bus's first subscription attempt is over: subscribed, or failed (never rejects). */
  ready(): Promise<void> {
    return this.#ready;
  }

  get busUp(): boolean {
    return this.bus.up;
  }
  get breakerState(): BreakerState {
    return this.l2.breakerState;
  }
  get pendingWrites(): number {
    return this.writes.size;
  }
  get l1(): BoundedCache<string, unknown> {
    return this.#l1;
  }

  // ---- local state -----------------------------------------------------------------------------------

  /** The L2 breaker changed state. */
  onBreaker(state: BreakerState): void {
    // Redis answers again: entries filled in local mode (provisional versions) are not served any more.
    if (state === 'closed') this.tags.dropProvisional();
    this.updateL1Active();
    if (this.emitter.wants('breaker')) this.emitter.emit('breaker', { state });
    if (state === 'closed') this.writes.maybeReplay();
  }

  /** L1 is active while the bus is up or the breaker is not closed. */
  updateL1Active(): void {
    this.l1Active = this.bus.up || this.l2.breakerState !== 'closed';
  }

  /** Drops L1 and every tag version (they are re-read from Redis). */
  flushLocal(): void {
    this.#l1.clear();
    this.tags.clear();
    this.fills.invalidateAll();
  }

  /** Drops `key` from L1; fills of it in flight will not store their results. */
  invalidateLocal(key: string): void {
    this.#l1.delete(key);
    this.fills.invalidate(key);
  }

  // ---- keys, fills, L1 ------------------------------------------------------------------------------

  redisKey(key: string): string {
    const k = this.dataPrefix + key;
    if (k.length * 3 > this.s.maxKeyBytes) {
      const bytes = Buffer.byteLength(k);
      if (bytes > this.s.maxKeyBytes) throw new KeyTooLongError(bytes, this.s.maxKeyBytes);
    }
    return k;
  }

  beginFill(key: string): Fill {
    return this.fills.begin(key, this.bus.epoch);
  }

  /** Ends a fill; true when its result may be stored in L1 (nothing invalidated the key meanwhile). */
  endFill(key: string, fill: Fill): boolean {
    return this.fills.end(key, fill, this.bus.epoch) && this.l1Active;
  }

  storeL1(key: string, e: Entry): void {
    const ttl = e.keepUntil - this.#clock.now();
    if (ttl <= 0) return;
    this.#l1.set(key, e, { ttl: ttl === INF ? 0 : ttl });
  }

  // ---- reads -----------------------------------------------------------------------------------------

  /** Reads and validates the L2 entry of `key`: the entry, `undefined` (none usable), or an `L2Failure`. */
  async readL2(key: string, rkey: string): Promise<Entry | undefined | L2Failure> {
    const text = await this.l2.getText(key, rkey);
    if (text === null || text instanceof L2Failure) return text ?? undefined;
    return this.decodeL2(key, text);
  }

  /** Decodes and validates an L2 text of `key` (tag versions not known here are read from Redis). */
  decodeL2(key: string, text: string): Entry | undefined | Promise<Entry | undefined> {
    const head = decodeHeader(text);
    let e: Entry | undefined;
    if (head !== undefined) {
      try {
        head.entry.value = this.s.serializer.deserialize(text.slice(head.payloadAt));
        e = head.entry;
      } catch (error) {
        this.l2.failed(
          'deserialize',
          key,
          new DeserializationError(key, `The value stored for ${JSON.stringify(key)} could not be decoded`, { cause: error }),
          false,
        );
        return undefined;
      }
    } else {
      this.l2.failed(
        'deserialize',
        key,
        new DeserializationError(key, `The value stored for ${JSON.stringify(key)} has no valid header`),
        false,
      );
      return undefined;
    }
    if (this.tags.gen < 0 || e.tags?.some((t) => !this.tags.has(t))) return this.#validateFetched(e);
    return this.tags.valid(e) ? e : undefined;
  }

  async #validateFetched(e: Entry): Promise<Entry | undefined> {
    const v = await this.tags.of(e.tags);
    if (v === undefined) return undefined;
    if (v.gen !== e.gen) return undefined;
    if (e.tags !== undefined)
      for (let i = 0; i < e.tags.length; i++) if ((v.versions as number[])[i] !== (e.versions as number[])[i]) return undefined;
    return e;
  }

  /** A fresh value from L1 or L2, else `undefined` (slow path of `get`, after the L1 fast path missed). */
  async getSlow(key: string): Promise<unknown> {
    if (this.#closed) throw new TierClosedError();
    this.stats.lookups++;
    const rkey = this.redisKey(key);
    const fill = this.beginFill(key);
    let e: Entry | undefined | L2Failure;
    let storable = false;
    try {
      e = await this.readL2(key, rkey);
    } finally {
      storable = this.endFill(key, fill);
    }
    if (e === undefined || e instanceof L2Failure || e.expiresAt <= this.#clock.now()) {
      this.stats.misses++;
      return undefined;
    }
    this.stats.l2Hits++;
    if (storable) this.storeL1(key, e);
    return e.value;
  }

  /** L1 lookup with every check; the entry when usable (fresh or not), else `undefined`. */
  l1Entry(key: string): Entry | undefined {
    if (!this.l1Active) return undefined;
    const e = this.#l1.get(key) as Entry | undefined;
    if (e === undefined) return undefined;
    if (!this.tags.valid(e)) {
      this.#l1.delete(key);
      return undefined;
    }
    return e;
  }

  /** `getOrLoad` after the L1 fast path: stale/grace handling, single flight, L2, lock, loader. */
  resolve<V>(
    key: string,
    loader: TierLoader<V>,
    options: TierLoadOptions | undefined,
    tags: readonly string[] | undefined,
  ): Promise<TierResult<V>> {
    return this.loads.resolve(key, loader, options, tags);
  }

  serialize(key: string, value: unknown): string {
    let payload: string;
    try {
      payload = this.s.serializer.serialize(value);
    } catch (error) {
      throw new SerializationError(
        key,
        `Cannot cache the value of ${JSON.stringify(key)}: ${error instanceof Error ? error.message : String(error)}`,
        {
          cause: error,
        },
      );
    }
    if (typeof payload !== 'string')
      throw new SerializationError(key, `The serializer returned ${typeof payload} for ${JSON.stringify(key)}, not a string`);
    if (payload.length > this.s.maxValueBytes / 3) {
      const bytes = Buffer.byteLength(payload);
      if (bytes > this.s.maxValueBytes) throw new ValueTooLargeError(key, bytes, this.s.maxValueBytes);
    }
    return payload;
  }

  /**
   * A new entry with the call's times and `versions` (read from Redis, or provisional ones from
   * {@link TagVersions.local} when Redis did not answer: such an entry is kept in L1 only).
   */
  entry(value: unknown, options: TierSetOptions | undefined, tags: readonly string[] | undefined, versions: VersionSnapshot): Entry {
    const now = this.#clock.now();
    const ttl = options?.ttl ?? this.s.ttl;
    const expiresAt = ttl === 0 || ttl === INF ? INF : now + ttl;
    const staleUntil = expiresAt + (options?.staleWhileRevalidate ?? this.s.swr);
    const graceUntil = expiresAt + (options?.grace ?? this.s.grace);
    return new Entry(value, expiresAt, staleUntil, graceUntil, versions.gen, tags, versions.versions);
  }

  /** A write's L2 part: the key's new marker, the value, the invalidation (one round trip). */
  async writeL2(key: string, rkey: string, e: Entry, payload: string): Promise<WriteStatus> {
    const ttlMs = e.pxAt(this.#clock.now());
    const text = encodeEntry(e, payload);
    const marker = this.leases.next(key);
    const r = await this.l2.call('set', key, () =>
      this.s.transport.set(rkey, text, ttlMs, this.channel, `${this.origin}|k|${key}`, marker),
    );
    if (r instanceof L2Failure) return this.writes.add(key, undefined);
    this.stats.invalidationsSent++;
    return 'written';
  }

  // ---- writes ----------------------------------------------------------------------------------------

  async set(key: string, value: unknown, options: TierSetOptions | undefined, tags: readonly string[] | undefined): Promise<WriteStatus> {
    if (this.#closed) throw new TierClosedError();
    if (value === undefined) return this.delete(key);
    const rkey = this.redisKey(key);
    const payload = this.serialize(key, value); // throws before anything is written
    // Our own write wins over any read or load of this key in flight.
    this.invalidateLocal(key);
    const fill = this.beginFill(key);
    let versions: VersionSnapshot | undefined;
    let storable = false;
    try {
      versions = await this.tags.of(tags);
    } finally {
      storable = this.endFill(key, fill);
    }
    // Redis did not answer the version read (local mode): the entry gets provisional versions, is kept in L1
    // only, and the key's invalidation is queued for when Redis answers.
    const local = versions === undefined;
    const e = this.entry(value, options, tags, versions ?? this.tags.local(tags));
    if (storable) this.storeL1(key, e);
    if (local) return this.writes.add(key, undefined);
    return this.writeL2(key, rkey, e, payload);
  }

  async delete(key: string): Promise<WriteStatus> {
    if (this.#closed) throw new TierClosedError();
    const rkey = this.redisKey(key);
    this.invalidateLocal(key);
    const marker = this.leases.next(key);
    const r = await this.l2.call('del', key, () => this.s.transport.del(rkey, this.channel, `${this.origin}|k|${key}`, marker));
    if (r instanceof L2Failure) return this.writes.add(key, undefined);
    this.stats.invalidationsSent++;
    return 'written';
  }

  async deleteByTag(tag: string): Promise<WriteStatus> {
    if (this.#closed) throw new TierClosedError();
    return this.#bumpTag(tag);
  }

  /** Invalidates every entry of every instance (bumps the global generation; no key is scanned). */
  async clear(): Promise<WriteStatus> {
    if (this.#closed) throw new TierClosedError();
    this.#l1.clear();
    return this.#bumpTag(GEN);
  }

  async #bumpTag(tag: string): Promise<WriteStatus> {
    const versionKey = this.tags.key(tag);
    // Until Redis answers, entries with this tag are not valid here (their version is unknown).
    this.tags.forget(tag);
    this.fills.invalidateAll();
    const r = await this.l2.call('incr', undefined, () => this.s.transport.incr(versionKey, this.channel, `${this.origin}|t|${tag}|`));
    if (r instanceof L2Failure) return this.writes.add(undefined, tag);
    this.stats.invalidationsSent++;
    this.tags.learn(tag, r);
    return 'written';
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.l1Active = false;
    this.loads.abort();
    this.l2.stop();
    this.#l1.clear();
    await this.s.transport.close();
  }

  get closed(): boolean {
    return this.#closed;
  }
}

export { Entry };
export const defaultL1 = (): BoundedCache<string, unknown> => new Cache<string, unknown>({ max: 10_000 });
