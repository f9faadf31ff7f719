import { type BoundedCache, Cache } from '@scaling/cache';
import { type Backoff, type Clock, exponentialBackoff, TimeoutError, type TimerHandle } from '@scaling/core';
import type { Emitter } from '@scaling/core/internal';
import { decodeHeader, Entry, encodeEntry } from './_entry.js';
import { type BreakerState, ConsecutiveL2Breaker, type L2Breaker } from './_l2-breaker.js';
import {
  DeserializationError,
  KeyTooLongError,
  L2UnavailableError,
  SerializationError,
  TierClosedError,
  ValueTooLargeError,
} from './errors.js';
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
  maxKeyBytes: number;
  maxValueBytes: number;
  maxPendingWrites: number;
  maxTags: number;
  clock: Clock;
}

/** The key of the global generation in the version map (user tags are never empty). */
const GEN = '';
const INF = Number.POSITIVE_INFINITY;

/** In-flight reads/loads of one key: an invalidation of the key marks them dirty, so their results are not stored. */
class FillMark {
  count = 0;
  dirty = false;
}

/** A fill in progress: the key's mark and the bus epoch it started in. */
interface Fill {
  mark: FillMark;
  epoch: number;
}

let instances = 0;

/** A Redis command in flight, failed by the sweep when its deadline passes. */
class PendingCall {
  reject: (error: unknown) => void = () => {};
  constructor(
    readonly deadline: number,
    readonly operation: string,
  ) {}
}

/** L2 reads started in one tick, sent together. */
class GetBatch {
  readonly keys: string[] = [];
  readonly rkeys: string[] = [];
  readonly resolvers: ((text: string | null | L2Failure) => void)[] = [];
}

/** Marks a failed L2 command (its error is already reported). */
class L2Failure {
  constructor(readonly error: unknown) {}
}

/**
 * The shared state of a tier and its namespaces: L1, the transport, the bus, versions of tags, the breaker,
 * single-flight maps and the write queue. Keys here are L1 keys (namespace prefix included, Redis prefix not).
 */
export class TierCore {
  readonly s: CoreSettings;
  readonly emitter: Emitter<TierEvents>;
  readonly origin: string;
  readonly #l1: BoundedCache<string, unknown>;
  readonly #clock: Clock;
  readonly #breaker: L2Breaker;
  readonly #channel: string;
  readonly #dataPrefix: string;
  /** Tag → version (GEN → global generation); cleared (with L1) on every bus recovery. */
  readonly #versions = new Map<string, number>();
  /** The global generation, or -1 while unknown (mirror of `#versions.get(GEN)` for the hot path). */
  #gen = -1;
  readonly #fills = new Map<string, FillMark>();
  #batch: GetBatch | undefined;
  readonly #pending = new Set<PendingCall>();
  #sweepTimer: TimerHandle | undefined;
  #sweepAt = INF;
  readonly #loads = new Map<string, Promise<TierResult<unknown>>>();
  readonly #pendingKeys = new Set<string>();
  readonly #pendingTags = new Set<string>();
  #pendingOverflow = false;
  #replaying = false;
  /** Bumped when the bus goes down or comes back: a fill from an older epoch is not stored in L1. */
  #epoch = 0;
  #busUp = false;
  /** L1 may be read and filled: the bus is up, or L2 is unreachable anyway (breaker not closed: local mode). */
  l1Active = false;
  #closed = false;
  readonly #abort = new AbortController();
  readonly #lockBackoff: Backoff = exponentialBackoff({ baseMs: 2, maxMs: 50 });
  #lockSeq = 0;
  readonly #ready: Promise<void>;
  readonly stats: Omit<TierStats, 'busConnected' | 'breakerState' | 'pendingWrites' | 'l1Size'> = {
    l1Hits: 0,
    l2Hits: 0,
    misses: 0,
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
  };

