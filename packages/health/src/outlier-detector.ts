// One piece on purpose: `record()` (the hot path), `admit()` and the ejection state machine read and write the
// per-endpoint typed arrays as this class's private fields, so the slot storage (add, remove, grow) stays with them;
// moving it out would put an indirection on every `record()`.
import type { Clock, Outcome, TimerHandle } from '@scaling/core';
import { describeValue } from '@scaling/core/internal';
import { normaliseDetectorOptions } from './_detector-settings.js';
import { closeInterval, findOutliers } from './_outlier-analysis.js';
import { OutlierNotifier } from './_outlier-notify.js';
import { detectorStats, EJECTED, grown, HEALTHY, PROBE_IN_FLIGHT, PROBING } from './_outlier-slots.js';
import type { combineHealth } from './combine-health.js';
import type {
  EjectionEvent,
  EjectionReason,
  FailurePercentageOptions,
  OutlierDetectorEvents,
  OutlierDetectorOptions,
  OutlierDetectorStats,
  OutlierState,
  SuccessRateOptions,
} from './outlier-options.js';

/** Ejection reasons, as indices of the per-reason counters. */
const REASONS: readonly EjectionReason[] = ['consecutive-failures', 'failure-percentage', 'success-rate', 'probe-failed'];

/**
 * Passive health checking after Envoy's outlier detection: it watches the outcomes of real requests
 * and ejects endpoints from a load balancer (through `target.setHealthy(id, false)`) when they
 *
 * - fail `consecutiveFailures` times in a row (default 5), or — evaluated every `intervalMs` —
 * - reach `failurePercentage.threshold` % failures with at least `requestVolume` requests, or
 * - have a success rate below mean − k·stdev of their peers (`successRate`).
 *
 * An ejection lasts `baseEjectionTimeMs` × (number of times ejected), capped at `maxEjectionTimeMs`;
 * the multiplier decays by one for every interval an endpoint stays healthy. At most
 * `maxEjectionPercent` % of the endpoints are out at once (at least one may be).
 *
 * When the ejection time ends the endpoint is put back (`setHealthy(id, true)`) in a **probing** state:
 * its next outcome decides — a success returns it for good, a failure ejects it again at once with a
 * longer time. Callers that gate each picked endpoint through {@link OutlierDetector.admit} get exactly
 * one probe request: the first admit lets it through and takes the endpoint out again until the
 * outcome arrives, so a recovering endpoint never receives a flood.
 *
 * `record(id, outcome)` takes core's `Outcome` (`@scaling/core`): `ok: true` a success, `ok: false` a failure, and no
 * `ok` (`{}`, as a lease's `release()` / `release({})`) **no outcome** — counted as neither; an admitted probe
 * released without an outcome lets the next request be the probe. It is the hot path: a `Map` lookup and
 * typed-array updates, no allocation. Every timer goes through the clock (`unref()`ed by `systemClock`);
 * `stop()` clears them and returns ejected endpoints.
 *
 * Events (`on(event, listener)` returns an unsubscribe function): `eject`, `return`. The target, the
 * listeners and the deprecated `onEject`/`onReturn` are called only once the detector's state is
 * consistent, so they may call back into it (`record`, `admit`, `remove`, `stop`); one that throws is
 * rethrown on `process.nextTick` and never leaves the detector broken. To combine the detector with
 * active checks on one balancer, give it a source of {@link combineHealth} as `target`.
 *
 * @throws {TypeError}/{@link RangeError} on a bad option, naming it.
 * @example
 * ```ts
 * import { OutlierDetector } from '@scaling/health';
 * const balancer = { setHealthy: (id: string, healthy: boolean) => console.log(id, healthy) };
 * const detector = new OutlierDetector({ target: balancer, endpoints: ['a', 'b', 'c'] });
 * for (let i = 0; i < 5; i++) detector.record('a', { ok: false }); // logs "a false"
 * ```
 */
export class OutlierDetector {
  readonly #clock: Clock;
  readonly #consecutive: number;
  readonly #intervalMs: number;
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #maxPercent: number;
  readonly #probeTimeoutMs: number;
  readonly #sr: Required<SuccessRateOptions> | undefined;
  readonly #fp: Required<FailurePercentageOptions> | undefined;
  readonly #notify: OutlierNotifier;

