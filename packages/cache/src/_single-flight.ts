import { tracingChannel } from 'node:diagnostics_channel';
import { type Clock, Histogram } from '@scaling/core';
import { assertFunction } from '@scaling/core/internal';
import { ReentrantLoadError } from './errors.js';
import type { Loader, LoaderContext, SetOptions } from './types.js';

/** Where a {@link SingleFlight} stores loaded values: the cache it serves. */
export interface FlightStore<K, V> {
  /** Store a loaded value (only called while the load is still the current one for its key). */
  set(key: K, value: V, options?: SetOptions): boolean;
}

/** One in-flight load, shared by every caller of `getOrLoad` for its key. */
class Flight<V> {
  /** Settles with the loader's outcome (after storing it); `undefined` while the loader is being called. */
  promise: Promise<V> | undefined = undefined;
  /** Callers waiting with a signal that has not aborted. */
  abortableWaiters = 0;
  /** A caller without a signal (or a background refresh) waits: never abort the loader. */
  pinned = false;
  constructor(readonly controller: AbortController) {}
}

const noop = (): void => {};

/**
 * `scaling:cache:load`: the tracing channel around each loader call (context `{ key }`; `result` or `error` added
 * when it settles). Only used when it has subscribers, so an untraced load pays one check.
 */
export const LOAD_CHANNEL = tracingChannel<unknown, { key: unknown }>('scaling:cache:load');

/** The loader call as a promise (a synchronous throw propagates, for the tracing channel's `error`). */
function callLoader<K, V>(loader: Loader<K, V>, key: K, context: LoaderContext<V>): Promise<V> {
  return Promise.resolve(loader(key, context));
}

/**
 * Single-flight loading per key for one cache instance: concurrent callers share one loader call; a `set`,
 * `delete` or `clear` made while a load is in flight detaches it, so its late result is not stored; a rejected
 * load reaches every waiter and is not stored; one waiter aborting does not abort the others (the loader's
 * signal aborts only when every waiter has). Pattern after Go's `singleflight.Group`.
 */
export class SingleFlight<K, V> {
  readonly #flights = new Map<K, Flight<V>>();
  readonly #store: FlightStore<K, V>;
  /** Keep a load whose every waiter aborted (lru-cache's `ignoreFetchAbort`). */
  readonly #ignoreAbort: boolean;
  /** Loader calls started (one per single-flight group). */
  loads = 0;
  /** Loader calls that threw or rejected. */
  loadErrors = 0;
  /** Time from a loader call to its settling, in ms (every load, failed ones included). */
  readonly loadDuration = new Histogram();
  readonly #clock: Clock;

  constructor(store: FlightStore<K, V>, ignoreAbort: boolean, clock: Clock) {
    this.#store = store;
    this.#ignoreAbort = ignoreAbort;
    this.#clock = clock;
  }

  /** Number of loads in flight. */
  get size(): number {
    return this.#flights.size;
  }

  /** Whether a load for `key` is in flight. */
  has(key: K): boolean {
    return this.#flights.has(key);
  }

  /** Detach the load for `key` (a write won): its result will not be stored. */
  detach(key: K): void {
    this.#flights.delete(key);
  }

  /** Detach every load. */
  detachAll(): void {
    this.#flights.clear();
  }

  /** Join the load for `key`, starting it with `loader` when none is in flight. */
  load(key: K, loader: Loader<K, V>, staleValue: V | undefined, ttl: number | undefined, signal: AbortSignal | undefined): Promise<V> {
    assertFunction('loader', loader);
    // A caller that has already given up neither starts nor joins a load.
    if (signal?.aborted) return Promise.reject(signal.reason);
    let flight = this.#flights.get(key);
    if (flight === undefined) {
      flight = this.#start(key, loader, staleValue, ttl);
    } else if (flight.promise === undefined) {
      // The key's own loader, called synchronously, asks for its key: it could only wait for itself.
      return Promise.reject(new ReentrantLoadError(key));
    }
    return this.#join(key, flight, signal);
  }

  /** Start a background refresh for `key` unless a load is already in flight. */
  refresh(key: K, loader: Loader<K, V>, staleValue: V, ttl: number | undefined): void {
    if (this.#flights.has(key)) return;
    const flight = this.#start(key, loader, staleValue, ttl);
    flight.pinned = true;
  }

  #start(key: K, loader: Loader<K, V>, staleValue: V | undefined, ttl: number | undefined): Flight<V> {
    const flight = new Flight<V>(new AbortController());
    this.#flights.set(key, flight);
    this.loads++;
    const clock = this.#clock;
    const started = clock.now();
    let result: PromiseLike<V> | V;
    try {
      const context: LoaderContext<V> = { signal: flight.controller.signal, staleValue };
      result = LOAD_CHANNEL.hasSubscribers
        ? LOAD_CHANNEL.tracePromise(callLoader, { key }, undefined, loader, key, context)
        : loader(key, context);
    } catch (error) {
      result = Promise.reject(error);
    }
    const promise = Promise.resolve(result).then(
      (value) => {
        this.loadDuration.record(clock.now() - started);
        if (this.#flights.get(key) === flight) {
          this.#flights.delete(key);
          // Every waiter aborted (so did the loader's signal): a loader that ignored it is not cached, as lru-cache does.
          if (value !== undefined && !flight.controller.signal.aborted)
            this.#store.set(key, value, ttl === undefined ? undefined : { ttl });
        }
        return value;
      },
      (error: unknown) => {
        this.loadDuration.record(clock.now() - started);
        if (this.#flights.get(key) === flight) this.#flights.delete(key);
        this.loadErrors++;
        throw error;
      },
    );
    // A background refresh may have no waiter: its rejection is counted, not left unhandled.
    promise.catch(noop);
    flight.promise = promise;
    return flight;
  }

  #join(key: K, flight: Flight<V>, signal: AbortSignal | undefined): Promise<V> {
    const promise = flight.promise as Promise<V>;
    if (signal === undefined || this.#ignoreAbort) {
      // Nobody can abort the loader: a waiter's signal only ends its own wait.
      flight.pinned = true;
      if (signal === undefined) return promise;
    }
    if (signal.aborted) return Promise.reject(signal.reason);
    flight.abortableWaiters++;
    return new Promise<V>((resolve, reject) => {
      let settled = false;
      const onAbort = (): void => {
        if (settled) return;
        settled = true;
        reject(signal.reason);
        flight.abortableWaiters--;
        if (flight.abortableWaiters === 0 && !flight.pinned) {
          // Nobody wants the result any more: tell the loader and forget the load.
          if (this.#flights.get(key) === flight) this.#flights.delete(key);
          flight.controller.abort(signal.reason);
        }
      };
      signal.addEventListener('abort', onAbort, { once: true });
      promise.then(
        (value) => {
          signal.removeEventListener('abort', onAbort);
          if (settled) return;
          settled = true;
          flight.abortableWaiters--;
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          if (settled) return;
          settled = true;
          flight.abortableWaiters--;
          reject(error);
        },
      );
    });
  }
}
