import type { Decider } from './_decide.js';
import type { RateLimitDecision } from './limits.js';

/**
 * The one interface every store implements (and the conformance suite runs against): apply a key's rules to
 * `cost` atomically, or forget a key. `now` is for tests only (the in-process store's clock reading; the Redis
 * store's script time argument): in production each store reads its own clock (Redis: the server's `TIME`).
 */
export interface Store {
  readonly kind: 'memory' | 'redis';
  readonly decider: Decider;
  consume(key: string, cost: number, now?: number): RateLimitDecision | Promise<RateLimitDecision>;
  reset(key: string): void | Promise<void>;
}
