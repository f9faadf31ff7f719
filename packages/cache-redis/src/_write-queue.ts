/**
 * Invalidations that could not reach Redis (breaker open, command failed): queued by key and tag, bounded (on
 * overflow the whole queue collapses into one bump of the global generation), and replayed once Redis answers.
 */
import { L2Failure } from './_l2-commands.js';
import { GEN } from './_tag-versions.js';
import type { TierCore } from './_tier-core.js';
import type { WriteStatus } from './types.js';

/** The write queue of one {@link TierCore}. */
export class WriteQueue {
  readonly #core: TierCore;
  readonly #max: number;
  readonly #keys = new Set<string>();
  readonly #tags = new Set<string>();
  #overflow = false;
  replaying = false;

  constructor(core: TierCore) {
    this.#core = core;
    this.#max = core.s.maxPendingWrites;
  }

  /** Invalidations waiting (`maxPendingWrites + 1` after an overflow). */
  get size(): number {
    return this.#overflow ? this.#max + 1 : this.#keys.size + this.#tags.size;
  }

  /** Queues the invalidation of `key` or `tag`. */
  add(key: string | undefined, tag: string | undefined): WriteStatus {
    if (key !== undefined) this.#keys.add(key);
    if (tag !== undefined) this.#tags.add(tag);
    if (this.#keys.size + this.#tags.size > this.#max) {
      this.#overflow = true;
      this.#keys.clear();
      this.#tags.clear();
    }
    const emitter = this.#core.emitter;
    if (emitter.wants('write-queued')) emitter.emit('write-queued', key === undefined ? { tag: tag as string } : { key });
    return 'queued';
  }

  maybeReplay(): void {
    if (this.replaying || this.#core.closed || (!this.#overflow && this.#keys.size === 0 && this.#tags.size === 0)) return;
    this.replaying = true;
    void this.replay().finally(() => {
      this.replaying = false;
    });
  }

  /** Replays queued invalidations to Redis (called when the breaker closes). Returns how many were sent. */
  async replay(): Promise<number> {
    const core = this.#core;
    const { transport, prefix } = core.s;
    const channel = core.channel;
    let count = 0;
    if (this.#overflow) {
      const r = await core.l2.call('incr', undefined, () => transport.incr(`${prefix}g`, channel, `${core.origin}|t||`));
      if (r instanceof L2Failure) return count;
      this.#overflow = false;
      core.tags.learn(GEN, r);
      core.stats.invalidationsSent++;
      count++;
      if (core.emitter.wants('replayed')) core.emitter.emit('replayed', { count, flushed: true });
      return count;
    }
    for (const key of [...this.#keys]) {
      const marker = core.leases.next(key);
      const r = await core.l2.call('del', key, () => transport.del(core.dataPrefix + key, channel, `${core.origin}|k|${key}`, marker));
      if (r instanceof L2Failure) return count;
      this.#keys.delete(key);
      core.stats.invalidationsSent++;
      count++;
    }
    for (const tag of [...this.#tags]) {
      const versionKey = core.tags.key(tag);
      const r = await core.l2.call('incr', undefined, () => transport.incr(versionKey, channel, `${core.origin}|t|${tag}|`));
      if (r instanceof L2Failure) return count;
      this.#tags.delete(tag);
      core.tags.learn(tag, r);
      core.stats.invalidationsSent++;
      count++;
    }
    if (count > 0 && core.emitter.wants('replayed')) core.emitter.emit('replayed', { count, flushed: false });
    return count;
  }
}