  readonly #index = new Map<string, number>();
  #ids: string[] = [];
  #n = 0;
  #state = new Uint8Array(8);
  #streak = new Uint32Array(8);
  #ok = new Uint32Array(8);
  #failed = new Uint32Array(8);
  #ejections = new Uint32Array(8);
  #until = new Float64Array(8);
  #timers: (TimerHandle | undefined)[] = [];
  /** Outcomes of earlier intervals (the window counters are folded in at each sweep, off the hot path). */
  #okTotal = new Float64Array(8);
  #failedTotal = new Float64Array(8);
  #ejectedTotal = new Float64Array(8);
  /** Outcomes of endpoints no longer tracked, so the totals never go down. */
  #removedOk = 0;
  #removedFailed = 0;
  readonly #byReason = new Float64Array(4);
  #overflow = 0;
  #returns = 0;
  #released = 0;
  #out = 0;
  #sweep: TimerHandle | undefined;
  #stopped = false;
  readonly #onSweep = () => this.#analyse();

  constructor(options: OutlierDetectorOptions) {
    const o = normaliseDetectorOptions(options);
    this.#notify = new OutlierNotifier(this, o.target, o.onEject, o.onReturn);
    this.#clock = o.clock;
    this.#consecutive = o.consecutiveFailures;
    this.#intervalMs = o.intervalMs;
    this.#baseMs = o.baseEjectionTimeMs;
    this.#maxMs = o.maxEjectionTimeMs;
    this.#maxPercent = o.maxEjectionPercent;
    this.#probeTimeoutMs = o.probeTimeoutMs;
    this.#sr = o.successRate;
    this.#fp = o.failurePercentage;
    for (const id of o.endpoints) this.add(id);
    this.#sweep = this.#clock.setTimeout(this.#onSweep, this.#intervalMs);
  }

  /**
   * Subscribes to an event (see {@link OutlierDetectorEvents}); returns the unsubscribe function.
   * @throws {TypeError} on an unknown event or a listener that is not a function.
   */
  on<K extends keyof OutlierDetectorEvents>(event: K, listener: (payload: OutlierDetectorEvents[K]) => void): () => void {
    return this.#notify.events.on(event, listener);
  }

  /** Removes a listener added with {@link OutlierDetector.on} (no-op when absent). */
  off<K extends keyof OutlierDetectorEvents>(event: K, listener: (payload: OutlierDetectorEvents[K]) => void): void {
    this.#notify.events.off(event, listener);
  }

  /** Number of endpoints tracked. */
  get size(): number {
    return this.#n;
  }

  /** Number of endpoints currently out of rotation or on probation (ejected or probing). */
  get ejectedCount(): number {
    return this.#out;
  }

