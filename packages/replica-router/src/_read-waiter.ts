import type { Clock, TimerHandle } from '@scaling/core';
import type { ReplicaLease } from './replica-balancer.js';

/** A `forReadAsync` call waiting for a replica to catch up with its session. */
export interface Waiter<P, R> {
  minPosition: number;
  key: string | undefined;
  resolve: (lease: ReplicaLease<P | R>) => void;
  reject: (error: unknown) => void;
  timer: TimerHandle | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  startedAt: number;
}

/** Stops a settled waiter's timer and its listening to its signal. */
export function settle(
  clock: Clock,
  w: { timer: TimerHandle | undefined; signal: AbortSignal | undefined; onAbort: (() => void) | undefined },
): void {
  if (w.timer !== undefined) clock.clearTimeout(w.timer);
  w.timer = undefined;
  if (w.signal !== undefined && w.onAbort !== undefined) w.signal.removeEventListener('abort', w.onAbort);
  w.onAbort = undefined;
}
