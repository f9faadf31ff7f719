import { assertNoNearMiss, assertPositiveFinite, describeValue } from '@scaling/core/internal';
import { type Columns, grown } from './_columns.js';
import { isPanicking } from './_panic.js';
import { DuplicateEndpointError } from './errors.js';
import type { Endpoint } from './types.js';

const ENDPOINT_WEIGHT = ['weight'];

let uidCounter = 0;

/**
 * The dense endpoint table every strategy shares: one position 0…n−1 per endpoint (a removal moves the last
 * endpoint into the hole), with only what every strategy uses — identity, instance number, active requests,
 * configured and effective weight, health — plus the rotation flags derived from health and the panic
 * threshold. Strategy and slow-start state live in their own {@link Columns}, kept in step by the table.
 */
export class EndpointTable<E extends Endpoint> {
  n = 0;
  cap = 0;
  eps: E[] = [];
  ids: string[] = [];
  readonly index = new Map<string, number>();
  /** Instance number of each endpoint (a new one per add), so leases never touch a re-added namesake. */
  uid = new Int32Array(0);
  active = new Int32Array(0);
  weight = new Float64Array(0);
  /** Effective weight: `weight` scaled by slow start. */
  eff = new Float64Array(0);
  healthy = new Uint8Array(0);
  healthyCount = 0;
  /** Bumped whenever membership, health, panic or effective weights change. */
  version = 0;
  /** True when every endpoint is in rotation (all healthy, or panicking). */
  allIn = true;
  panicking = false;
  /** False when no endpoint can be routed to (panic disabled and none healthy). */
  routable = true;
  /** True while every endpoint has the same effective weight (unweighted fast paths). */
  equalWeights = true;
  /** Endpoints in slow start (kept by the slow start). */
  ramping = 0;
  /**
   * True while every endpoint is in rotation and none is ramping: the strategies' fast paths (a pick
   * without `exclude` then needs no eligibility check and no slow-start refresh). Decided on change, not per pick.
   */
  steady = true;
  /** {@link EndpointTable.steady} and equal effective weights (the two-choices fast paths). */
  steadyEqual = true;

  readonly panicThreshold: number;
  readonly #columns: Columns[] = [];
  #snapshot: readonly E[] | undefined;

  constructor(panicThreshold: number) {
    this.panicThreshold = panicThreshold;
    this.#grow(8);
  }

  /** Registers state kept per position elsewhere (slow start, a strategy). */
  attach(columns: Columns): void {
    columns.grow(this.cap);
    for (let p = 0; p < this.n; p++) columns.reset(p);
    this.#columns.push(columns);
  }

  #grow(min: number): void {
    let cap = Math.max(8, this.cap);
    while (cap < min) cap *= 2;
    if (cap === this.cap) return;
    this.uid = grown(this.uid, cap);
    this.active = grown(this.active, cap);
    this.weight = grown(this.weight, cap);
    this.eff = grown(this.eff, cap);
    this.healthy = grown(this.healthy, cap);
    this.cap = cap;
    for (const c of this.#columns) c.grow(cap);
  }

