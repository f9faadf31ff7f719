import { assertNonNegativeFinite } from '@scaling/core/internal';
import type { BackoffSpec } from './types.js';

/** The default backoff: exponential from 1 s, full jitter, capped at 60 s. */
export const DEFAULT_BACKOFF: BackoffSpec = { type: 'exponential', delayMs: 1000, maxDelayMs: 60_000, jitter: 'full' };

/** Validates a {@link BackoffSpec} (named `name` in messages) and returns a normalised copy. */
export function resolveBackoff(name: string, spec: BackoffSpec | undefined): BackoffSpec {
  if (spec === undefined) return DEFAULT_BACKOFF;
  if (typeof spec !== 'object' || spec === null) throw new TypeError(`Expected \`${name}\` to be an object, got ${typeof spec}`);
  for (const key of Object.keys(spec)) {
    if (key !== 'type' && key !== 'delayMs' && key !== 'maxDelayMs' && key !== 'jitter')
      throw new TypeError(`Unknown option \`${key}\` in ${name}`);
  }
  if (spec.type !== 'exponential' && spec.type !== 'fixed')
    throw new TypeError(`Expected \`${name}.type\` to be "exponential" or "fixed", got ${JSON.stringify(spec.type)}`);
  assertNonNegativeFinite(`${name}.delayMs`, spec.delayMs);
  const maxDelayMs = spec.maxDelayMs ?? 60_000;
  assertNonNegativeFinite(`${name}.maxDelayMs`, maxDelayMs);
  const jitter = spec.jitter ?? 'full';
  if (jitter !== 'full' && jitter !== 'none')
    throw new TypeError(`Expected \`${name}.jitter\` to be "full" or "none", got ${JSON.stringify(jitter)}`);
  return { type: spec.type, delayMs: spec.delayMs, maxDelayMs, jitter };
}

/** Delay before attempt `failedAttempt + 1`, in milliseconds. */
export function backoffDelay(spec: BackoffSpec, failedAttempt: number, random: () => number): number {
  const base = spec.type === 'fixed' ? spec.delayMs : Math.min(spec.maxDelayMs ?? 60_000, spec.delayMs * 2 ** (failedAttempt - 1));
  return spec.jitter === 'none' ? base : Math.floor(random() * base);
}
