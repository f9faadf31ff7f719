import { type Clock, systemClock } from '@scaling/core';
import { assertBoolean, assertClock, assertFunction, assertNonNegativeFinite, assertOptions, describeValue } from '@scaling/core/internal';
import type { GracefulShutdown } from './graceful-shutdown.js';
import { type GracefulShutdownOptions, SHUTDOWN_HINTS, SHUTDOWN_KEYS } from './shutdown-options.js';

/** {@link GracefulShutdownOptions} checked, with the defaults filled in (`hooks`, `queues`, `servers` checked only). */
export interface ShutdownConfig {
  clock: Clock;
  delayMs: number;
  drainTimeoutMs: number;
  queueTimeoutMs: number;
  hookTimeoutMs: number;
  forceExitOnRepeat: boolean;
  exit: ((code: number) => void) | false;
  signals: readonly NodeJS.Signals[];
}

/**
 * Checks a {@link GracefulShutdown}'s options and fills in the defaults.
 * @throws {TypeError}/{@link RangeError} on a bad option, naming it; `TypeError` on an unknown key.
 */
export function resolveShutdownOptions(options: GracefulShutdownOptions): ShutdownConfig {
  assertOptions('GracefulShutdown options', options, SHUTDOWN_KEYS, SHUTDOWN_HINTS);
  const {
    delayMs = 5_000,
    drainTimeoutMs = 10_000,
    queueTimeoutMs = 5_000,
    hookTimeoutMs = 5_000,
    clock = systemClock,
    signals = ['SIGTERM'],
    forceExitOnRepeat = false,
  } = options;
  assertNonNegativeFinite('delayMs', delayMs);
  assertNonNegativeFinite('drainTimeoutMs', drainTimeoutMs);
  assertNonNegativeFinite('queueTimeoutMs', queueTimeoutMs);
  assertNonNegativeFinite('hookTimeoutMs', hookTimeoutMs);
  assertBoolean('forceExitOnRepeat', forceExitOnRepeat);
  assertClock('clock', clock, ['setTimeout', 'clearTimeout']);
  if (!Array.isArray(signals) || signals.some((s) => typeof s !== 'string'))
    throw new TypeError(`Expected \`signals\` to be an array of signal names, got ${describeValue(signals)}`);
  const exit = options.exit ?? ((code: number) => process.exit(code));
  if (exit !== false) assertFunction('exit', exit);
  for (const k of ['hooks', 'queues', 'servers'] as const) {
    const v = options[k];
    if (v !== undefined && !Array.isArray(v)) throw new TypeError(`Expected \`${k}\` to be an array, got ${describeValue(v)}`);
  }
  return { clock, delayMs, drainTimeoutMs, queueTimeoutMs, hookTimeoutMs, forceExitOnRepeat, exit, signals: [...signals] };
}
