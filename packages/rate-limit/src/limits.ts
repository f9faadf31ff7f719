/**
 * What a rate limit is: a quota of `limit` cost units per `periodMs`, enforced by one of four algorithms.
 */

/**
 * The rate-limit algorithms:
 * - `'gcra'` (default): the Generic Cell Rate Algorithm (ITU-T I.371, ATM Forum TM 4.0; Brandur Leach's
 *   "Rate limiting, cells and GCRA"): one timestamp per key (the theoretical arrival time), exact, smooth;
 *   at most `burst + limit × span / periodMs` cost units in any span.
 * - `'token-bucket'`: a bucket of `burst` tokens refilled at `limit / periodMs` per ms; the same guarantee as
 *   GCRA with two numbers per key (tokens, last refill).
 * - `'sliding-window-log'`: one timestamp per cost unit of the last `periodMs`; exact — never more than
 *   `limit` in any window `(t − periodMs, t]` — at 8 bytes × `limit` per key: for small limits.
 * - `'sliding-window-counter'`: Cloudflare's approximation: the current and previous fixed windows' counts,
 *   the previous one weighted by its overlap with the sliding window; three numbers per key; never more than
 *   `limit` in one fixed window and no window-edge burst of 2× (it assumes the previous window was uniform).
 */
export type RateLimitAlgorithm = 'gcra' | 'token-bucket' | 'sliding-window-log' | 'sliding-window-counter';

/** One limit: `limit` cost units per `periodMs`. */
export interface RateLimitRule {
  /** Cost units allowed per period (a positive integer). */
  limit: number;
  /** The period in milliseconds (a positive finite number). */
  periodMs: number;
  /**
   * GCRA and token bucket only: how many cost units may pass at once after a quiet period (a positive integer,
   * default `limit`). `burst: 1` spaces requests evenly (`periodMs / limit` apart).
   */
  burst?: number;
  /** The policy's name in the `RateLimit`/`RateLimit-Policy` headers and in decisions (default `"<limit>-per-<periodMs>ms"`). */
  name?: string;
}

/** The result of one rate-limit decision. Times in milliseconds from the decision. */
export interface RateLimitDecision {
  /** Whether the request may proceed (its cost was consumed from every limit), or must be refused (nothing was consumed). */
  allowed: boolean;
  /** Cost units still available now, after this request, under the most restrictive limit (an integer ≥ 0). */
  remaining: number;
  /** Time until the most restrictive limit is fully available again (its whole quota; 0 when it already is). */
  resetMs: number;
  /** When refused: time until the same request would be allowed (if nothing else consumes); 0 when allowed. */
  retryAfterMs: number;
  /** The limit that decided: the one with the fewest remaining units, or, when refused, the one refusing longest. */
  rule: Readonly<Required<RateLimitRule>>;
  /**
   * `true` when the shared store was unreachable and the decision came from the `whenDown` policy (fail-open,
   * fail-closed or the in-process fallback) instead of the shared state.
   */
  degraded: boolean;
}
