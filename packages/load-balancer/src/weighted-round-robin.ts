import { describeValue } from '@scaling/core/internal';
import { type BalancerOptions, excludeOf } from './_pool.js';
import { BalancerBase } from './balancer-base.js';
import type { Endpoint, Lease, PickOptions } from './types.js';

/** Options of {@link WeightedRoundRobin}. */
export interface WeightedRoundRobinOptions<E extends Endpoint = Endpoint> extends BalancerOptions<E> {
  /**
   * `'smooth'`: nginx's smooth weighted round-robin, O(n) per pick. `'edf'`: earliest-deadline-first over
   * a binary heap, O(log n) per pick. `'auto'` (default): smooth up to `edfThreshold` endpoints, EDF above.
   */
  scheduler?: 'smooth' | 'edf' | 'auto';
  /** Pool size above which `'auto'` uses EDF. Default 32. */
  edfThreshold?: number;
}

/**
 * Weighted round-robin with smooth interleaving. Both schedulers give each endpoint exactly its (integer)
 * weight's share of every cycle of Σweights picks and spread the picks evenly inside the cycle (weights 5,
 * 1, 1 → `a a b a c a a` with the smooth scheduler; a light endpoint never waits more than its share).
 *
 * - smooth (nginx `ngx_http_upstream_get_peer`, 2012): every pick adds each endpoint's weight to its
 *   `current`, picks the largest `current` (first on ties) and subtracts the total from it.
 * - EDF (as Envoy's `EdfScheduler`): endpoint i's k-th turn has the virtual deadline (k − ½) / wᵢ; the
 *   earliest deadline (lowest position on ties) is picked. The half-step offset is what keeps the light
 *   endpoints from all landing at the end of a cycle.
 *
 * Weights are effective weights (slow start applied); unhealthy endpoints leave the rotation outside panic.
 *
 * @example
 * ```ts
 * import { WeightedRoundRobin } from '@scaling/load-balancer';
 * const lb = new WeightedRoundRobin({ endpoints: [{ id: 'a', weight: 5 }, { id: 'b' }, { id: 'c' }] });
 * const seq = Array.from({ length: 7 }, () => { const l = lb.pick(); l.release(); return l.endpoint.id; });
 * console.log(seq.join(' ')); // a a b a c a a
 * ```
 */
export class WeightedRoundRobin<E extends Endpoint = Endpoint> extends BalancerBase<E> {
  readonly #scheduler: 'smooth' | 'edf' | 'auto';
  readonly #edfThreshold: number;
  // EDF state: a binary min-heap of positions ordered by (deadline in pool.cur, position).
  #heap = new Int32Array(8);
  #heapSize = 0;
  #heapVersion = -1;
  #vt = 0;
  #stash = new Int32Array(8);

  /** @throws {TypeError}/{@link RangeError} on a bad option. */
  constructor(options: WeightedRoundRobinOptions<E> = {}) {
    super(options);
    const { scheduler = 'auto', edfThreshold = 32 } = options;
    if (scheduler !== 'smooth' && scheduler !== 'edf' && scheduler !== 'auto')
      throw new TypeError(`Expected \`scheduler\` to be "smooth", "edf" or "auto", got ${describeValue(scheduler)}`);
    if (typeof edfThreshold !== 'number' || !Number.isInteger(edfThreshold) || edfThreshold < 0)
      throw new RangeError(`Expected \`edfThreshold\` to be a non-negative integer, got ${describeValue(edfThreshold)}`);
    this.#scheduler = scheduler;
    this.#edfThreshold = edfThreshold;
  }

