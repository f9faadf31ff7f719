/**
 * Composition. {@link wrap} nests policies in the order given (the first is the outermost); {@link pipeline}
 * takes named policies and nests them in the one documented default order, after Envoy's router:
 *
 *   fallback → total timeout → retry (with its budget) → hedge → circuit breaker → bulkhead → attempt timeout → call
 *
 * Why this order: the fallback sees the final outcome; the total deadline bounds everything, backoff sleeps
 * included; each retry and each hedged attempt passes the breaker (so an open breaker stops them) and the
 * bulkhead (so they cannot exceed the concurrency); the attempt timeout bounds one call to the dependency and
 * its failure is what the breaker counts.
 *
 * The context the function receives is the intersection of every member's context, inferred.
 */
import { assertOptions } from '@scaling/core/internal';
import type { CallContext } from './_context.js';
import type { Bulkhead } from './bulkhead.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { Fallback } from './fallback.js';
import type { Hedge } from './hedge.js';
import { type AnyFn, asBase, type ExecuteOptions, executeChain, type Policy, PolicyBase, type PolicyContext } from './policy.js';
import type { Retry } from './retry.js';
import type { Timeout } from './timeout.js';

/** The context type of a policy. */
export type ContextOf<P> = P extends Policy<infer C> ? C : never;
/** `A | B` → `A & B` (how the contexts of composed policies combine). */
export type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
/** The context of policies composed together: the intersection of theirs. */
export type CombinedContext<P extends readonly Policy<PolicyContext>[]> = PolicyContext & UnionToIntersection<ContextOf<P[number]>>;

/** Policies composed into one. `dispose()` disposes every member. */
export interface ComposedPolicy<C extends PolicyContext> extends Policy<C> {
  /** The members, outermost first. */
  readonly policies: readonly Policy<PolicyContext>[];
}

class Composed extends PolicyBase implements ComposedPolicy<PolicyContext> {
  readonly #chain: readonly PolicyBase[];
  readonly policies: readonly Policy<PolicyContext>[];

  constructor(members: readonly PolicyBase[]) {
    super('composed');
    this.#chain = members;
    this.policies = members as unknown as readonly Policy<PolicyContext>[];
  }

  override execute<T>(fn: (ctx: never) => T | PromiseLike<T>, options?: ExecuteOptions): Promise<T> {
    if (this._disposed) return Promise.reject(this._disposedError());
    return executeChain(this.#chain, fn as AnyFn, options) as Promise<T>;
  }

  _invoke(ctx: CallContext, fn: AnyFn, chain: readonly PolicyBase[], i: number): Promise<unknown> {
    if (this._disposed) return Promise.reject(this._disposedError());
    // nested inside another composition: run the members, then continue the outer chain after position i
    return this.#chain[0]?._invoke(ctx, (c) => continueOuter(c, fn, chain, i), this.#chain, 0) as Promise<unknown>;
  }

  override dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    for (const p of this.#chain) p.dispose();
  }
}

function continueOuter(ctx: CallContext, fn: AnyFn, chain: readonly PolicyBase[], i: number): unknown {
  const j = i + 1;
  return j < chain.length ? (chain[j] as PolicyBase)._invoke(ctx, fn, chain, j) : fn(ctx);
}

/**
 * Composes policies in the order given: `wrap(a, b, c).execute(fn)` runs `a(b(c(fn)))`. Use it for any order
 * other than {@link pipeline}'s.
 *
 * @throws {TypeError} when no policy is given or a member is not a policy of this package.
 * @example
 * ```ts
 * import { bulkhead, retry, timeout, wrap } from '@scaling/resilience';
 * // retries inside the bulkhead (a retry keeps its slot), each attempt bounded to 500 ms
 * const policy = wrap(bulkhead({ maxConcurrent: 8 }), retry({ maxAttempts: 2 }), timeout(500));
 * await policy.execute(({ attempt, remainingMs, signal }) => fetch('http://x.internal/', { signal }));
 * ```
 */
export function wrap<const P extends readonly Policy<PolicyContext>[]>(...policies: P): ComposedPolicy<CombinedContext<P>> {
  if (policies.length === 0) throw new TypeError('Expected `policies` to hold at least one policy, got none');
  const members = policies.map((p, k) => asBase(`policies[${k}]`, p));
  if (new Set(members).size !== members.length) throw new TypeError('Expected `policies` to hold each policy once, got a duplicate');
  return new Composed(members) as unknown as ComposedPolicy<CombinedContext<P>>;
}

/** The named members of {@link pipeline}; every one is optional. */
export interface PipelineOptions {
  /** Outermost: answers when everything else failed. */
  fallback?: Fallback;
  /** The total deadline: attempts and backoff sleeps together. */
  timeout?: Timeout;
  /** Retries, with their budget. */
  retry?: Retry;
  /** Hedged attempts. */
  hedge?: Hedge;
  /** Judges each attempt. */
  breaker?: CircuitBreaker;
  /** Bounds the attempts in flight. */
  bulkhead?: Bulkhead;
  /** Innermost: bounds one attempt. */
  attemptTimeout?: Timeout;
}

const ORDER = ['fallback', 'timeout', 'retry', 'hedge', 'breaker', 'bulkhead', 'attemptTimeout'] as const;

/** The context of a {@link pipeline} built from `O`. */
export type PipelineContext<O extends PipelineOptions> = PolicyContext & UnionToIntersection<ContextOf<NonNullable<O[keyof O]>>>;

/**
 * Composes named policies in the default order: fallback → total timeout → retry → hedge → breaker →
 * bulkhead → attempt timeout → call (see the module comment for why).
 *
 * @throws {TypeError} on an unknown key, a member that is not a policy, or an empty pipeline.
 * @example
 * ```ts
 * import { circuitBreaker, pipeline, retry, timeout } from '@scaling/resilience';
 * const policy = pipeline({
 *   timeout: timeout(2_000),
 *   retry: retry({ maxAttempts: 3 }),
 *   breaker: circuitBreaker({ failureRatio: 0.5 }),
 *   attemptTimeout: timeout(500),
 * });
 * const res = await policy.execute(({ signal, attempt, remainingMs }) => fetch('http://api.internal/x', { signal }));
 * ```
 */
export function pipeline<const O extends PipelineOptions>(options: O): ComposedPolicy<PipelineContext<O>> {
  assertOptions('pipeline', options, ORDER, { totalTimeout: 'use `timeout`', circuitBreaker: 'use `breaker`' });
  const members: Policy<PolicyContext>[] = [];
  for (const key of ORDER) {
    const p = options[key];
    if (p !== undefined) members.push(p as Policy<PolicyContext>);
  }
  return wrap(...members) as unknown as ComposedPolicy<PipelineContext<O>>;
}