  /** How many endpoints may be out at once: max(1, ⌊size × maxEjectionPercent / 100⌋). */
  get maxEjected(): number {
    return Math.max(1, Math.floor((this.#n * this.#maxPercent) / 100));
  }

  /** Starts tracking an endpoint (idempotent). */
  add(id: string): void {
    if (typeof id !== 'string') throw new TypeError(`Expected \`id\` to be a string, got ${describeValue(id)}`);
    if (!this.#index.has(id)) this.#slot(id);
  }

  /** Stops tracking an endpoint (an ejected one is not returned to the target). Returns false when unknown. */
  remove(id: string): boolean {
    const i = this.#index.get(id);
    if (i === undefined) return false;
    this.#clearTimer(i);
    if (this.#state[i] !== HEALTHY) {
      this.#out--;
      this.#released++;
    }
    this.#removedOk += (this.#okTotal[i] as number) + (this.#ok[i] as number);
    this.#removedFailed += (this.#failedTotal[i] as number) + (this.#failed[i] as number);
    const last = --this.#n;
    if (i !== last) {
      const lastId = this.#ids[last] as string;
      this.#ids[i] = lastId;
      this.#index.set(lastId, i);
      this.#state[i] = this.#state[last] as number;
      this.#streak[i] = this.#streak[last] as number;
      this.#ok[i] = this.#ok[last] as number;
      this.#failed[i] = this.#failed[last] as number;
      this.#ejections[i] = this.#ejections[last] as number;
      this.#until[i] = this.#until[last] as number;
      this.#okTotal[i] = this.#okTotal[last] as number;
      this.#failedTotal[i] = this.#failedTotal[last] as number;
      this.#ejectedTotal[i] = this.#ejectedTotal[last] as number;
      this.#timers[i] = this.#timers[last];
    }
    this.#ids.length = last;
    this.#timers.length = last;
    this.#index.delete(id);
    return true;
  }

  /**
   * Records the outcome of one request to `endpointId` (the hot path: no allocation). Unknown ids are
   * added. A failure may eject the endpoint; the outcome of a probing endpoint decides its return.
   * Without `ok` (`{}`) nothing is counted: the request was dropped or cancelled (an admitted probe
   * released so makes the endpoint wait for its next probe). `latencyMs` and `error` are not used to eject.
   * @throws {TypeError} when `outcome` is not an object or `ok` is neither a boolean nor absent (nothing is recorded).
   */
  record(endpointId: string, outcome: Outcome): void {
    if (typeof outcome !== 'object' || outcome === null)
      throw new TypeError(`Expected \`outcome\` to be an object like { ok: boolean }, got ${describeValue(outcome)}`);
    const ok = outcome.ok;
    if (ok !== true && ok !== false) {
      if (ok !== undefined) throw new TypeError(`Expected \`outcome.ok\` to be a boolean or absent, got ${describeValue(ok)}`);
      this.#noOutcome(endpointId);
      return;
    }
    let i = this.#index.get(endpointId);
    if (i === undefined) {
      if (this.#stopped) return;
      i = this.#slot(endpointId);
    }
    const state = this.#state[i] as number;
    if (ok) {
      this.#ok[i] = (this.#ok[i] as number) + 1;
      this.#streak[i] = 0;
      if (state >= PROBING) this.#return(i, state);
      return;
    }
    this.#failed[i] = (this.#failed[i] as number) + 1;
    if (state >= PROBING) {
      this.#notify.ejected(this.#eject(i, 'probe-failed'));
      return;
    }
    if (state === HEALTHY && ++this.#streak[i]! >= this.#consecutive && this.#consecutive > 0) {
      const e = this.#tryEject(i, 'consecutive-failures');
      if (e !== undefined) this.#notify.ejected(e);
    }
  }

  /** A probe released without an outcome: the endpoint is back on probation, the next admit is the probe. */
  #noOutcome(endpointId: string): void {
    const i = this.#index.get(endpointId);
    if (i === undefined || this.#state[i] !== PROBE_IN_FLIGHT) return;
    this.#clearTimer(i);
    this.#state[i] = PROBING;
    this.#notify.setHealthy(endpointId, true);
  }

  /**
   * Pick-time gate: may a request go to `endpointId` now? True for healthy (and unknown) endpoints,
   * false for ejected ones; for a probing endpoint, true exactly once — that request is the probe, and
   * the endpoint leaves the target until its outcome is recorded.
   */
  admit(endpointId: string): boolean {
    const i = this.#index.get(endpointId);
    if (i === undefined) return true;
    const state = this.#state[i] as number;
    if (state === HEALTHY) return true;
    if (state !== PROBING) return false;
    this.#state[i] = PROBE_IN_FLIGHT;
    this.#timers[i] = this.#clock.setTimeout(() => this.#probeTimedOut(endpointId), this.#probeTimeoutMs);
    this.#notify.setHealthy(endpointId, false);
    return true;
  }

  /** State of one endpoint, or `undefined` when unknown. */
  stateOf(endpointId: string): OutlierState | undefined {
    const i = this.#index.get(endpointId);
    if (i === undefined) return undefined;
    const s = this.#state[i];
    return s === HEALTHY ? 'healthy' : s === EJECTED ? 'ejected' : 'probing';
  }

  /** How many times an endpoint has been ejected (after decay), or 0 when unknown. */
  ejectionsOf(endpointId: string): number {
    const i = this.#index.get(endpointId);
    return i === undefined ? 0 : (this.#ejections[i] as number);
  }

  /**
   * A snapshot of the detector (see {@link OutlierDetectorStats}): a fresh object, state unchanged. Costs
   * O(endpoints); nothing is added to `record()` for it (the interval counters are folded into the totals at
   * each sweep).
   */
  stats(): OutlierDetectorStats {
    const columns = { n: this.#n, ids: this.#ids, state: this.#state, ok: this.#ok, failed: this.#failed };
    const totals = { okTotal: this.#okTotal, failedTotal: this.#failedTotal, ejectedTotal: this.#ejectedTotal };
    const counters = { out: this.#out, byReason: this.#byReason, overflow: this.#overflow, returns: this.#returns };
    const removed = { released: this.#released, removedOk: this.#removedOk, removedFailed: this.#removedFailed };
    return detectorStats({ ...columns, ...totals }, { ...counters, ...removed });
  }

  /**
   * Stops the detector: clears every timer and returns every ejected or probing endpoint to the target
   * (nothing stays ejected forever). Further outcomes are still counted but nothing is ejected. Idempotent.
   */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#sweep !== undefined) this.#clock.clearTimeout(this.#sweep);
    this.#sweep = undefined;
    const returned: string[] = [];
    for (let i = 0; i < this.#n; i++) {
      this.#clearTimer(i);
      const s = this.#state[i];
      if (s === HEALTHY) continue;
      this.#state[i] = HEALTHY;
      this.#out--;
      this.#released++;
      if (s !== PROBING) returned.push(this.#ids[i] as string);
    }
    // Only now, with every slot consistent: the target may call back into the detector.
    for (const id of returned) this.#notify.setHealthy(id, true);
  }

  #slot(id: string): number {
    const i = this.#n++;
    if (i === this.#state.length) this.#grow(i * 2);
    this.#ids[i] = id;
    this.#timers[i] = undefined;
    this.#state[i] = HEALTHY;
    this.#streak[i] = 0;
    this.#ok[i] = 0;
    this.#failed[i] = 0;
    this.#ejections[i] = 0;
    this.#until[i] = 0;
    this.#okTotal[i] = 0;
    this.#failedTotal[i] = 0;
    this.#ejectedTotal[i] = 0;
    this.#index.set(id, i);
    return i;
  }

  #grow(cap: number): void {
    this.#state = grown(this.#state, cap);
    this.#streak = grown(this.#streak, cap);
    this.#ok = grown(this.#ok, cap);
    this.#failed = grown(this.#failed, cap);
    this.#ejections = grown(this.#ejections, cap);
    this.#until = grown(this.#until, cap);
    this.#okTotal = grown(this.#okTotal, cap);
    this.#failedTotal = grown(this.#failedTotal, cap);
    this.#ejectedTotal = grown(this.#ejectedTotal, cap);
  }

  /** Ejects slot `i` when the cap allows; returns the ejection to announce, or `undefined`. */
  #tryEject(i: number, reason: EjectionReason): EjectionEvent | undefined {
    if (this.#stopped) return undefined;
    if (this.#out >= this.maxEjected) {
      this.#overflow++;
      return undefined;
    }
    this.#out++;
    return this.#eject(i, reason);
  }

  /** Ejects slot `i` (already counted in `#out`): state only; the caller announces the result. */
  #eject(i: number, reason: EjectionReason): EjectionEvent {
    const n = ++this.#ejections[i]!;
    this.#ejectedTotal[i] = (this.#ejectedTotal[i] as number) + 1;
    const r = REASONS.indexOf(reason);
    this.#byReason[r] = (this.#byReason[r] as number) + 1;
    const ms = Math.min(this.#baseMs * n, this.#maxMs);
    this.#state[i] = EJECTED;
    this.#streak[i] = 0;
    this.#until[i] = this.#clock.now() + ms;
    this.#clearTimer(i);
    const id = this.#ids[i] as string;
    this.#timers[i] = this.#clock.setTimeout(() => this.#endEjection(id), ms);
    return { id, reason, ejectionTimeMs: ms };
  }

  #endEjection(id: string): void {
    const i = this.#index.get(id);
    if (i === undefined || this.#state[i] !== EJECTED) return;
    this.#timers[i] = undefined;
    this.#state[i] = PROBING;
    this.#notify.setHealthy(id, true);
  }

  #probeTimedOut(id: string): void {
    const i = this.#index.get(id);
    if (i === undefined || this.#state[i] !== PROBE_IN_FLIGHT) return;
    this.#timers[i] = undefined;
    this.#notify.ejected(this.#eject(i, 'probe-failed'));
  }

  #return(i: number, state: number): void {
    this.#clearTimer(i);
    this.#state[i] = HEALTHY;
    this.#out--;
    this.#returns++;
    const id = this.#ids[i] as string;
    if (state === PROBE_IN_FLIGHT) this.#notify.setHealthy(id, true);
    this.#notify.returned(id);
  }

  #clearTimer(i: number): void {
    const t = this.#timers[i];
    if (t !== undefined) {
      this.#clock.clearTimeout(t);
      this.#timers[i] = undefined;
    }
  }

  /** Runs every `intervalMs`: failure percentage and success-rate ejection, multiplier decay, window reset. */
  #analyse(): void {
    if (this.#stopped) return;
    const n = this.#n;
    const state = this.#state;
    const candidates = findOutliers(n, this.#ok, this.#failed, this.#fp, this.#sr);
    // Ejections are announced after the sweep, once every slot is consistent (the target may call back).
    const ejected: EjectionEvent[] = [];
    for (let k = 0; k < candidates.length; k++) {
      const { slot, reason } = candidates[k] as { slot: number; reason: EjectionReason };
      if (state[slot] !== HEALTHY) continue; // out already, or ejected by an earlier rule of this sweep
      const e = this.#tryEject(slot, reason);
      if (e !== undefined) ejected.push(e);
    }
    const totals = { okTotal: this.#okTotal, failedTotal: this.#failedTotal };
    closeInterval(n, this.#clock.now(), this.#intervalMs, state, this.#ejections, this.#until, this.#ok, this.#failed, totals);
    this.#sweep = this.#clock.setTimeout(this.#onSweep, this.#intervalMs);
    for (const e of ejected) this.#notify.ejected(e);
  }
}
