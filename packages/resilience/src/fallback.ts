/**
 * Fallback: when the call fails, answer with a substitute (a cached value, a default, a degraded response)
 * instead of the error. Errors caused by the caller itself (its signal aborted) are never replaced.
 */
import { assertFunction, assertOptions, Emitter } from '@scaling/core/internal';
import type { CallContext } from './_context.js';
import { type AnyFn, invokeNext, type ObservablePolicy, PolicyBase, type PolicyContext } from './policy.js';

/** Options of {@link fallback}. */
export interface FallbackOptions {
  /** Which errors get the substitute. Default: every error. */
  handles?: (error: unknown) => boolean;
}

/** Events of a {@link Fallback} policy (channel `scaling:resilience:fallback`). */
export interface FallbackEvents {
  [event: string]: object;
  /** A handled failure was answered by the substitute. */
  fallback: {
    /** The error the call failed with. */
    error: unknown;
  };
}

/** Counters of a {@link Fallback} policy. */
export interface FallbackStats {
  /** Calls run through the policy, since creation. */
  calls: number;
  /** Calls answered by the substitute, since creation. */
  fallbacks: number;
}

/** A fallback policy. */
export interface Fallback extends ObservablePolicy<PolicyContext, FallbackEvents> {
  /** A snapshot of the policy's counters. */
  stats(): FallbackStats;
}

class FallbackPolicy extends PolicyBase implements Fallback {
  readonly #substitute: (error: unknown) => unknown;
  readonly #handles: (error: unknown) => boolean;
  readonly #emitter: Emitter<FallbackEvents>;
  #calls = 0;
  #fallbacks = 0;

  constructor(substitute: (error: unknown) => unknown, options: FallbackOptions) {
    super('fallback');
    assertFunction('substitute', substitute);
    assertOptions('fallback', options, ['handles'], undefined, true);
    const { handles = () => true } = options;
    assertFunction('handles', handles);
    this.#substitute = substitute;
    this.#handles = handles;
    this.#emitter = new Emitter<FallbackEvents>('resilience', ['fallback'], this);
  }

  on<K extends keyof FallbackEvents & string>(event: K, listener: (payload: FallbackEvents[K]) => void): () => void {
    return this.#emitter.on(event, listener);
  }

  off<K extends keyof FallbackEvents & string>(event: K, listener: (payload: FallbackEvents[K]) => void): void {
    this.#emitter.off(event, listener);
  }

  stats(): FallbackStats {
    return { calls: this.#calls, fallbacks: this.#fallbacks };
  }

  async _invoke(ctx: CallContext, fn: AnyFn, chain: readonly PolicyBase[], i: number): Promise<unknown> {
    if (this._disposed) throw this._disposedError();
    this.#calls++;
    try {
      return await invokeNext(ctx, fn, chain, i);
    } catch (error) {
      if (ctx.external?.aborted === true || !this.#handles(error)) throw error;
      this.#fallbacks++;
      if (this.#emitter.wants('fallback')) this.#emitter.emit('fallback', { error });
      return await this.#substitute(error);
    }
  }
}

/**
 * Creates a fallback policy: `substitute(error)` (sync or async) answers instead of a failed call.
 *
 * @throws {TypeError} when `substitute` is not a function, or on a bad/unknown option.
 * @example
 * ```ts
 * import { fallback } from '@scaling/resilience';
 * const policy = fallback(() => ({ recommendations: [] }));
 * const recs = await policy.execute(() => fetch('http://recs.internal/u/1').then((r) => r.json()));
 * ```
 */
export function fallback<R>(substitute: (error: unknown) => R | PromiseLike<R>, options: FallbackOptions = {}): Fallback {
  return new FallbackPolicy(substitute, options);
}
