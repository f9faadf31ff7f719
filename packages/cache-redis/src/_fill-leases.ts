/**
 * Leases for L2 fills: a load may store its result in Redis only if nobody wrote or deleted the key between
 * its L2 read and its write. The lease of Nishtala et al., "Scaling Memcache at Facebook" (NSDI 2013,
 * §3.2.1), with a marker key instead of server-issued tokens:
 *
 * - every `set`/`delete` of a key (and every replayed invalidation) first stores a new, unique value in the
 *   key's marker `<prefix>m:<key>`, with a TTL of `markerTtl` ms;
 * - the L2 read of a `getOrLoad` reads the value and the marker in one `MGET` (no extra round trip; plain
 *   `get()` reads the value alone): the marker read is the lease (`''` when there is none);
 * - the load's write is a script that sets the value only while the marker is still the one read; otherwise
 *   the value is answered to the caller but stored nowhere (`stats().staleFillsDropped`).
 *
 * This closes the cache-aside race the fill marks (`_fill-marks.ts`) cannot see: instance A reads the old row
 * from the database, B's write commits and B deletes the key in Redis, A's load ends before B's invalidation
 * reaches it — without the lease A would store the old row in Redis for a whole TTL.
 *
 * A marker lives `markerTtl` ms; a load that ends later than that after its read is not stored in L2 (its
 * lease might have expired with the marker), so the guarantee holds for loads of any length. Tags and
 * `clear()` are not markers: they are covered by the tag versions an entry carries, read before the loader
 * runs (an entry written under an older version is never served).
 */
import type { Clock } from '@scaling/core';
import { type Entry, encodeEntry } from './_entry.js';
import { L2Failure } from './_l2-commands.js';
import type { TierCore } from './_tier-core.js';
import type { WriteMarker } from './transport.js';

/** What a load read before it ran: the key's marker then (`undefined` when the read failed) and when it was read. */
export class Lease {
  constructor(
    /** The marker's value (`''`: no marker), or `undefined` when Redis did not answer (nothing is stored in L2). */
    readonly marker: string | undefined,
    /** Clock time (ms) just before the read was sent. */
    readonly at: number,
  ) {}
}

/** A read of the L2 entry of a key with the lease a fill of it must present. */
export interface LeasedRead {
  entry: Entry | undefined | L2Failure;
  lease: Lease;
}

/** What became of a load's L2 write: stored, queued (Redis failed), refused (key written since), or not tried (no lease). */
export type FillOutcome = 'written' | 'queued' | 'refused' | 'skipped';

/** The markers and guarded fills of one {@link TierCore}. */
export class FillLeases {
  readonly #core: TierCore;
  readonly #clock: Clock;
  readonly #prefix: string;
  readonly #ttl: number;
  #seq = 0;

  constructor(core: TierCore) {
    this.#core = core;
    this.#clock = core.s.clock;
    this.#prefix = `${core.s.prefix}m:`;
    this.#ttl = core.s.markerTtl;
  }

  /** The Redis key of the marker of `key` (an L1 key). */
  markerKey(key: string): string {
    return this.#prefix + key;
  }

  /** A new marker for a write or delete of `key` (unique: this tier's origin and a counter). */
  next(key: string): WriteMarker {
    return { key: this.#prefix + key, value: `${this.#core.origin}.${(++this.#seq).toString(36)}`, ttlMs: this.#ttl };
  }

  /** Reads the L2 entry of `key` and its marker in one round trip. */
  async read(key: string, rkey: string): Promise<LeasedRead> {
    const core = this.#core;
    const at = this.#clock.now();
    const got = await core.l2.getMarked(key, rkey, this.#prefix + key);
    if (got instanceof L2Failure) return { entry: got, lease: new Lease(undefined, at) };
    const lease = new Lease(got[1] ?? '', at);
    const text = got[0];
    if (text === null) return { entry: undefined, lease };
    return { entry: await core.decodeL2(key, text), lease };
  }

  /** Reads only the marker of `key` (a refresh that started from L1 has read nothing from L2). */
  async lease(key: string): Promise<Lease> {
    const at = this.#clock.now();
    const got = await this.#core.l2.getText(key, this.#prefix + key);
    return new Lease(got instanceof L2Failure ? undefined : (got ?? ''), at);
  }

  /**
   * Stores a loaded entry in L2 if the key's marker is still the lease's (one script: compare, `SET … PX`,
   * `PUBLISH`). A failed command queues the key's invalidation, as a failed write does.
   */
  async fill(key: string, rkey: string, e: Entry, payload: string, lease: Lease): Promise<FillOutcome> {
    const core = this.#core;
    const expected = lease.marker;
    if (expected === undefined) return 'skipped';
    const now = this.#clock.now();
    if (now - lease.at >= this.#ttl) {
      // The marker of a write made just after the read may have expired by now: the lease proves nothing.
      core.stats.staleFillsDropped++;
      return 'refused';
    }
    const ttlMs = e.pxAt(now);
    const text = encodeEntry(e, payload);
    const mkey = this.#prefix + key;
    const r = await core.l2.call('set', key, () =>
      core.s.transport.setIfMarker(rkey, text, ttlMs, mkey, expected, core.channel, `${core.origin}|k|${key}`),
    );
    if (r instanceof L2Failure) return core.writes.add(key, undefined);
    if (!r) {
      core.stats.staleFillsDropped++;
      return 'refused';
    }
    core.stats.invalidationsSent++;
    return 'written';
  }
}
