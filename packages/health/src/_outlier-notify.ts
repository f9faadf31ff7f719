/**
 * How an outlier detector tells the world about ejections and returns: the target's `setHealthy`, the
 * deprecated `onEject`/`onReturn` callbacks and the `eject`/`return` events. Called only once the detector's
 * state is consistent; a callback that throws is rethrown on `process.nextTick` and never breaks the detector.
 */
import { Emitter } from '@scaling/core/internal';
import type { EjectionEvent, OutlierDetectorEvents, OutlierDetectorOptions, OutlierTarget } from './outlier-options.js';

const EVENTS: readonly (keyof OutlierDetectorEvents)[] = ['eject', 'return'];

/** Rethrows a user callback's error outside the current call (as a listener's error is), so the detector stays consistent. */
function rethrowLater(error: unknown): void {
  process.nextTick(() => {
    throw error;
  });
}

/** The detector's target, callbacks and events. @internal */
export class OutlierNotifier {
  /** The `eject`/`return` listeners and channels (`scaling:health:<event>`, `source` the detector). */
  readonly events: Emitter<OutlierDetectorEvents>;
  readonly #target: OutlierTarget;
  readonly #onEject: OutlierDetectorOptions['onEject'];
  readonly #onReturn: OutlierDetectorOptions['onReturn'];

  constructor(
    source: object,
    target: OutlierTarget,
    onEject: OutlierDetectorOptions['onEject'],
    onReturn: OutlierDetectorOptions['onReturn'],
  ) {
    this.events = new Emitter<OutlierDetectorEvents>('health', EVENTS, source);
    this.#target = target;
    this.#onEject = onEject;
    this.#onReturn = onReturn;
  }

  /** Tells the target; a throwing target is rethrown outside and never breaks the detector. */
  setHealthy(id: string, healthy: boolean): void {
    try {
      this.#target.setHealthy(id, healthy);
    } catch (e) {
      rethrowLater(e);
    }
  }

  /** Announces an ejection (state already updated): the target, then the callbacks. */
  ejected(e: EjectionEvent): void {
    this.setHealthy(e.id, false);
    if (this.#onEject !== undefined) {
      try {
        this.#onEject(e.id, e.reason, e.ejectionTimeMs);
      } catch (err) {
        rethrowLater(err);
      }
    }
    if (this.events.wants('eject')) this.events.emit('eject', e);
  }

  /** Announces a return (state already updated; the target was told by the caller when it had to be): the callbacks. */
  returned(id: string): void {
    if (this.#onReturn !== undefined) {
      try {
        this.#onReturn(id);
      } catch (e) {
        rethrowLater(e);
      }
    }
    if (this.events.wants('return')) this.events.emit('return', { id });
  }
}
