import { channel } from 'node:diagnostics_channel';
import type { Emitter } from '@scaling/core/internal';
import type { CacheEvents, EvictionListener, EvictionReason } from './types.js';

/**
 * The diagnostics channel of the cache's `evict` event (the same object the cache's {@link Emitter} publishes
 * on): a cache with no `onEvict` and no `on('evict')` listener checks it on a removal, so that a tool
 * subscribed to `scaling:cache:evict` sees every cache's removals without a reference to it.
 */
export const EVICT_CHANNEL = channel('scaling:cache:evict');

/**
 * Removals waiting for a cache's `onEvict` listener and its `evict` event, as three parallel queues (reused,
 * never shrunk). The cache queues while it changes its state and drains once that state is consistent, so a
 * listener may call any method of the cache.
 */
export class EvictionQueue<K, V> {
  /** Removals queued and not delivered yet. */
  length = 0;
  readonly #listener: EvictionListener<K, V> | undefined;
  readonly #events: Emitter<CacheEvents<K, V>>;
  readonly #keys: Array<K | undefined> = [];
  readonly #vals: Array<V | undefined> = [];
  readonly #reasons: EvictionReason[] = [];
  #draining = false;

  constructor(listener: EvictionListener<K, V> | undefined, events: Emitter<CacheEvents<K, V>>) {
    this.#listener = listener;
    this.#events = events;
  }

  push(key: K, value: V, reason: EvictionReason): void {
    const n = this.length++;
    this.#keys[n] = key;
    this.#vals[n] = value;
    this.#reasons[n] = reason;
  }

  /**
   * Call the listener (then the `evict` event's listeners and channel) for queued removals, in order. Re-entrant
   * calls (from inside a listener) only queue; the outermost drain delivers them. A throwing `onEvict` does not
   * stop the others; its first error is rethrown. Event listeners never throw here (the emitter rethrows their
   * errors on `process.nextTick`).
   */
  drain(): void {
    if (this.#draining || this.length === 0) return;
    const listener = this.#listener;
    const events = this.#events;
    this.#draining = true;
    let failed = false;
    let error: unknown;
    try {
      for (let k = 0; k < this.length; k++) {
        const key = this.#keys[k] as K;
        const value = this.#vals[k] as V;
        const reason = this.#reasons[k] as EvictionReason;
        this.#keys[k] = undefined;
        this.#vals[k] = undefined;
        if (listener !== undefined) {
          try {
            listener(key, value, reason);
          } catch (e) {
            if (!failed) {
              failed = true;
              error = e;
            }
          }
        }
        if (events.wants('evict')) events.emit('evict', { key, value, reason });
      }
    } finally {
      this.length = 0;
      this.#draining = false;
    }
    if (failed) throw error;
  }
}
