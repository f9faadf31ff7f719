// The caller's undici handler as the dispatcher drives it: one interface over undici's new-style and legacy
// handler calls, so the attempts pass raw headers through without a parse or a wrapper per request.
import { type Dispatcher, util } from 'undici';

type Controller = Dispatcher.DispatchController;
type Handler = Dispatcher.DispatchHandler;
type Headers = Record<string, string | string[] | undefined>;
type RawHeaders = Buffer[];

const NO_RAW: RawHeaders = [];

/**
 * The caller's handler as the dispatcher drives it, whatever style it speaks. The attempts receive raw
 * header lists from the endpoint pools (undici's legacy handler calls, which skip a parse and a wrapper per
 * request); a legacy caller (`undici.request`, `fetch`) gets them as they are, a new-style one parsed.
 */
export interface UserHandler {
  start(controller: Controller): void;
  headers(controller: Controller, statusCode: number, raw: RawHeaders, statusMessage: string): void;
  data(controller: Controller, chunk: Buffer): void;
  end(controller: Controller, rawTrailers: RawHeaders | null): void;
  error(controller: Controller, error: Error): void;
}

/** A new-style (`onRequestStart` … `onResponseEnd`) handler. */
class ModernUser implements UserHandler {
  readonly #h: Handler;
  constructor(h: Handler) {
    this.#h = h;
  }
  start(c: Controller): void {
    this.#h.onRequestStart?.(c, {});
  }
  headers(c: Controller, statusCode: number, raw: RawHeaders, statusMessage: string): void {
    this.#h.onResponseStart?.(c, statusCode, util.parseHeaders(raw) as Headers as never, statusMessage);
  }
  data(c: Controller, chunk: Buffer): void {
    this.#h.onResponseData?.(c, chunk);
  }
  end(c: Controller, rawTrailers: RawHeaders | null): void {
    this.#h.onResponseEnd?.(c, util.parseHeaders(rawTrailers ?? NO_RAW) as never);
  }
  error(c: Controller, e: Error): void {
    if (this.#h.onResponseError === undefined) throw e;
    this.#h.onResponseError(c, e);
  }
}

/** A legacy (`onConnect`/`onHeaders`/`onData`/`onComplete`/`onError`) handler, as undici's own WrapHandler drives it. */
class LegacyUser implements UserHandler {
  readonly #h: Handler;
  #c: Controller | undefined;
  readonly #resume = (): void => this.#c?.resume();
  readonly #abort = (reason?: Error): void => this.#c?.abort(reason ?? new Error('Request aborted'));
  constructor(h: Handler) {
    this.#h = h;
  }
  start(c: Controller): void {
    this.#c = c;
    this.#h.onConnect?.(this.#abort);
  }
  headers(c: Controller, statusCode: number, raw: RawHeaders, statusMessage: string): void {
    if (this.#h.onHeaders?.(statusCode, raw, this.#resume, statusMessage) === false) c.pause();
  }
  data(c: Controller, chunk: Buffer): void {
    if (this.#h.onData?.(chunk) === false) c.pause();
  }
  end(_c: Controller, rawTrailers: RawHeaders | null): void {
    this.#h.onComplete?.((rawTrailers ?? NO_RAW) as never);
  }
  error(_c: Controller, e: Error): void {
    if (this.#h.onError === undefined) throw e;
    this.#h.onError(e);
  }
}

/** Wraps the caller's handler (see {@link UserHandler}). */
export function toUserHandler(h: Handler): UserHandler {
  return typeof h.onRequestStart === 'function' || typeof h.onResponseStart === 'function' ? new ModernUser(h) : new LegacyUser(h);
}
