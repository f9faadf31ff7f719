// The controller a caller's handler sees for one balanced request: abort, pause and resume forwarded to the
// request's exchange (one object per request, no closures).
import type { Dispatcher } from 'undici';
import type { Exchange } from './_exchange.js';

/** The controller the caller's handler sees (one per request, no closures). */
export class ExchangeController implements Dispatcher.DispatchController {
  readonly #x: Exchange;
  constructor(x: Exchange) {
    this.#x = x;
  }
  get aborted(): boolean {
    return this.#x.reason !== null;
  }
  get paused(): boolean {
    return this.#x.paused;
  }
  get reason(): Error | null {
    return this.#x.reason;
  }
  abort(reason: Error): void {
    this.#x.abort(reason);
  }
  pause(): void {
    this.#x.pause();
  }
  resume(): void {
    this.#x.resume();
  }
}
