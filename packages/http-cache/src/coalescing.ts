// Request coalescing: the origin fetches in flight by cache key, which concurrent misses wait on.
/** One origin fetch in progress for a cache key; concurrent misses wait on it (request coalescing). */
export interface Flight {
  /** Resolves when waiting requests should look again: stored, uncacheable or failed. */
  readonly settled: Promise<void>;
  /** Releases the waiting requests (idempotent). */
  settle(): void;
}

/**
 * The fetches in flight, by cache key: the first miss of a key opens a flight, later misses wait on it
 * and look the store up again when it settles (Varnish's request coalescing, nginx `proxy_cache_lock`).
 */
export class Flights {
  readonly #flights = new Map<string, Flight>();

  /** The flight in progress for `key`, if any. */
  get(key: string): Flight | undefined {
    return this.#flights.get(key);
  }

  /** Opens a flight for `key`; `undefined` when one is already open. */
  open(key: string): Flight | undefined {
    if (this.#flights.has(key)) return undefined;
    let resolve!: () => void;
    const settled = new Promise<void>((r) => {
      resolve = r;
    });
    const flight: Flight = {
      settled,
      settle: () => {
        if (this.#flights.get(key) === flight) this.#flights.delete(key);
        resolve();
      },
    };
    this.#flights.set(key, flight);
    return flight;
  }
}
