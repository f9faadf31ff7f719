/**
 * The stampede lock: one instance loads a missing key while the others wait (with backoff) for the value it
 * stores in L2; a lease bounds how long a dead or slow holder can keep the others waiting.
 */
import { type Backoff, type Clock, exponentialBackoff } from '@scaling/core';
import type { Entry } from './_entry.js';
import { L2Failure } from './_l2-commands.js';
import type { TierCore } from './_tier-core.js';
import { TierClosedError } from './errors.js';
import type { TierResult } from './types.js';

/** The stampede lock of one {@link TierCore}. */
export class StampedeLock {
  readonly #core: TierCore;
  readonly #clock: Clock;
  readonly #backoff: Backoff = exponentialBackoff({ baseMs: 2, maxMs: 50 });
  #seq = 0;

  constructor(core: TierCore) {
    this.#core = core;
    this.#clock = core.s.clock;
  }

  /**
   * The stampede lock: the token when this instance holds it (`''` when Redis failed: load without it), or the
   * value another instance stored while this one waited.
   */
  async acquireOrWait<V>(key: string, rkey: string): Promise<string | TierResult<V>> {
    const core = this.#core;
    const lockKey = `${core.s.prefix}l:${key}`;
    const token = `${core.origin}:${++this.#seq}`;
    const lease = core.s.lockLeaseMs;
    const deadline = this.#clock.now() + lease;
    let waited = false;
    for (let attempt = 1; ; attempt++) {
      const got = await core.l2.call('lock', key, () => core.s.transport.setNx(lockKey, token, lease));
      if (got instanceof L2Failure) return '';
      if (got) {
        core.stats.lockAcquired++;
        return token;
      }
      if (!waited) {
        waited = true;
        core.stats.lockWaits++;
      }
      // Holder alive: wait with backoff, then look for its value in L2.
      const delay = Math.max(1, this.#backoff(attempt));
      await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, delay));
      if (core.closed) throw new TierClosedError();
      const fill = core.beginFill(key);
      let e: Entry | undefined | L2Failure;
      let storable = false;
      try {
        e = await core.readL2(key, rkey);
      } finally {
        storable = core.endFill(key, fill);
      }
      if (e instanceof L2Failure) return '';
      if (e !== undefined && e.expiresAt > this.#clock.now()) {
        core.stats.l2Hits++;
        if (storable) core.storeL1(key, e);
        return { value: e.value as V, status: 'l2' };
      }
      // The holder died without storing (its lease ran out) or is slow past our patience: load ourselves.
      if (this.#clock.now() >= deadline) return '';
    }
  }

  /** Releases the lock of `key` if `token` still holds it (in the background). */
  release(key: string, token: string): void {
    const core = this.#core;
    const lockKey = `${core.s.prefix}l:${key}`;
    void core.l2.call('unlock', key, () => core.s.transport.delIfEquals(lockKey, token));
  }
}