  constructor(settings: CoreSettings, emitter: Emitter<TierEvents>) {
    this.s = settings;
    this.emitter = emitter;
    this.#l1 = settings.l1;
    this.#clock = settings.clock;
    this.origin = `${process.pid.toString(36)}.${(instances++).toString(36)}.${Math.floor(Math.random() * 0x7fffffff).toString(36)}`;
    this.#channel = `${settings.prefix}bus`;
    this.#dataPrefix = `${settings.prefix}d:`;
    this.#breaker = new ConsecutiveL2Breaker(settings.breakerThreshold, settings.breakerOpenMs, settings.clock, (state) =>
      this.#onBreaker(state),
    );
    this.#ready = settings.transport
      .subscribe(this.#channel, {
        message: (text) => this.#onMessage(text),
        up: () => this.#onBusUp(),
        down: () => this.#onBusDown(),
      })
      .catch((error: unknown) => {
        if (this.emitter.wants('l2-error')) this.emitter.emit('l2-error', { operation: 'subscribe', error });
      });
  }

  /** Resolves once the bus subscribed for the first time (or its first attempt failed). */
  ready(): Promise<void> {
    return this.#ready;
  }

  get busUp(): boolean {
    return this.#busUp;
  }
  get breakerState(): BreakerState {
    return this.#breaker.state;
  }
  get pendingWrites(): number {
    return this.#pendingOverflow ? this.s.maxPendingWrites + 1 : this.#pendingKeys.size + this.#pendingTags.size;
  }
  get l1(): BoundedCache<string, unknown> {
    return this.#l1;
  }

  // ---- bus ------------------------------------------------------------------------------------------

  #onMessage(text: string): void {
    const a = text.indexOf('|');
    const b = text.indexOf('|', a + 1);
    if (a < 0 || b < 0) return;
    const origin = text.slice(0, a);
    if (origin === this.origin) return; // our own write: L1 already has it
    const kind = text.slice(a + 1, b);
    this.stats.invalidationsReceived++;
    if (kind === 'k') {
      const key = text.slice(b + 1);
      this.#invalidateLocal(key);
      if (this.emitter.wants('invalidation')) this.emitter.emit('invalidation', { key, origin });
    } else if (kind === 't') {
      const c = text.lastIndexOf('|');
      const tag = text.slice(b + 1, c);
      const version = Number(text.slice(c + 1));
      this.#learnVersion(tag, version);
      if (this.emitter.wants('invalidation')) this.emitter.emit('invalidation', { tag, origin });
    }
  }

  #onBusDown(): void {
    if (!this.#busUp) return;
    this.#busUp = false;
    this.#epoch++;
    this.#updateL1Active();
    if (this.emitter.wants('bus')) this.emitter.emit('bus', { connected: false });
  }

  #onBusUp(): void {
    const first = !this.#everUp;
    this.#everUp = true;
    // Messages may have been missed while the bus was down: forget everything learnt through it.
    this.#epoch++;
    this.#flushLocal();
    this.#busUp = true;
    if (!first) this.stats.busReconnects++;
    this.#updateL1Active();
    if (this.emitter.wants('bus')) this.emitter.emit('bus', { connected: true });
  }
  #everUp = false;

  #onBreaker(state: BreakerState): void {
    this.#updateL1Active();
    if (this.emitter.wants('breaker')) this.emitter.emit('breaker', { state });
    if (state === 'closed') this.#maybeReplay();
  }

  #updateL1Active(): void {
    this.l1Active = this.#busUp || this.#breaker.state !== 'closed';
  }

  /** Drops L1 and every tag version (they are re-read from Redis). */
  #flushLocal(): void {
    this.#l1.clear();
    this.#versions.clear();
    this.#gen = -1;
    for (const mark of this.#fills.values()) mark.dirty = true;
  }

  #invalidateLocal(key: string): void {
    this.#l1.delete(key);
    const mark = this.#fills.get(key);
    if (mark !== undefined) mark.dirty = true;
  }

  #learnVersion(tag: string, version: number): void {
    if (!Number.isInteger(version)) return;
    const known = this.#versions.get(tag);
    if (known !== undefined && known >= version) return;
    if (known === undefined && this.#versions.size >= this.s.maxTags) this.#flushLocal();
    this.#versions.set(tag, version);
    if (tag === GEN) {
      this.#gen = version;
      if (known !== undefined) this.#l1.clear(); // everything is invalid now: free the memory at once
    }
  }

  // ---- L2 commands -----------------------------------------------------------------------------------

  /** Runs one Redis command under the breaker and the command timeout; an `L2Failure` when it failed. */
  async #call<T>(operation: string, key: string | undefined, run: () => Promise<T>): Promise<T | L2Failure> {
    if (this.#closed) return new L2Failure(new TierClosedError());
    if (!this.#breaker.allow()) return this.#failed(operation, key, new L2UnavailableError(), false);
    this.stats.l2Commands++;
    const pending = new PendingCall(this.#clock.now() + this.s.commandTimeout, operation);
    try {
      const result = await new Promise<T>((resolve, reject) => {
        pending.reject = reject;
        this.#watch(pending);
        run().then(resolve, reject);
      });
      this.#breaker.success();
      if (!this.#replaying && this.pendingWrites > 0) this.#maybeReplay();
      return result;
    } catch (error) {
      return this.#failed(operation, key, error, true);
    } finally {
      this.#pending.delete(pending);
    }
  }

  /**
   * Command timeouts without a timer per command: calls in flight sit in one set, and a single timer, armed
   * for the earliest deadline, fails the overdue ones.
   */
  #watch(call: PendingCall): void {
    this.#pending.add(call);
    if (this.#sweepAt <= call.deadline) return;
    if (this.#sweepTimer !== undefined) this.#clock.clearTimeout(this.#sweepTimer);
    this.#armSweep(call.deadline);
  }

  #armSweep(at: number): void {
    this.#sweepAt = at;
    this.#sweepTimer = this.#clock.setTimeout(() => this.#sweep(), Math.max(0, at - this.#clock.now()));
  }

  #sweep(): void {
    this.#sweepTimer = undefined;
    this.#sweepAt = INF;
    const now = this.#clock.now();
    let next = INF;
    for (const call of this.#pending) {
      if (call.deadline <= now) {
        this.#pending.delete(call);
        const ms = this.s.commandTimeout;
        call.reject(new TimeoutError(`Redis did not answer ${call.operation} within commandTimeout (${ms} ms)`, ms));
      } else if (call.deadline < next) next = call.deadline;
    }
    if (next !== INF) this.#armSweep(next);
  }

  #failed(operation: string, key: string | undefined, error: unknown, counted: boolean): L2Failure {
    this.stats.l2Errors++;
    if (counted) this.#breaker.failure();
    if (this.emitter.wants('l2-error')) this.emitter.emit('l2-error', key === undefined ? { operation, error } : { operation, key, error });
    return new L2Failure(error);
  }

  redisKey(key: string): string {
    const k = this.#dataPrefix + key;
    if (k.length * 3 > this.s.maxKeyBytes) {
      const bytes = Buffer.byteLength(k);
      if (bytes > this.s.maxKeyBytes) throw new KeyTooLongError(bytes, this.s.maxKeyBytes);
    }
    return k;
  }

  /** Versions of `tags` and the global generation, fetched for the ones not known; `undefined` when Redis failed. */
  async #versionsOf(tags: readonly string[] | undefined): Promise<{ gen: number; versions: number[] | undefined } | undefined> {
    let missing: string[] | undefined;
    if (this.#gen < 0) missing = [GEN];
    if (tags !== undefined) {
      for (const t of tags) if (!this.#versions.has(t)) (missing ??= []).push(t);
    }
    if (missing !== undefined) {
      const epoch = this.#epoch;
      const keys = missing.map((t) => (t === GEN ? `${this.s.prefix}g` : `${this.s.prefix}t:${t}`));
      const got = await this.#call('mget', undefined, () => this.s.transport.mget(keys));
      if (got instanceof L2Failure) return undefined;
      // Versions read while the bus was down (or across a recovery) would be kept past a missed message.
      if (epoch !== this.#epoch || !this.#busUp) {
        return this.#snapshot(tags, missing, got);
      }
      for (let i = 0; i < missing.length; i++) this.#learnVersion(missing[i] as string, Number(got[i] ?? 0));
    }
    return this.#snapshot(tags);
  }

  #snapshot(
    tags: readonly string[] | undefined,
    fetched?: string[],
    values?: (string | null)[],
  ): { gen: number; versions: number[] | undefined } {
    const of = (t: string): number => {
      const i = fetched === undefined ? -1 : fetched.indexOf(t);
      return i >= 0 ? Number(values?.[i] ?? 0) : (this.#versions.get(t) as number);
    };
    return { gen: of(GEN), versions: tags?.map(of) };
  }

  /** Whether an entry's generation and tag versions are the current ones (as known here). */
  valid(e: Entry): boolean {
    if (e.gen !== this.#gen) return false;
    const tags = e.tags;
    if (tags === undefined) return true;
    const versions = e.versions as readonly number[];
    for (let i = 0; i < tags.length; i++) if (this.#versions.get(tags[i] as string) !== versions[i]) return false;
    return true;
  }

  #beginFill(key: string): Fill {
    let mark = this.#fills.get(key);
    if (mark === undefined) {
      mark = new FillMark();
      this.#fills.set(key, mark);
    }
    mark.count++;
    return { mark, epoch: this.#epoch };
  }

  /** Ends a fill; true when its result may be stored in L1 (nothing invalidated the key meanwhile). */
  #endFill(key: string, fill: Fill): boolean {
    const { mark } = fill;
    if (--mark.count === 0) this.#fills.delete(key);
    return !mark.dirty && fill.epoch === this.#epoch && this.l1Active;
  }

  #storeL1(key: string, e: Entry): void {
    const ttl = e.keepUntil - this.#clock.now();
    if (ttl <= 0) return;
    this.#l1.set(key, e, { ttl: ttl === INF ? 0 : ttl });
  }

  /**
   * `GET` of one key, batched: reads started in the same tick go out as one `MGET` (one round trip, one
   * socket write), so concurrent L2 reads cost far fewer syscalls; a lone read stays a plain `GET`.
   */
  #getText(key: string, rkey: string): Promise<string | null | L2Failure> {
    let batch = this.#batch;
    if (batch === undefined) {
      batch = new GetBatch();
      this.#batch = batch;
      queueMicrotask(() => this.#flushBatch(batch as GetBatch));
    }
    batch.keys.push(key);
    batch.rkeys.push(rkey);
    return new Promise((resolve) => batch.resolvers.push(resolve));
  }

  #flushBatch(batch: GetBatch): void {
    if (this.#batch === batch) this.#batch = undefined;
    const { rkeys, resolvers } = batch;
    if (rkeys.length === 1) {
      const rkey = rkeys[0] as string;
      void this.#call('get', batch.keys[0], () => this.s.transport.get(rkey)).then(resolvers[0]);
      return;
    }
    void this.#call('mget', undefined, () => this.s.transport.mget(rkeys)).then((texts) => {
      for (let i = 0; i < resolvers.length; i++)
        (resolvers[i] as (v: string | null | L2Failure) => void)(texts instanceof L2Failure ? texts : (texts[i] ?? null));
    });
  }

  /** Reads and validates the L2 entry of `key`: the entry, `undefined` (none usable), or an `L2Failure`. */
  async #readL2(key: string, rkey: string): Promise<Entry | undefined | L2Failure> {
    const text = await this.#getText(key, rkey);
    if (text === null || text instanceof L2Failure) return text ?? undefined;
    const head = decodeHeader(text);
    let e: Entry | undefined;
    if (head !== undefined) {
      try {
        head.entry.value = this.s.serializer.deserialize(text.slice(head.payloadAt));
        e = head.entry;
      } catch (error) {
        this.#failed(
          'deserialize',
          key,
          new DeserializationError(key, `The value stored for ${JSON.stringify(key)} could not be decoded`, { cause: error }),
          false,
        );
        return undefined;
      }
    } else {
      this.#failed(
        'deserialize',
        key,
        new DeserializationError(key, `The value stored for ${JSON.stringify(key)} has no valid header`),
        false,
      );
      return undefined;
    }
    if (this.#gen < 0 || e.tags?.some((t) => !this.#versions.has(t))) {
      const v = await this.#versionsOf(e.tags);
      if (v === undefined) return undefined;
      if (v.gen !== e.gen) return undefined;
      if (e.tags !== undefined)
        for (let i = 0; i < e.tags.length; i++) if ((v.versions as number[])[i] !== (e.versions as number[])[i]) return undefined;
      return e;
    }
    return this.valid(e) ? e : undefined;
  }

  // ---- reads -----------------------------------------------------------------------------------------

  /** A fresh value from L1 or L2, else `undefined` (slow path of `get`, after the L1 fast path missed). */
  async getSlow(key: string): Promise<unknown> {
    if (this.#closed) throw new TierClosedError();
    const rkey = this.redisKey(key);
    const fill = this.#beginFill(key);
    let e: Entry | undefined | L2Failure;
    let storable = false;
    try {
      e = await this.#readL2(key, rkey);
    } finally {
      storable = this.#endFill(key, fill);
    }
    if (e === undefined || e instanceof L2Failure || e.expiresAt <= this.#clock.now()) {
      this.stats.misses++;
      return undefined;
    }
    this.stats.l2Hits++;
    if (storable) this.#storeL1(key, e);
    return e.value;
  }

  /** L1 lookup with every check; the entry when usable (fresh or not), else `undefined`. */
  l1Entry(key: string): Entry | undefined {
    if (!this.l1Active) return undefined;
    const e = this.#l1.get(key) as Entry | undefined;
    if (e === undefined) return undefined;
    if (!this.valid(e)) {
      this.#l1.delete(key);
      return undefined;
    }
    return e;
  }

  /** `getOrLoad` after the L1 fast path: stale/grace handling, single flight, L2, lock, loader. */
  async resolve<V>(
    key: string,
    loader: TierLoader<V>,
    options: TierLoadOptions | undefined,
    tags: readonly string[] | undefined,
  ): Promise<TierResult<V>> {
    if (this.#closed) throw new TierClosedError();
    const now = this.#clock.now();
    const local = this.l1Entry(key);
    if (local !== undefined) {
      if (local.expiresAt > now) {
        this.stats.l1Hits++;
        return { value: local.value as V, status: 'l1' };
      }
      if (local.staleUntil > now) {
        this.stats.staleServes++;
        this.#background(key, loader, options, tags, local);
        return { value: local.value as V, status: 'stale' };
      }
    }
    let flight = this.#loads.get(key) as Promise<TierResult<V>> | undefined;
    if (flight === undefined) {
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
  ): void {
    if (this.#loads.has(key)) return;
    const flight = this.#loadFresh(key, loader, options, tags, last);
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
    const rkey = this.redisKey(key);
    const fill = this.#beginFill(key);
    let e: Entry | undefined | L2Failure;
    let storable = false;
    try {
      e = await this.#readL2(key, rkey);
    } finally {
      storable = this.#endFill(key, fill);
    }
    const now = this.#clock.now();
    let last = local;
    if (e instanceof Entry) {
      if (e.expiresAt > now) {
        this.stats.l2Hits++;
        if (storable) this.#storeL1(key, e);
        return { value: e.value as V, status: 'l2' };
      }
      if (e.staleUntil > now) {
        this.stats.staleServes++;
        if (storable) this.#storeL1(key, e);
        // This flight ends with the stale answer; the refresh takes its place as the key's flight.
        this.#loads.delete(key);
        this.#background(key, loader, options, tags, e);
        return { value: e.value as V, status: 'stale' };
      }
      if (last === undefined || e.graceUntil > last.graceUntil) last = e;
    }
    this.stats.misses++;
    return this.#loadFresh(key, loader, options, tags, last, rkey);
  }

  /** Calls the loader (under the lock when asked) and stores its value; fail-safe to `last` within its grace. */
  async #loadFresh<V>(
    key: string,
    loader: TierLoader<V>,
    options: TierLoadOptions | undefined,
    tags: readonly string[] | undefined,
    last: Entry | undefined,
    rkey = this.redisKey(key),
  ): Promise<TierResult<V>> {
    const useLock = options?.lock ?? this.s.lock;
    let lockToken: string | undefined;
    if (useLock) {
      const got = await this.#acquireOrWait<V>(key, rkey);
      if (typeof got === 'object') return got;
      lockToken = got;
    }
    try {
      return await this.#runLoader(key, loader, options, tags, last, rkey);
    } finally {
      if (lockToken !== undefined && lockToken !== '') {
        const lockKey = `${this.s.prefix}l:${key}`;
        void this.#call('unlock', key, () => this.s.transport.delIfEquals(lockKey, lockToken as string));
      }
    }
  }

  /**
   * The stampede lock: the token when this instance holds it (`''` when Redis failed: load without it), or the
   * value another instance stored while this one waited.
   */
  async #acquireOrWait<V>(key: string, rkey: string): Promise<string | TierResult<V>> {
    const lockKey = `${this.s.prefix}l:${key}`;
    const token = `${this.origin}:${++this.#lockSeq}`;
    const lease = this.s.lockLeaseMs;
    const deadline = this.#clock.now() + lease;
    let waited = false;
    for (let attempt = 1; ; attempt++) {
      const got = await this.#call('lock', key, () => this.s.transport.setNx(lockKey, token, lease));
      if (got instanceof L2Failure) return '';
      if (got) {
        this.stats.lockAcquired++;
        return token;
      }
      if (!waited) {
        waited = true;
        this.stats.lockWaits++;
      }
      // Holder alive: wait with backoff, then look for its value in L2.
      const delay = Math.max(1, this.#lockBackoff(attempt));
      await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, delay));
      if (this.#closed) throw new TierClosedError();
      const fill = this.#beginFill(key);
      let e: Entry | undefined | L2Failure;
      let storable = false;
      try {
        e = await this.#readL2(key, rkey);
      } finally {
        storable = this.#endFill(key, fill);
      }
      if (e instanceof L2Failure) return '';
      if (e !== undefined && e.expiresAt > this.#clock.now()) {
        this.stats.l2Hits++;
        if (storable) this.#storeL1(key, e);
        return { value: e.value as V, status: 'l2' };
      }
      // The holder died without storing (its lease ran out) or is slow past our patience: load ourselves.
      if (this.#clock.now() >= deadline) return '';
    }
  }

  async #runLoader<V>(
    key: string,
    loader: TierLoader<V>,
    options: TierLoadOptions | undefined,
    tags: readonly string[] | undefined,
    last: Entry | undefined,
    rkey: string,
  ): Promise<TierResult<V>> {
    const fill = this.#beginFill(key);
    let value: V;
    let versions: { gen: number; versions: number[] | undefined } | undefined;
    let storable = false;
    let dirty = false;
    try {
      // Versions are read before the loader runs: a tag invalidated during the load invalidates its result.
      versions = await this.#versionsOf(tags);
      this.stats.loads++;
      try {
        value = await loader(key, { signal: this.#abort.signal, staleValue: last?.value as V | undefined });
      } catch (error) {
        this.stats.loadErrors++;
        if (last !== undefined && last.graceUntil > this.#clock.now() && !(error instanceof TierClosedError)) {
          this.stats.failSafeServes++;
          if (this.emitter.wants('fail-safe')) this.emitter.emit('fail-safe', { key, error });
          return { value: last.value as V, status: 'fail-safe', error };
        }
        throw error;
      }
    } finally {
      dirty = fill.mark.dirty;
      storable = this.#endFill(key, fill);
    }
    if (value === undefined) return { value, status: 'load' };
    const payload = this.#serialize(key, value);
    // A write or invalidation of this key during the load wins over its late result.
    if (!dirty) {
      const e = this.#entry(value, options, tags, versions);
      if (storable && e !== undefined) this.#storeL1(key, e);
      if (e !== undefined) await this.#writeL2(key, rkey, e, payload);
    }
    return { value, status: 'load' };
  }

  #serialize(key: string, value: unknown): string {
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

  /** A new entry with the call's times and the versions read; `undefined` when the versions are unknown (Redis down, tags new). */
  #entry(
    value: unknown,
    options: TierSetOptions | undefined,
    tags: readonly string[] | undefined,
    versions: { gen: number; versions: number[] | undefined } | undefined,
  ): Entry | undefined {
    if (versions === undefined) return undefined;
    const now = this.#clock.now();
    const ttl = options?.ttl ?? this.s.ttl;
    const expiresAt = ttl === 0 || ttl === INF ? INF : now + ttl;
    const staleUntil = expiresAt + (options?.staleWhileRevalidate ?? this.s.swr);
    const graceUntil = expiresAt + (options?.grace ?? this.s.grace);
    return new Entry(value, expiresAt, staleUntil, graceUntil, versions.gen, tags, versions.versions);
  }

  async #writeL2(key: string, rkey: string, e: Entry, payload: string): Promise<WriteStatus> {
    const keep = e.keepUntil;
    const ttlMs = keep === INF ? 0 : Math.max(1, Math.ceil(keep - this.#clock.now()));
    const text = encodeEntry(e, payload);
    const r = await this.#call('set', key, () => this.s.transport.set(rkey, text, ttlMs, this.#channel, `${this.origin}|k|${key}`));
    if (r instanceof L2Failure) return this.#queue(key, undefined);
    this.stats.invalidationsSent++;
    return 'written';
  }

  // ---- writes ----------------------------------------------------------------------------------------

  async set(key: string, value: unknown, options: TierSetOptions | undefined, tags: readonly string[] | undefined): Promise<WriteStatus> {
    if (this.#closed) throw new TierClosedError();
    if (value === undefined) return this.delete(key);
    const rkey = this.redisKey(key);
    const payload = this.#serialize(key, value); // throws before anything is written
    // Our own write wins over any read or load of this key in flight.
    this.#invalidateLocal(key);
    const fill = this.#beginFill(key);
    let versions: { gen: number; versions: number[] | undefined } | undefined;
    let storable = false;
    try {
      versions = await this.#versionsOf(tags);
    } finally {
      storable = this.#endFill(key, fill);
    }
    const e = this.#entry(value, options, tags, versions);
    if (e === undefined) {
      // Redis did not answer the version read: nothing reaches L2, so queue the invalidation.
      return this.#queue(key, undefined);
    }
    if (storable) this.#storeL1(key, e);
    return this.#writeL2(key, rkey, e, payload);
  }

  async delete(key: string): Promise<WriteStatus> {
    if (this.#closed) throw new TierClosedError();
    const rkey = this.redisKey(key);
    this.#invalidateLocal(key);
    const r = await this.#call('del', key, () => this.s.transport.del(rkey, this.#channel, `${this.origin}|k|${key}`));
    if (r instanceof L2Failure) return this.#queue(key, undefined);
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
    const versionKey = tag === GEN ? `${this.s.prefix}g` : `${this.s.prefix}t:${tag}`;
    // Until Redis answers, entries with this tag are not valid here (their version is unknown).
    this.#forgetVersion(tag);
    const r = await this.#call('incr', undefined, () => this.s.transport.incr(versionKey, this.#channel, `${this.origin}|t|${tag}|`));
    if (r instanceof L2Failure) return this.#queue(undefined, tag);
    this.stats.invalidationsSent++;
    this.#learnVersion(tag, r);
    return 'written';
  }

  #forgetVersion(tag: string): void {
    this.#versions.delete(tag);
    if (tag === GEN) this.#gen = -1;
    for (const mark of this.#fills.values()) mark.dirty = true;
  }

  #queue(key: string | undefined, tag: string | undefined): WriteStatus {
    if (key !== undefined) this.#pendingKeys.add(key);
    if (tag !== undefined) this.#pendingTags.add(tag);
    if (this.#pendingKeys.size + this.#pendingTags.size > this.s.maxPendingWrites) {
      this.#pendingOverflow = true;
      this.#pendingKeys.clear();
      this.#pendingTags.clear();
    }
    if (this.emitter.wants('write-queued')) this.emitter.emit('write-queued', key === undefined ? { tag: tag as string } : { key });
    return 'queued';
  }

  #maybeReplay(): void {
    if (this.#replaying || this.#closed || (!this.#pendingOverflow && this.#pendingKeys.size === 0 && this.#pendingTags.size === 0)) return;
    this.#replaying = true;
    void this.replay().finally(() => {
      this.#replaying = false;
    });
  }

  /** Replays queued invalidations to Redis (called when the breaker closes). Returns how many were sent. */
  async replay(): Promise<number> {
    let count = 0;
    if (this.#pendingOverflow) {
      const r = await this.#call('incr', undefined, () => this.s.transport.incr(`${this.s.prefix}g`, this.#channel, `${this.origin}|t||`));
      if (r instanceof L2Failure) return count;
      this.#pendingOverflow = false;
      this.#learnVersion(GEN, r);
      this.stats.invalidationsSent++;
      count++;
      if (this.emitter.wants('replayed')) this.emitter.emit('replayed', { count, flushed: true });
      return count;
    }
    for (const key of [...this.#pendingKeys]) {
      const r = await this.#call('del', key, () => this.s.transport.del(this.#dataPrefix + key, this.#channel, `${this.origin}|k|${key}`));
      if (r instanceof L2Failure) return count;
      this.#pendingKeys.delete(key);
      this.stats.invalidationsSent++;
      count++;
    }
    for (const tag of [...this.#pendingTags]) {
      const versionKey = tag === GEN ? `${this.s.prefix}g` : `${this.s.prefix}t:${tag}`;
      const r = await this.#call('incr', undefined, () => this.s.transport.incr(versionKey, this.#channel, `${this.origin}|t|${tag}|`));
      if (r instanceof L2Failure) return count;
      this.#pendingTags.delete(tag);
      this.#learnVersion(tag, r);
      this.stats.invalidationsSent++;
      count++;
    }
    if (count > 0 && this.emitter.wants('replayed')) this.emitter.emit('replayed', { count, flushed: false });
    return count;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.l1Active = false;
    this.#abort.abort(new TierClosedError());
    if (this.#sweepTimer !== undefined) this.#clock.clearTimeout(this.#sweepTimer);
    this.#l1.clear();
    await this.s.transport.close();
  }

  get closed(): boolean {
    return this.#closed;
  }
}

export { Entry };
export const defaultL1 = (): BoundedCache<string, unknown> => new Cache<string, unknown>({ max: 10_000 });