  /**
   * Appends `endpoint`; returns its position. Call {@link EndpointTable.changed} afterwards.
   * @throws {TypeError}/{@link RangeError} on a malformed endpoint; `ERR_DUPLICATE_ENDPOINT`.
   */
  add(endpoint: E): number {
    if (typeof endpoint !== 'object' || endpoint === null)
      throw new TypeError(`Expected \`endpoint\` to be an object, got ${describeValue(endpoint)}`);
    const id = endpoint.id;
    if (typeof id !== 'string') throw new TypeError(`Expected \`endpoint.id\` to be a string, got ${describeValue(id)}`);
    // Endpoints may carry keys of their own, but a misspelt `weight` must not silently mean weight 1.
    if (endpoint.weight === undefined) assertNoNearMiss('endpoint', endpoint, ENDPOINT_WEIGHT);
    const w = endpoint.weight ?? 1;
    assertPositiveFinite('endpoint.weight', w);
    if (this.index.has(id)) throw new DuplicateEndpointError(id);
    const pos = this.n;
    if (pos === this.cap) this.#grow(pos + 1);
    this.n = pos + 1;
    this.eps[pos] = endpoint;
    this.ids[pos] = id;
    this.index.set(id, pos);
    // Smi-range instance numbers, never 0 (the mark of a free position); wrapping after 2^30 adds is
    // harmless (only live leases compare them).
    uidCounter = (uidCounter % 0x3fffffff) + 1;
    this.uid[pos] = uidCounter;
    this.active[pos] = 0;
    this.weight[pos] = w;
    this.eff[pos] = w;
    this.healthy[pos] = 1;
    this.healthyCount++;
    for (const c of this.#columns) c.reset(pos);
    this.#snapshot = undefined;
    return pos;
  }

  /** Removes the endpoint at `pos` (moving the last one into its place). Call {@link EndpointTable.changed} afterwards. */
  removeAt(pos: number): void {
    if (this.healthy[pos] === 1) this.healthyCount--;
    this.index.delete(this.ids[pos] as string);
    const last = this.n - 1;
    if (pos !== last) {
      const id = this.ids[last] as string;
      this.eps[pos] = this.eps[last] as E;
      this.ids[pos] = id;
      this.index.set(id, pos);
      this.uid[pos] = this.uid[last] as number;
      this.active[pos] = this.active[last] as number;
      this.weight[pos] = this.weight[last] as number;
      this.eff[pos] = this.eff[last] as number;
      this.healthy[pos] = this.healthy[last] as number;
      for (const c of this.#columns) c.move(last, pos);
    }
    this.uid[last] = 0;
    this.eps.length = last;
    this.ids.length = last;
    this.n = last;
    this.#snapshot = undefined;
  }

  /** Sets the health flag at `pos`; returns whether it changed. Call {@link EndpointTable.changed} afterwards. */
  setHealthy(pos: number, healthy: boolean): boolean {
    if ((this.healthy[pos] === 1) === healthy) return false;
    this.healthy[pos] = healthy ? 1 : 0;
    this.healthyCount += healthy ? 1 : -1;
    return true;
  }

  /** The endpoints as a frozen array, rebuilt only after a membership change. */
  snapshot(): readonly E[] {
    if (this.#snapshot === undefined) this.#snapshot = Object.freeze(this.eps.slice(0, this.n));
    return this.#snapshot;
  }

  /** Recomputes the rotation flags after a membership, health or weight change; returns whether panic toggled. */
  changed(): boolean {
    this.version++;
    this.checkWeights();
    const n = this.n;
    const was = this.panicking;
    this.panicking = isPanicking(this.panicThreshold, this.healthyCount, n);
    this.allIn = this.panicking || this.healthyCount === n;
    this.routable = this.panicking || this.healthyCount > 0;
    this.#steadiness();
    return this.panicking !== was;
  }

  /** Recomputes {@link EndpointTable.equalWeights} (and the steady flags). */
  checkWeights(): void {
    let equal = true;
    const w0 = this.eff[0];
    for (let p = 1; p < this.n; p++) if (this.eff[p] !== w0) equal = false;
    this.equalWeights = equal;
    this.#steadiness();
  }

  #steadiness(): void {
    this.steady = this.allIn && this.ramping === 0;
    this.steadyEqual = this.steady && this.equalWeights;
  }

  /** Whether `pos` may be picked now. */
  eligible(pos: number, exclude: ReadonlySet<string> | undefined): boolean {
    return (this.allIn || this.healthy[pos] === 1) && (exclude === undefined || !exclude.has(this.ids[pos] as string));
  }

  /** Sum of active requests (O(n); for bounded-load hashing). */
  totalActive(): number {
    let sum = 0;
    for (let p = 0; p < this.n; p++) sum += this.active[p] as number;
    return sum;
  }
}
