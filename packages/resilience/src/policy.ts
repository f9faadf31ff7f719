/**
 * The one shape every policy shares. A policy runs a function under its rule with `execute(fn, options)`;
 * the function receives a context whose type grows with the policies around it (`signal` always,
 * `attempt` under a retry, `remainingMs` under a timeout, `hedge` under hedging). Admission policies
 * (circuit breaker, bulkhead, adaptive throttle) also hand out permits — a core `Lease` settled with the
 * core `Outcome` — so a call made outside `execute` (an HTTP dispatcher, a pool) can use them too.
 *
 * Modelled on cockatiel's `IPolicy` (`src/Policy.ts`: `execute(fn, signal)`, `wrap`) and Polly v8's
 * resilience pipeline (one strategy interface, a documented order).
 */
import { CallContext } from './_context.js';
import { PolicyDisposedError } from './errors.js';

/** What every policy gives the function it runs. */
export interface PolicyContext {
  /**
   * Aborted when the call should stop: the caller's signal fired, a deadline passed, a hedged twin won.
   * Created on first read (an `AbortSignal` per call is not free); not aborted when the call succeeds, so a
   * response body stays readable.
   */
  readonly signal: AbortSignal;
}

/** Added by {@link retry}: the attempt number, 1 for the first. */
export interface RetryContext {
  /** This attempt's number, 1 for the first. */
  readonly attempt: number;
}

/** Added by {@link timeout}: milliseconds left before the nearest deadline (to propagate it, e.g. as a header). */
export interface DeadlineContext {
  /** Milliseconds left before the nearest deadline. */
  readonly remainingMs: number;
}

/** Added by {@link hedge}: 0 for the primary attempt, 1… for hedged ones. */
export interface HedgeContext {
  /** 0 for the primary attempt, 1… for hedged ones. */
  readonly hedge: number;
}

/** Options of {@link Policy.execute}. */
export interface ExecuteOptions {
  /** The caller's cancellation: aborting it rejects the call with `signal.reason` and aborts `ctx.signal`. */
  signal?: AbortSignal;
}

/**
 * A resilience policy. `C` is the context type the function receives.
 *
 * @typeParam C - the context given to the function (inferred through {@link wrap} and {@link pipeline}).
 */
export interface Policy<C extends PolicyContext = PolicyContext> {
  /**
   * Runs `fn` under this policy.
   * @returns `fn`'s result, or a rejection with `fn`'s error or a policy's typed error.
   * @throws (rejects) {@link PolicyDisposedError} after `dispose()`.
   */
  execute<T>(fn: (ctx: C) => T | PromiseLike<T>, options?: ExecuteOptions): Promise<T>;
  /** Stops the policy's timers and rejects its waiters; later use rejects with {@link PolicyDisposedError}. Idempotent. */
  dispose(): void;
}

/** A policy with events (every policy here): the one event style of `@scaling/*` (docs/events.md). */
export interface ObservablePolicy<C extends PolicyContext, Events extends { [event: string]: object }> extends Policy<C> {
  /**
   * Calls `listener` with each `event`'s payload until the returned function is called. Every event is also
   * published on `node:diagnostics_channel` as `scaling:resilience:<event>`.
   * @throws {TypeError} when `listener` is not a function or `event` is not one of the policy's events.
   */
  on<K extends keyof Events & string>(event: K, listener: (payload: Events[K]) => void): () => void;
  /** Removes `listener` from `event` (no-op when it was not subscribed). */
  off<K extends keyof Events & string>(event: K, listener: (payload: Events[K]) => void): void;
}

// biome-ignore lint/suspicious/noExplicitAny: the function type policies pass down unchanged
export type AnyFn = (ctx: any) => unknown;

/**
 * The runtime base class (not exported from the package: users see the {@link Policy} interfaces).
 * `_invoke(ctx, fn, chain, i)` runs this policy at position `i` of `chain`; calling the next position is
 * {@link invokeNext}, so a composed pipeline needs no closure per call.
 */
export abstract class PolicyBase {
  protected _disposed = false;
  readonly #kind: string;

  constructor(kind: string) {
    this.#kind = kind;
  }

  abstract _invoke(ctx: CallContext, fn: AnyFn, chain: readonly PolicyBase[], i: number): Promise<unknown>;

  execute<T>(fn: (ctx: never) => T | PromiseLike<T>, options?: ExecuteOptions): Promise<T> {
    return executeChain(this._self, fn as AnyFn, options) as Promise<T>;
  }

  /** The chain of one (this policy alone). */
  readonly _self: readonly PolicyBase[] = [this];

  dispose(): void {
    this._disposed = true;
  }

  protected _disposedError(): PolicyDisposedError {
    return new PolicyDisposedError(`the ${this.#kind} policy was used after dispose()`);
  }
}

/** Runs `fn(ctx)` as a promise (a synchronous throw becomes a rejection). */
export function callFn(fn: AnyFn, ctx: CallContext): Promise<unknown> {
  try {
    return Promise.resolve(fn(ctx));
  } catch (e) {
    return Promise.reject(e);
  }
}

/** Calls the policy after position `i`, or `fn` itself at the end of the chain. */
export function invokeNext(ctx: CallContext, fn: AnyFn, chain: readonly PolicyBase[], i: number): Promise<unknown> {
  const j = i + 1;
  return j < chain.length ? (chain[j] as PolicyBase)._invoke(ctx, fn, chain, j) : callFn(fn, ctx);
}

/** The root of a call: a fresh context, the caller's signal wired once, the chain from position 0. */
export function executeChain(chain: readonly PolicyBase[], fn: AnyFn, options: ExecuteOptions | undefined): Promise<unknown> {
  if (typeof fn !== 'function') {
    return Promise.reject(new TypeError(`Expected \`fn\` to be a function, got ${typeof fn}`));
  }
  const ctx = new CallContext(undefined);
  if (options === undefined) return (chain[0] as PolicyBase)._invoke(ctx, fn, chain, 0);
  const signal = options.signal;
  if (signal === undefined) return (chain[0] as PolicyBase)._invoke(ctx, fn, chain, 0);
  if (typeof signal !== 'object' || signal === null || typeof signal.addEventListener !== 'function') {
    return Promise.reject(new TypeError('Expected `options.signal` to be an AbortSignal'));
  }
  if (signal.aborted) return Promise.reject(signal.reason);
  ctx.external = signal;
  return new Promise((resolve, reject) => {
    const watcher = new ExternalWatcher(ctx, signal, reject);
    signal.addEventListener('abort', watcher);
    (chain[0] as PolicyBase)._invoke(ctx, fn, chain, 0).then(
      (v) => {
        signal.removeEventListener('abort', watcher);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', watcher);
        reject(e);
      },
    );
  });
}

/** The one listener an `execute` puts on the caller's signal. */
class ExternalWatcher {
  readonly #ctx: CallContext;
  readonly #signal: AbortSignal;
  readonly #reject: (e: unknown) => void;
  constructor(ctx: CallContext, signal: AbortSignal, reject: (e: unknown) => void) {
    this.#ctx = ctx;
    this.#signal = signal;
    this.#reject = reject;
  }
  handleEvent(): void {
    this.#signal.removeEventListener('abort', this);
    this.#ctx.handleEvent();
    this.#reject(this.#signal.reason);
  }
}

/** Throws a `TypeError` unless `p` is one of this package's policies. */
export function asBase(name: string, p: unknown): PolicyBase {
  if (!(p instanceof PolicyBase)) {
    throw new TypeError(`Expected \`${name}\` to be a policy from @scaling/resilience, got ${p === null ? 'null' : typeof p}`);
  }
  return p;
}
