/*
 * The queue's own timers (rate-limit wait, timeout, retry backoff, close deadline) and the process lifetime: each is
 * scheduled on the queue's clock and kept ref()ed while accepted work waits on it.
 */
import type { Clock, TimerHandle } from '@scaling/core';

/**
 * Schedules one of the queue's own timers (rate-limit wait, timeout, retry backoff, close deadline) and keeps
 * it ref()ed when the clock's handle supports it. Core clocks unref() their timers; the queue only schedules
 * one while accepted work waits on it, so a script whose only remaining work is that task must not exit
 * before it settles. An idle queue has no timer, so it never keeps a process alive.
 * @internal
 */
export function armTimer(clock: Clock, callback: () => void, delayMs: number): TimerHandle {
  const handle = clock.setTimeout(callback, delayMs) as { ref?: unknown };
  if (typeof handle.ref === 'function') (handle.ref as () => unknown)();
  return handle;
}
