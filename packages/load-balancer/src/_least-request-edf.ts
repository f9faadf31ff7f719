import { EdfSchedule } from './_edf.js';
import type { EndpointTable } from './_endpoint-table.js';
import type { Endpoint } from './types.js';

/**
 * Envoy's least-request with unequal weights: an EDF schedule where an endpoint's next turn comes
 * `(active + 1)^bias / effectiveWeight` after its last one, the load read when it takes its turn. Idle
 * endpoints (active 0) get exactly their weights' shares; busy ones are pushed back in proportion to their
 * load; no endpoint with a non-zero weight is ever starved (every deadline is finite).
 */
export class LeastRequestEdf<E extends Endpoint> {
  readonly #t: EndpointTable<E>;
  readonly #edf: EdfSchedule<E>;
  readonly #bias: number;
  readonly #stepOf = (p: number): number => this.step(p);

  constructor(table: EndpointTable<E>, bias: number) {
    this.#t = table;
    this.#bias = bias;
    this.#edf = new EdfSchedule(table);
  }

  /** The step of position `p` now. */
  step(p: number): number {
    const t = this.#t;
    const a = (t.active[p] as number) + 1;
    const bias = this.#bias;
    return (bias === 1 ? a : bias === 0 ? 1 : a ** bias) / (t.eff[p] as number);
  }

  /** Takes the next turn (not in `exclude`): returns its position, or −1. */
  next(exclude: ReadonlySet<string> | undefined): number {
    const edf = this.#edf;
    if (edf.stale()) edf.rebuild(this.#stepOf);
    const p = edf.peek(exclude);
    if (p >= 0) edf.advance(p, this.step(p));
    return p;
  }

  /** Takes the next turn with a caller-computed step function (peak EWMA's latency × load). */
  nextWith(exclude: ReadonlySet<string> | undefined, stepOf: (p: number) => number): number {
    const edf = this.#edf;
    if (edf.stale()) edf.rebuild(stepOf);
    const p = edf.peek(exclude);
    if (p >= 0) edf.advance(p, stepOf(p));
    return p;
  }
}
