/**
 * The vocabulary of a graceful shutdown: its states, its ordered phases, hooks, queues and events.
 */
import type { ShutdownHookError } from './errors.js';

/** Lifecycle of a service: `running` → `draining` (readiness fails) → `closing` (clients phase, close) → `closed`. */
export type ShutdownState = 'running' | 'draining' | 'closing' | 'closed';

/**
 * The ordered phases of a shutdown, after the `delayMs` of failing readiness:
 * `servers` (stop accepting) → `requests` (drain in-flight requests and tracked work) → `queues` (close
 * queues, draining accepted tasks) → `clients` (close pools and clients). Each phase ends before the next
 * starts; the hooks of one phase run concurrently.
 */
export type ShutdownPhase = 'servers' | 'requests' | 'queues' | 'clients';

/** The phases in the order they run. */
export const SHUTDOWN_PHASES: readonly ShutdownPhase[] = ['servers', 'requests', 'queues', 'clients'];

/** A shutdown hook: release a resource (close a pool, flush a buffer). Its signal aborts at the phase deadline. */
export type ShutdownHook = (signal: AbortSignal) => unknown;

/** Options of `GracefulShutdown.addHook`. */
export interface ShutdownHookOptions {
  /** The phase the hook runs in. Default `'clients'`. */
  phase?: ShutdownPhase;
}

/**
 * A queue that `GracefulShutdown` closes in the `queues` phase: anything with `close({ drain, timeoutMs })`
 * resolving once its accepted tasks ran or were rejected — the shape of `@scaling/queue`'s `Queue.close`
 * (structural, so `@scaling/health` does not depend on `@scaling/queue`).
 */
export interface ShutdownQueue {
  /** Closes the queue; `drain: true` runs the accepted tasks first, `timeoutMs` bounds the wait (ms). */
  close(options?: { drain?: boolean; timeoutMs?: number }): Promise<unknown>;
}

/**
 * What a shutdown resolves with: whether it was clean, and every failure — a hook that threw or rejected
 * or a queue whose `close()` failed ({@link ShutdownHookError} `ERR_SHUTDOWN_HOOK`, the error as `cause`),
 * a phase still running at its deadline (`TimeoutError`) — in the order they happened.
 */
export interface ShutdownResult {
  /** True when nothing failed and no deadline passed (exit code 0 after a signal). */
  clean: boolean;
  /** The failures, also emitted as `error` events. */
  errors: Error[];
}

/**
 * Events of a `GracefulShutdown` (payload per event; also published on `node:diagnostics_channel` as
 * `scaling:health:<event>`).
 */
export type ShutdownEvents = {
  /** The state changed; `reason` is the signal name or the reason given to `shutdown()`. */
  state: {
    /** The new shutdown state. */
    state: ShutdownState;
    /** The signal name, or the reason given to `shutdown()`. */
    reason: string;
  };
  /** A phase started. */
  phase: {
    /** The phase that started. */
    phase: ShutdownPhase;
    /** The signal name, or the reason given to `shutdown()`. */
    reason: string;
  };
  /** A hook failed or a deadline passed (the shutdown goes on). */
  error: {
    /** A {@link ShutdownHookError} (hook or queue failure, cause attached) or a `TimeoutError` (phase deadline). */
    error: Error;
  };
  /** A signal arrived; `repeated` when a shutdown was already running (then it is ignored unless `forceExitOnRepeat`). */
  signal: {
    /** The signal received, e.g. `'SIGTERM'`. */
    signal: NodeJS.Signals;
    /** `true` when a shutdown was already running. */
    repeated: boolean;
  };
};

/**
 * A snapshot of a `GracefulShutdown` (`stats()`): `tracked = completed + inFlight`.
 */
export interface ShutdownStats {
  /** The lifecycle state: `running`, `draining`, `closing` or `closed`. */
  state: ShutdownState;
  /** The phase running now (absent before the first and after the last). */
  phase?: ShutdownPhase;
  /** Gauge: tracked requests and promises still running. */
  inFlight: number;
  /** Units of in-flight work begun (`begin()`, `track()`, requests of added servers), since creation. */
  tracked: number;
  /** Units of in-flight work ended. */
  completed: number;
  /** Failures reported (`error` events: hook and queue failures, passed deadlines). */
  errors: number;
  /** Signals received (`signal` events), repeated ones included. */
  signals: number;
}