  /** Which scheduler the next pick uses (`'auto'` resolved by pool size). */
  get activeScheduler(): 'smooth' | 'edf' {
    if (this.#scheduler !== 'auto') return this.#scheduler;
    return this.pool.n > this.#edfThreshold ? 'edf' : 'smooth';
  }

  /** Picks the next endpoint of the weighted schedule; see `LoadBalancer.pick`. */
  pick(options?: PickOptions): Lease<E> {
    const pool = this.pool;
    if (pool.slowStarting > 0) pool.refreshSlowStart();
    const exclude = excludeOf(options);
    const p = this.activeScheduler === 'edf' ? this.#edf(exclude, true) : this.#smooth(exclude, true);
    if (p < 0) return pool.fail();
    return pool.lease(p);
  }

  /** The endpoint the next `pick()` without options would return, without advancing the schedule. */
  peek(): E | undefined {
    if (this.pool.slowStarting > 0) this.pool.refreshSlowStart();
    const p = this.activeScheduler === 'edf' ? this.#edf(undefined, false) : this.#smooth(undefined, false);
    return p < 0 ? undefined : this.pool.eps[p];
  }

  #smooth(exclude: ReadonlySet<string> | undefined, advance: boolean): number {
    const pool = this.pool;
    const n = pool.n;
    const cur = pool.cur;
    const eff = pool.eff;
    let best = -1;
    let bestCur = Number.NEGATIVE_INFINITY;
    let total = 0;
    const all = pool.allIn && exclude === undefined;
    for (let p = 0; p < n; p++) {
      if (!all && !pool.eligible(p, exclude)) continue;
      const w = eff[p] as number;
      const c = (cur[p] as number) + w;
      if (advance) cur[p] = c;
      total += w;
      if (c > bestCur) {
        bestCur = c;
        best = p;
      }
    }
    if (best >= 0 && advance) cur[best] = (cur[best] as number) - total;
    return best;
  }

  #edf(exclude: ReadonlySet<string> | undefined, advance: boolean): number {
    const pool = this.pool;
    if (this.#heapVersion !== pool.version) this.#rebuild();
    if (this.#heapSize === 0) return -1;
    const cur = pool.cur;
    if (exclude === undefined) {
      const p = this.#heap[0] as number;
      if (advance) {
        this.#vt = cur[p] as number;
        cur[p] = (cur[p] as number) + 1 / (pool.eff[p] as number);
        this.#siftDown(0);
      }
      return p;
    }
    // Pop excluded endpoints aside (their deadlines unchanged), take the first eligible, push the rest back.
    let stashed = 0;
    let found = -1;
    while (this.#heapSize > 0) {
      const p = this.#heap[0] as number;
      if (pool.eligible(p, exclude)) {
        found = p;
        break;
      }
      if (stashed === this.#stash.length) {
        const s = new Int32Array(stashed * 2);
        s.set(this.#stash);
        this.#stash = s;
      }
      this.#stash[stashed++] = p;
      this.#popTop();
    }
    if (found >= 0 && advance) {
      this.#vt = cur[found] as number;
      cur[found] = (cur[found] as number) + 1 / (pool.eff[found] as number);
      this.#siftDown(0);
    }
    for (let i = 0; i < stashed; i++) this.#push(this.#stash[i] as number);
    return found;
  }

  /** Rebuilds the heap over the rotation; endpoints without a current deadline start half a turn ahead. */
  #rebuild(): void {
    const pool = this.pool;
    this.#heapVersion = pool.version;
    if (this.#heap.length < pool.n) this.#heap = new Int32Array(Math.max(pool.n, this.#heap.length * 2));
    this.#heapSize = 0;
    const vt = this.#vt;
    const cur = pool.cur;
    for (let p = 0; p < pool.n; p++) {
      if (!pool.eligible(p, undefined)) continue;
      const step = 1 / (pool.eff[p] as number);
      const d = cur[p] as number;
      // New or returning endpoints (deadline behind virtual time, or too far ahead after a weight change).
      if (!(d > vt) || d > vt + step) cur[p] = vt + step / 2;
      this.#push(p);
    }
  }

  #less(a: number, b: number): boolean {
    const cur = this.pool.cur;
    const da = cur[a] as number;
    const db = cur[b] as number;
    return da < db || (da === db && a < b);
  }

  #push(p: number): void {
    const h = this.#heap;
    let i = this.#heapSize++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const q = h[parent] as number;
      if (!this.#less(p, q)) break;
      h[i] = q;
      i = parent;
    }
    h[i] = p;
  }

  #popTop(): void {
    const last = this.#heap[--this.#heapSize] as number;
    if (this.#heapSize > 0) {
      this.#heap[0] = last;
      this.#siftDown(0);
    }
  }

  #siftDown(i: number): void {
    const h = this.#heap;
    const n = this.#heapSize;
    const p = h[i] as number;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && this.#less(h[r] as number, h[l] as number)) c = r;
      const q = h[c] as number;
      if (!this.#less(q, p)) break;
      h[i] = q;
      i = c;
    }
    h[i] = p;
  }
}
