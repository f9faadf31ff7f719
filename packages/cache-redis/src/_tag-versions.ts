/**
 * Versions of tags and the global generation as known by one tier. An entry is valid while its generation and
 * tag versions are the current ones; unknown versions are read from Redis, and versions learnt from Redis while
 * the bus was down are used once but not kept.
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
  /** The global generation, or -1 while unknown (mirror of `#versions.get(GEN)` for the hot path). */
  gen = -1;

  constructor(core: TierCore) {
    this.#core = core;
    this.#prefix = core.s.prefix;
    this.#maxTags = core.s.maxTags;
  }

  /** The Redis key holding the version of `tag`. */
  key(tag: string): string {
    return tag === GEN ? `${this.#prefix}g` : `${this.#prefix}t:${tag}`;
  }

  has(tag: string): boolean {
    return this.#versions.has(tag);
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
      for (const t of tags) if (!this.#versions.has(t)) (missing ??= []).push(t);
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
