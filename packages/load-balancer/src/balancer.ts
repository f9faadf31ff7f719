import { assertFunction, assertNoNearMiss } from '@scaling/core/internal';
import { BalancerCore } from './_core.js';
import type { EndpointTable } from './_endpoint-table.js';
import { NO_OUTCOME, OK } from './_leases.js';
import type { BalancerOptions } from './_options.js';
import { BalancerBase } from './balancer-base.js';
import { StrategyError } from './errors.js';
import type { Strategy, StrategyContext } from './strategy.js';
import type { Endpoint, Lease, OutcomeEvent, PickOptions } from './types.js';

const STRATEGY_HOOKS = ['pick', 'added', 'removed', 'released'];

/** Options of {@link Balancer}: the common options plus the strategy. */
export interface BalancerWithStrategyOptions<E extends Endpoint = Endpoint> extends BalancerOptions<E> {
  /** The strategy that chooses (see {@link Strategy}). Required. */
  strategy: Strategy<E>;
}

/** The {@link StrategyContext} a balancer hands its strategy. */
class Context<E extends Endpoint> implements StrategyContext<E> {
  readonly #core: BalancerCore<E>;
  readonly #t: EndpointTable<E>;

  constructor(core: BalancerCore<E>) {
    this.#core = core;
    this.#t = core.table;
  }

  get size(): number {
    return this.#t.n;
  }

  endpoint(position: number): E {
    return this.#t.eps[position] as E;
  }

  id(position: number): string {
    return this.#t.ids[position] as string;
  }

  weight(position: number): number {
    return this.#t.eff[position] as number;
  }

  active(position: number): number {
    return this.#t.active[position] as number;
  }

  eligible(position: number, exclude?: ReadonlySet<string>): boolean {
    return position >= 0 && position < this.#t.n && this.#t.eligible(position, exclude);
  }

  random(): number {
    return this.#core.rng.unit();
  }

  now(): number {
    return this.#core.options.clock.now();
  }
}

/**
 * A balancer driven by a {@link Strategy} of your own: membership, leases, health and panic routing, slow
 * start, lease timeouts and events come from the balancer, as in the built-in strategies; the strategy only
 * chooses a position.
 *
 * @throws {TypeError} from the constructor when `strategy` has no `pick` function, or on a bad option.
 * @example
 * ```ts
 * import { Balancer, type Strategy } from '@scaling/load-balancer';
 * // Least active requests, ties to the lowest position.
 * const leastActive: Strategy = {
 *   pick(ctx, options) {
 *     let best = -1;
 *     for (let p = 0; p < ctx.size; p++) {
 *       if (ctx.eligible(p, options?.exclude) && (best < 0 || ctx.active(p) < ctx.active(best))) best = p;
 *     }
 *     return best;
 *   },
 * };
 * const lb = new Balancer({ strategy: leastActive, endpoints: [{ id: 'a' }, { id: 'b' }] });
 * const lease = lb.pick();
 * lease.release({ ok: true, latencyMs: 12 });
 * ```
 */
export class Balancer<E extends Endpoint = Endpoint> extends BalancerBase<E> {
  readonly #core: BalancerCore<E>;
  readonly #strategy: Strategy<E>;
  readonly #context: Context<E>;

  /** @throws {TypeError}/{@link RangeError} on a bad or unknown option. */
  constructor(options: BalancerWithStrategyOptions<E>) {
    const core = new BalancerCore<E>('Balancer options', options, ['strategy']);
    super(core);
    const strategy = options.strategy;
    if (typeof strategy !== 'object' || strategy === null)
      throw new TypeError('Expected `strategy` to be a Strategy object with a pick() method');
    assertFunction('strategy.pick', strategy.pick);
    for (const hook of ['added', 'removed', 'released'] as const)
      if (strategy[hook] !== undefined) assertFunction(`strategy.${hook}`, strategy[hook]);
    // A misspelt hook (`onAdded`, `release`) would never run: an error, not silence.
    assertNoNearMiss('strategy', strategy, STRATEGY_HOOKS);
    this.#core = core;
    this.#strategy = strategy;
    const context = new Context(core);
    this.#context = context;
    core.hooks = {
      added: (_endpoint, pos) => strategy.added?.(pos, context),
      removing: () => {},
      removed: (pos, movedFrom) => strategy.removed?.(pos, movedFrom, context),
    };
    if (strategy.released !== undefined) {
      const released = strategy.released.bind(strategy);
      const sample = core.book.sample;
      core.observer = {
        observe(pos, result) {
          const latencyMs = sample[0] as number;
          const id = core.table.ids[pos] as string;
          const outcome: OutcomeEvent = result === NO_OUTCOME ? { id, latencyMs } : { id, ok: result === OK, latencyMs };
          released(pos, outcome, context);
        },
      };
      core.needLatency();
    }
    this.ready();
  }

  /**
   * Asks the strategy for a position and leases it; see {@link LoadBalancer.pick}.
   * @throws {StrategyError} (`ERR_BAD_STRATEGY`) when the strategy returns a position that is not eligible.
   */
  pick(options?: PickOptions): Lease<E> {
    const core = this.#core;
    const exclude = core.begin(options);
    const p = this.#strategy.pick(this.#context, options);
    if (p === -1) return core.fail(exclude === undefined);
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p >= core.table.n || !core.table.eligible(p, exclude))
      throw new StrategyError(`Expected the strategy's pick() to return an eligible position or -1, got ${String(p)}`);
    return core.lease(p);
  }
}
