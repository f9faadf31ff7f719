import { assertNonNegativeFinite, describeValue } from '@scaling/core/internal';
import type { ReplicaIneligibility, ReplicaSample, ReplicaState } from './replica-state.js';

const UNKNOWN = Number.NaN;

/** Eligibility codes (0 = eligible), indexed into {@link REASONS}. */
export const ELIGIBLE = 0;
const NO_SAMPLE = 1;
const DOWN = 2;
const STALE = 3;
const LAG_UNKNOWN = 4;
const LAG_MS = 5;
const LAG_BYTES = 6;
const REASONS: ReadonlyArray<ReplicaIneligibility | undefined> = [
  undefined,
  'no-sample',
  'down',
  'stale-sample',
  'lag-unknown',
  'lag-ms',
  'lag-bytes',
];

/** The limits a replica must meet to be eligible. */
export interface Limits {
  maxLagMs: number;
  maxLagBytes: number;
  maxSampleAgeMs: number;
}

/**
 * Checks the lag and position fields of a replica sample or probe result: each is absent (unknown) or
 * a non-negative finite number.
 * @throws {TypeError}/{@link RangeError} naming the bad field.
 */
export function assertLagFields(sample: { lagMs?: number; lagBytes?: number; position?: number }): void {
  if (typeof sample !== 'object' || sample === null)
    throw new TypeError(`Expected \`sample\` to be an object, got ${describeValue(sample)}`);
  if (sample.lagMs !== undefined) assertNonNegativeFinite('lagMs', sample.lagMs);
  if (sample.lagBytes !== undefined) assertNonNegativeFinite('lagBytes', sample.lagBytes);
  if (sample.position !== undefined) assertNonNegativeFinite('position', sample.position);
}

/**
 * The dense per-replica table behind a router: health, lag, position and sample time in typed arrays
 * (unknown = NaN), and the eligibility rule over them. Checking eligibility allocates nothing.
 */
export class ReplicaTable {
  readonly #limits: Limits;
  readonly #maxLagMs: number;
  readonly #maxLagBytes: number;
  readonly #maxSampleAgeMs: number;
  readonly #healthy: Uint8Array;
  readonly #lagMs: Float64Array;
  readonly #lagBytes: Float64Array;
  readonly #position: Float64Array;
  readonly #sampledAt: Float64Array;
  /** Eligibility (no position requirement) when last looked at, for change events: 1 eligible. */
  readonly #last: Uint8Array;
  readonly #detail: Array<string | undefined>;

  constructor(n: number, limits: Limits) {
    this.#limits = limits;
    this.#maxLagMs = limits.maxLagMs;
    this.#maxLagBytes = limits.maxLagBytes;
    this.#maxSampleAgeMs = limits.maxSampleAgeMs;
    this.#healthy = new Uint8Array(n);
    this.#lagMs = new Float64Array(n).fill(UNKNOWN);
    this.#lagBytes = new Float64Array(n).fill(UNKNOWN);
    this.#position = new Float64Array(n).fill(UNKNOWN);
    this.#sampledAt = new Float64Array(n).fill(UNKNOWN);
    this.#last = new Uint8Array(n);
    this.#detail = new Array<string | undefined>(n).fill(undefined);
  }

  /** Records a validated sample taken at `now`. */
  record(i: number, sample: ReplicaSample, now: number): void {
    this.#healthy[i] = sample.healthy ? 1 : 0;
    this.#lagMs[i] = numberOrUnknown(sample.lagMs);
    this.#lagBytes[i] = numberOrUnknown(sample.lagBytes);
    this.#position[i] = numberOrUnknown(sample.position);
    this.#sampledAt[i] = now;
    this.#detail[i] = sample.healthy ? undefined : typeof sample.detail === 'string' ? sample.detail : undefined;
  }

  /** Marks replica `i` down until a healthy sample arrives. */
  markDown(i: number, detail: string): void {
    this.#healthy[i] = 0;
    this.#detail[i] = detail;
  }

  /** 0 when replica `i` is eligible at `now` with no position requirement, else a code ≥ 1. */
  code(i: number, now: number): number {
    const at = this.#sampledAt[i] as number;
    if (this.#healthy[i] !== 1) return Number.isNaN(at) ? NO_SAMPLE : DOWN;
    if (!(now - at <= this.#maxSampleAgeMs)) return STALE;
    // NaN (unknown) fails every comparison below unless the limit is off
    const maxLagMs = this.#maxLagMs;
    if (maxLagMs !== Number.POSITIVE_INFINITY) {
      const lagMs = this.#lagMs[i] as number;
      if (!(lagMs <= maxLagMs)) return Number.isNaN(lagMs) ? LAG_UNKNOWN : LAG_MS;
    }
    const maxLagBytes = this.#maxLagBytes;
    if (maxLagBytes !== Number.POSITIVE_INFINITY) {
      const lagBytes = this.#lagBytes[i] as number;
      if (!(lagBytes <= maxLagBytes)) return Number.isNaN(lagBytes) ? LAG_UNKNOWN : LAG_BYTES;
    }
    return ELIGIBLE;
  }

  /** Whether replica `i` is eligible at `now` and has replayed at least `minPosition` (0: no requirement). */
  eligible(i: number, minPosition: number, now: number): boolean {
    return this.code(i, now) === ELIGIBLE && (minPosition <= 0 || (this.#position[i] as number) >= minPosition);
  }

  /**
   * Whether replica `i`'s eligibility (no position requirement) differs from when this was last called
   * for it; remembers the new value.
   */
  changed(i: number, now: number): boolean {
    const e = this.code(i, now) === ELIGIBLE ? 1 : 0;
    if (this.#last[i] === e) return false;
    this.#last[i] = e;
    return true;
  }

  /** The reason name of an eligibility code. */
  reason(code: number): ReplicaIneligibility | undefined {
    return REASONS[code];
  }

  /** The snapshot of replica `i` (with id `id`) at `now`. */
  state(i: number, id: string, now: number): ReplicaState {
    const code = this.code(i, now);
    const limits = this.#limits;
    let detail: string | undefined;
    if (code === DOWN) detail = this.#detail[i];
    else if (code === STALE)
      detail = `last sample ${now - (this.#sampledAt[i] as number)} ms ago (maxSampleAgeMs ${limits.maxSampleAgeMs})`;
    else if (code === LAG_MS) detail = `lag ${this.#lagMs[i]} ms > maxLagMs ${limits.maxLagMs}`;
    else if (code === LAG_BYTES) detail = `lag ${this.#lagBytes[i]} B > maxLagBytes ${limits.maxLagBytes}`;
    else if (code === LAG_UNKNOWN) detail = 'the sample has no lag while a lag limit is set';
    return {
      id,
      healthy: this.#healthy[i] === 1,
      lagMs: unknownToUndefined(this.#lagMs[i] as number),
      lagBytes: unknownToUndefined(this.#lagBytes[i] as number),
      position: unknownToUndefined(this.#position[i] as number),
      sampledAt: unknownToUndefined(this.#sampledAt[i] as number),
      eligible: code === ELIGIBLE,
      reason: REASONS[code],
      detail,
    };
  }
}

function numberOrUnknown(v: number | undefined): number {
  return typeof v === 'number' && v >= 0 ? v : UNKNOWN;
}

function unknownToUndefined(v: number): number | undefined {
  return Number.isNaN(v) ? undefined : v;
}
