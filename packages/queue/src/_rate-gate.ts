/*
 * The rate limit as a gate on starts (see the lifecycle diagram in `_engine.ts`): the engine asks `rateAllows` before
 * a start only when a rate limit is set; when the window is full it arms the one timer that wakes the pump, and that
 * timer is dropped once nothing waits to start. The window itself (the log of start times) is `_rate-limiter.ts`.
 */
import type { QueueEngine } from './_engine.js';
import type { SlidingWindowLimiter } from './_rate-limiter.js';
import { armTimer } from './_timer.js';

/** Whether the rate limit allows a start now; when it does not, arms the one timer that wakes the pump. @internal */
export function rateAllows(e: QueueEngine): boolean {
  const wait = (e.limiter as SlidingWindowLimiter).waitMs(e.clock.now());
  if (wait === 0) return true;
  if (e.rateTimer === undefined) e.rateTimer = armTimer(e.clock, e.onRateTimer, wait);
  return false;
}

/** The rate-limit timer fired: the window has room again, so start what may start. @internal */
export function rateTimerFired(e: QueueEngine): void {
  e.rateTimer = undefined;
  e.pump();
}

/**
 * The rate-limit timer is only needed while tasks wait to start; drop it once none do (clear, abort, close, full).
 * @internal
 */
export function dropRateTimerIfIdle(e: QueueEngine): void {
  if (e.size === 0 && e.waiting.length === 0 && e.rateTimer !== undefined) {
    e.clock.clearTimeout(e.rateTimer);
    e.rateTimer = undefined;
  }
}
