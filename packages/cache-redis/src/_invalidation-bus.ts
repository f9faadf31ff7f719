/**
 * The invalidation bus of a tier: the pub/sub channel every instance publishes its writes on. A message drops
 * the key from L1 (or teaches a tag's new version); when the bus goes down or comes back, the epoch moves on
 * and, on recovery, everything learnt through the bus is forgotten (messages may have been missed).
 */
import type { TierCore } from './_tier-core.js';

/** The bus subscription of one {@link TierCore}. */
export class InvalidationBus {
  readonly #core: TierCore;
  /** Bumped when the bus goes down or comes back: a fill from an older epoch is not stored in L1. */
  epoch = 0;
  /** The bus is connected. */
  up = false;
  #everUp = false;

  constructor(core: TierCore) {
    this.#core = core;
  }

  /** Subscribes to the channel; resolves once subscribed for the first time (or the first attempt failed). */
  subscribe(): Promise<void> {
    const core = this.#core;
    return core.s.transport
      .subscribe(core.channel, {
        message: (text) => this.#onMessage(text),
        up: () => this.#onUp(),
        down: () => this.#onDown(),
      })
      .catch((error: unknown) => {
        if (core.emitter.wants('l2-error')) core.emitter.emit('l2-error', { operation: 'subscribe', error });
      });
  }

  #onMessage(text: string): void {
    const core = this.#core;
    const a = text.indexOf('|');
    const b = text.indexOf('|', a + 1);
    if (a < 0 || b < 0) return;
    const origin = text.slice(0, a);
    if (origin === core.origin) return; // our own write: L1 already has it
    const kind = text.slice(a + 1, b);
    core.stats.invalidationsReceived++;
    if (kind === 'k') {
      const key = text.slice(b + 1);
      core.invalidateLocal(key);
      if (core.emitter.wants('invalidation')) core.emitter.emit('invalidation', { key, origin });
    } else if (kind === 't') {
      const c = text.lastIndexOf('|');
      const tag = text.slice(b + 1, c);
      const version = Number(text.slice(c + 1));
      core.tags.learn(tag, version);
      if (core.emitter.wants('invalidation')) core.emitter.emit('invalidation', { tag, origin });
    }
  }

  #onDown(): void {
    if (!this.up) return;
    const core = this.#core;
    this.up = false;
    this.epoch++;
    core.updateL1Active();
    if (core.emitter.wants('bus')) core.emitter.emit('bus', { connected: false });
  }

  #onUp(): void {
    const core = this.#core;
    const first = !this.#everUp;
    this.#everUp = true;
    // Messages may have been missed while the bus was down: forget everything learnt through it.
    this.epoch++;
    core.flushLocal();
    this.up = true;
    if (!first) core.stats.busReconnects++;
    core.updateL1Active();
    if (core.emitter.wants('bus')) core.emitter.emit('bus', { connected: true });
  }
}
