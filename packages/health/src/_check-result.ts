/**
 * Check result normalisation: whatever a check returned, resolved to or threw, as one {@link RunResult}.
 */
import { describeValue } from '@scaling/core/internal';
import type { CheckOutcome } from './health-check.js';
import type { HealthStatus } from './health-report.js';

/** One finished run (before hysteresis). @internal */
export interface RunResult {
  /** Raw status of this run. */
  readonly status: HealthStatus;
  readonly observedValue?: unknown;
  readonly observedUnit?: string;
  readonly output?: string;
  /** Clock time the run started. */
  readonly startedAt: number;
  /** The run was cut off by its deadline, or is a further failure charged to a hung run. */
  readonly timedOut: boolean;
}

/** Interprets a check's resolved value (see {@link CheckOutcome}). @internal */
export function resultOfValue(value: unknown, startedAt: number): RunResult {
  if (value === false) return { status: 'fail', output: 'check returned false', startedAt, timedOut: false };
  if (typeof value !== 'object' || value === null) return { status: 'pass', startedAt, timedOut: false };
  const o = value as CheckOutcome;
  const st = o.status;
  if (st === undefined || st === 'pass' || st === 'warn' || st === 'fail')
    return {
      status: st ?? 'pass',
      observedValue: o.observedValue,
      observedUnit: o.observedUnit,
      output: o.output,
      startedAt,
      timedOut: false,
    };
  const output = `check returned an invalid status ${describeValue(st)} (expected "pass", "warn" or "fail")`;
  return { status: 'fail', observedValue: o.observedValue, observedUnit: o.observedUnit, output, startedAt, timedOut: false };
}

/** Interprets a check's thrown error or rejection. @internal */
export function resultOfError(error: unknown, startedAt: number): RunResult {
  return { status: 'fail', output: error instanceof Error ? error.message : String(error), startedAt, timedOut: false };
}

/** A failure charged by the deadline or to a hung run. @internal */
export function timedOutResult(output: string, startedAt: number): RunResult {
  return { status: 'fail', output, startedAt, timedOut: true };
}
