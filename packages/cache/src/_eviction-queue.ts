import type { EvictionListener, EvictionReason } from './types.js';

/**
 * Removals waiting for a cache's `onEvict` listener, as three parallel queues (reused, never shrunk). The cache
 * queues while it changes its state and drains once that state is consistent, so a listener may call any
 * method of the cache.
 */
export class EvictionQueue<K, V> {
  /** Removals queued and not delivered yet. */
  length = 0;
  readonly #listener: EvictionListener<K, V>;
  readonly #keys: Array<K | undefined> = [];
  readonly #vals: Array<V | undefined> = [];
  readonly #reasons: EvictionReason[] = [];
  #draining = false;

  constructor(listener: EvictionListener<K, V>) {
    this.#listener = listener;
  }

  push(key: K, value: V, reason: EvictionReason): void {
    const n = this.length++;
    this.#keys[n] = key;
    this.#vals[n] = value;
    this.#reasons[n] = reason;
  }

  /**
   * Call the listener for queued removals, in order. Re-entrant calls (from inside a listener) only queue; the
   * outermost drain delivers them. A throwing listener does not stop the others; the first error is rethrown.
   */
  drain(): void {
    if (this.#draining || this.length === 0) return;
    const listener = this.#listener;
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
        try {
          listener(key, value, reason);
        } catch (e) {
          if (!failed) {
            failed = true;
            error = e;
          }
        }
      }
    } finally {
      this.length = 0;
      this.#draining = false;
    }
    if (failed) throw error;
  }
}
