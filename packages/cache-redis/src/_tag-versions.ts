/**
 * Versions of tags and the global generation as known by one tier. An entry is valid while its generation and
 * tag versions are the current ones; unknown versions are read from Redis, and versions learnt from Redis while
 * the bus was down are used once but not kept.
 *
 * Local mode: when Redis cannot be asked, an entry still needs versions to be kept in L1. It gets
 * provisional ones (negative numbers, unique in this tier, never sent to Redis): they count as unknown (the
 * next read of them asks Redis), a `deleteByTag` here forgets them, and learning the real version from Redis
 * or the bus replaces them — so an entry written under a provisional version is never valid once anything
 * real is known, and is never written to L2.
 */
import type { Entry } from './_entry.js';
import { L2Failure } from './_l2-commands.js';
import type { TierCore } from './_tier-core.js';

/** The key of the global generation in the version map (user tags are never empty). */
export const GEN = '';

/** The generation and tag versions an entry is written with. */
export interface VersionSnapshot {
  gen: number;
  versions: number[] | undefined;
}

/** Tag → version (GEN → global generation) of one {@link TierCore}. */
export class TagVersions {
  readonly #core: TierCore;
  readonly #prefix: string;
  readonly #maxTags: number;
  /** Tag → version (GEN → global generation); cleared (with L1) on every bus recovery. */
  readonly #versions = new Map<string, number>();
  /**
   * The global generation (mirror of `#versions.get(GEN)` for the hot path): -1 while unknown, below -1 while
   * provisional (local mode); both count as unknown (`gen < 0`).
   */
  gen = -1;
  /** The next provisional version (negative, decreasing: never reused, never -1). */
  #provisional = -2;

  constructor(core: TierCore) {
    this.#core = core;
    this.#prefix = core.s.prefix;
    this.#maxTags = core.s.maxTags;
  }

  /** The Redis key holding the version of `tag`. */
  key(tag: string): string {
    return tag === GEN ? `${this.#prefix}g` : `${this.#prefix}t:${tag}`;
  }

  /** Whether the version of `tag` is known (learnt from Redis or the bus; a provisional one is not). */
  has(tag: string): boolean {
    const v = this.#versions.get(tag);
    return v !== undefined && v >= 0;
  }

  /** Forgets every version (they are re-read from Redis). */
  clear(): void {
    this.#versions.clear();
    this.gen = -1;
  }

  learn(tag: string, version: number): void {
    if (!Number.isInteger(version)) return;
    const known = this.#versions.get(tag);
    if (known !== undefined && known >= version) return;
    if (known === undefined && this.#versions.size >= this.#maxTags) this.#core.flushLocal();
    this.#versions.set(tag, version);
    if (tag === GEN) {
      this.gen = version;
      if (known !== undefined) this.#core.l1.clear(); // everything is invalid now: free the memory at once
    }
  }

  /** Forgets the version of `tag` (until Redis answers, entries with this tag are not valid here). */
  forget(tag: string): void {
    this.#versions.delete(tag);
    if (tag === GEN) this.gen = -1;
  }

  /** Versions of `tags` and the global generation, fetched for the ones not known; `undefined` when Redis failed. */
  async of(tags: readonly string[] | undefined): Promise<VersionSnapshot | undefined> {
    let missing: string[] | undefined;
    if (this.gen < 0) missing = [GEN];
    if (tags !== undefined) {
      for (const t of tags) if (!this.has(t)) (missing ??= []).push(t);
    }
    if (missing !== undefined) {
      const core = this.#core;
      const epoch = core.bus.epoch;
      const keys = missing.map((t) => this.key(t));
      const got = await core.l2.call('mget', undefined, () => core.s.transport.mget(keys));
      if (got instanceof L2Failure) return undefined;
      // Versions read while the bus was down (or across a recovery) would be kept past a missed message.
      if (epoch !== core.bus.epoch || !core.bus.up) {
        return this.#snapshot(tags, missing, got);
      }
      for (let i = 0; i < missing.length; i++) this.learn(missing[i] as string, Number(got[i] ?? 0));
    }
    return this.#snapshot(tags);
  }

  /**
   * Versions of `tags` and the global generation for an entry kept in L1 only, when Redis did not answer
   * {@link TagVersions.of}: the known ones, and provisional ones (negative) for the others — assigned once
   * and shared by every local entry until forgotten or replaced by a real version.
   */
  local(tags: readonly string[] | undefined): VersionSnapshot {
    if (this.gen === -1) this.#assume(GEN);
    if (tags !== undefined) for (const t of tags) if (!this.#versions.has(t)) this.#assume(t);
    return this.#snapshot(tags);
  }

  #assume(tag: string): void {
    if (this.#versions.size >= this.#maxTags) this.#core.flushLocal();
    const v = this.#provisional--;
    this.#versions.set(tag, v);
    if (tag === GEN) this.gen = v;
  }

  /**
   * Forgets every provisional version (Redis answers again): entries filled in local mode are not served
   * from now on. True when there was one.
   */
  dropProvisional(): boolean {
    let dropped = false;
    for (const [tag, v] of this.#versions) {
      if (v >= 0) continue;
      this.#versions.delete(tag);
      dropped = true;
    }
    if (this.gen < 0) this.gen = -1;
    return dropped;
  }

  /**
   * Whether an invalidation known here superseded a version `e` was written under (a tag bumped or `clear()`
   * since its versions were read). Unknown and provisional versions supersede nothing.
   */
  superseded(e: Entry): boolean {
    if (this.gen >= 0 && this.gen !== e.gen) return true;
    const tags = e.tags;
    if (tags === undefined) return false;
    const versions = e.versions as readonly number[];
    for (let i = 0; i < tags.length; i++) {
      const v = this.#versions.get(tags[i] as string);
      if (v !== undefined && v >= 0 && v !== versions[i]) return true;
    }
    return false;
  }

  #snapshot(tags: readonly string[] | undefined, fetched?: string[], values?: (string | null)[]): VersionSnapshot {
    const of = (t: string): number => {
      const i = fetched === undefined ? -1 : fetched.indexOf(t);
      return i >= 0 ? Number(values?.[i] ?? 0) : (this.#versions.get(t) as number);
    };
    return { gen: of(GEN), versions: tags?.map(of) };
  }

  /** Whether an entry's generation and tag versions are the current ones (as known here). */
  valid(e: Entry): boolean {
    if (e.gen !== this.gen) return false;
    const tags = e.tags;
    if (tags === undefined) return true;
    const versions = e.versions as readonly number[];
    for (let i = 0; i < tags.length; i++) if (this.#versions.get(tags[i] as string) !== versions[i]) return false;
    return true;
  }
}
