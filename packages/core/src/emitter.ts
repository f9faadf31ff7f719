/**
 * The one event style of `@scaling/*`: `on(event, listener)` returns an unsubscribe function; every
 * listener gets one payload object; each event is also published on the `node:diagnostics_channel`
 * channel `scaling:<package>:<event>` (payload plus `source`, the emitting object) so tools can observe
 * every instance without a reference to it. See `docs/events.md`.
 *
 * A throwing listener never breaks the emitter or the structure that emits: every listener runs, and a
 * listener's error is rethrown on `process.nextTick` — the behaviour of `node:diagnostics_channel`.
 */
import { type Channel, channel as dcChannel } from 'node:diagnostics_channel';

/** A map from event name to the payload type its listeners receive. */
export type EventMap = { [event: string]: object };

/** A listener of one event. */
export type Listener<P> = (payload: P) => void;

/** The subscription surface an object with events exposes (see `docs/events.md`). */
export interface Subscribable<Events extends EventMap> {
  /**
   * Calls `listener` with each `event`'s payload until the returned function is called.
   * @throws {TypeError} when `listener` is not a function or `event` is not one of the object's events.
   */
  on<K extends keyof Events & string>(event: K, listener: Listener<Events[K]>): () => void;
  /** Removes `listener` from `event` (no-op when it was not subscribed). */
  off<K extends keyof Events & string>(event: K, listener: Listener<Events[K]>): void;
}

const EMPTY: readonly never[] = [];

/**
 * Listener lists and diagnostics channels for one object. Components hold one and forward `on`/`off`
 * to it (composition, not inheritance, so a class keeps its own base).
 */
export class Emitter<Events extends EventMap> implements Subscribable<Events> {
  readonly #source: object;
  readonly #listeners = new Map<string, Listener<never>[]>();
  readonly #channels = new Map<string, Channel>();

  /**
   * @param pkg - the package name without scope (`'load-balancer'`), for channel names.
   * @param events - every event name the object emits.
   * @param source - the object reported as `source` on channels (defaults to the emitter).
   */
  constructor(pkg: string, events: readonly (keyof Events & string)[], source?: object) {
    this.#source = source ?? this;
    for (const e of events) this.#channels.set(e, dcChannel(`scaling:${pkg}:${e}`));
  }

  on<K extends keyof Events & string>(event: K, listener: Listener<Events[K]>): () => void {
    if (!this.#channels.has(event)) {
      throw new TypeError(
        `Expected \`event\` to be one of ${[...this.#channels.keys()].map((e) => `"${e}"`).join(', ')}, got ${JSON.stringify(event)}`,
      );
    }
    if (typeof listener !== 'function') throw new TypeError(`Expected \`listener\` to be a function, got ${typeof listener}`);
    const list = this.#listeners.get(event);
    // Copy on write: an emit in progress keeps iterating the list it started with.
    this.#listeners.set(event, list === undefined ? [listener as Listener<never>] : [...list, listener as Listener<never>]);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.off(event, listener);
    };
  }

  off<K extends keyof Events & string>(event: K, listener: Listener<Events[K]>): void {
    const list = this.#listeners.get(event);
    if (list === undefined) return;
    const i = list.indexOf(listener as Listener<never>);
    if (i < 0) return;
    const next = list.slice(0, i).concat(list.slice(i + 1));
    if (next.length === 0) this.#listeners.delete(event);
    else this.#listeners.set(event, next);
  }

  /** True when anyone (a listener or a channel subscriber) would see `event`: build payloads only then. */
  wants(event: keyof Events & string): boolean {
    return this.#listeners.has(event) || (this.#channels.get(event)?.hasSubscribers ?? false);
  }

  /** Number of listeners on `event` (for cleanup tests). */
  listenerCount(event: keyof Events & string): number {
    return (this.#listeners.get(event) ?? EMPTY).length;
  }

  /** Delivers `payload` to the listeners and the channel. Never throws (see the module comment). */
  emit<K extends keyof Events & string>(event: K, payload: Events[K]): void {
    const list = this.#listeners.get(event);
    if (list !== undefined) {
      for (const l of list) {
        try {
          (l as Listener<Events[K]>)(payload);
        } catch (e) {
          process.nextTick(() => {
            throw e;
          });
        }
      }
    }
    const ch = this.#channels.get(event);
    if (ch?.hasSubscribers) ch.publish({ ...payload, source: this.#source });
  }
}
