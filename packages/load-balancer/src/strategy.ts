import type { Endpoint, OutcomeEvent, PickOptions } from './types.js';

/**
 * What a {@link Strategy} sees of the balancer: its endpoints by dense position `0 … size − 1`, their load,
 * weight and eligibility, and the balancer's random source and clock. Positions are stable until a
 * removal, which moves the last endpoint into the removed one's place (see {@link Strategy.removed}).
 */
export interface StrategyContext<E extends Endpoint = Endpoint> {
  /** Number of endpoints. */
  readonly size: number;
  /** The endpoint object at `position`. */
  endpoint(position: number): E;
  /** The id of the endpoint at `position`. */
  id(position: number): string;
  /** Effective weight at `position`: the configured weight scaled by slow start. */
  weight(position: number): number;
  /** Outstanding leases on the endpoint at `position`. */
  active(position: number): number;
  /** Whether `position` may be picked: in rotation (healthy, or panic routing) and not in `exclude`. */
  eligible(position: number, exclude?: ReadonlySet<string>): boolean;
  /** A uniform random number in [0, 1) from the balancer's `random` option. */
  random(): number;
  /** The balancer's clock, in milliseconds. */
  now(): number;
}

/**
 * A balancing strategy as a small object (cockatiel's policy objects are the model): the balancer owns the
 * endpoints, leases, health, panic routing and slow start; the strategy only chooses, and keeps whatever
 * state it needs per endpoint, kept in step through the optional hooks. Plug one in with {@link Balancer}.
 *
 * Hooks run synchronously inside the balancer's calls. They may read the context and the balancer; a hook
 * that adds or removes endpoints gets a `ReentrantCallError`. A hook that throws leaves the balancer
 * consistent (an `added` hook that throws undoes the add) and the error reaches the caller.
 *
 * @example
 * ```ts
 * import { Balancer, type Strategy } from '@scaling/load-balancer';
 * // First eligible endpoint in insertion order (primary, then fallbacks).
 * const firstAvailable: Strategy = {
 *   pick(ctx, options) {
 *     for (let p = 0; p < ctx.size; p++) if (ctx.eligible(p, options?.exclude)) return p;
 *     return -1;
 *   },
 * };
 * const lb = new Balancer({ strategy: firstAvailable, endpoints: [{ id: 'primary' }, { id: 'backup' }] });
 * lb.pick().release({ ok: true });
 * ```
 */
export interface Strategy<E extends Endpoint = Endpoint> {
  /**
   * Chooses an endpoint for one pick: returns its position, or −1 when none is eligible (the balancer then
   * throws the right `NoEndpointError`). Returning a position that is not eligible is a `StrategyError`.
   */
  pick(context: StrategyContext<E>, options: PickOptions | undefined): number;
  /** An endpoint was added at `position` (the last one). */
  added?(position: number, context: StrategyContext<E>): void;
  /**
   * The endpoint at `position` was removed; when `movedFrom !== position`, the endpoint that was at
   * `movedFrom` (the last) now sits at `position`.
   */
  removed?(position: number, movedFrom: number, context: StrategyContext<E>): void;
  /** A lease on `position` ended; `outcome.ok` is absent when the caller reported no outcome. */
  released?(position: number, outcome: OutcomeEvent, context: StrategyContext<E>): void;
}
