/**
 * The options of a {@link GracefulShutdown}, and the names users bring from other libraries.
 */
import type { Server } from 'node:http';
import type { Clock } from '@scaling/core';
import type { GracefulShutdown } from './graceful-shutdown.js';
import type { ShutdownHook, ShutdownQueue } from './shutdown-phases.js';

/** Options of {@link GracefulShutdown}. All times in milliseconds. */
export interface GracefulShutdownOptions {
  /** HTTP servers to track (in-flight requests), drain politely and close. More with {@link GracefulShutdown.addServer}. */
  servers?: readonly Server[];
  /**
   * How long readiness fails before the servers stop accepting connections, so the orchestrator and the
   * load balancers in front notice (Kubernetes endpoints propagation). Default 5,000 ms.
   */
  delayMs?: number;
  /** Deadline of the `requests` phase: in-flight requests and {@link GracefulShutdown.track}ed promises. Default 10,000 ms. */
  drainTimeoutMs?: number;
  /** Deadline of the `queues` phase: each queue's `close({ drain: true, timeoutMs })` gets it. Default 5,000 ms. */
  queueTimeoutMs?: number;
  /** Deadline of the hooks of the `servers` phase, and of the `clients` phase. Default 5,000 ms. */
  hookTimeoutMs?: number;
  /** Hooks of the `clients` phase (close pools and clients). More with {@link GracefulShutdown.addHook}. */
  hooks?: readonly ShutdownHook[];
  /** Queues closed in the `queues` phase (e.g. `@scaling/queue` `Queue`s). More with {@link GracefulShutdown.addQueue}. */
  queues?: readonly ShutdownQueue[];
  /** Signals that start a shutdown. Default `['SIGTERM']`; `[]` for none. */
  signals?: readonly NodeJS.Signals[];
  /**
   * What a signal does while a shutdown already runs. `false` (default): it is ignored (the `signal` event
   * reports it with `repeated: true`) and the hooks still run. `true`: it exits at once with code 1 —
   * the hooks that have not finished do not run (Ctrl-C twice in development).
   */
  forceExitOnRepeat?: boolean;
  /**
   * Called with the exit code (0 clean, 1 when a hook failed or a deadline passed) after a shutdown that a
   * signal started or saw, since handling the signal stops Node's default exit. Default `process.exit`;
   * `false` to leave the process running.
   */
  exit?: ((code: number) => void) | false;
  /** Time source. Default `systemClock`. */
  clock?: Clock;
}

/** @internal */
export const SHUTDOWN_KEYS = [
  'servers',
  'delayMs',
  'drainTimeoutMs',
  'queueTimeoutMs',
  'hookTimeoutMs',
  'hooks',
  'queues',
  'signals',
  'forceExitOnRepeat',
  'exit',
  'clock',
];

/** Names users bring from terminus, lightship, stoppable and http-terminator. */
/** @internal */
export const SHUTDOWN_HINTS: Record<string, string> = {
  signal: 'use `signals: [...]`',
  timeout: 'use `drainTimeoutMs` (terminus `timeout`)',
  beforeShutdown: 'use `delayMs`, or `addHook(hook, { phase: "servers" })` (terminus `beforeShutdown`)',
  onSignal: 'use `addHook(hook)` (terminus `onSignal`)',
  onShutdown: "listen to `on('state', ...)` for `closed` (terminus `onShutdown`)",
  healthChecks: 'use `createHealthHandler({ monitor, shutdown })` (terminus `healthChecks`)',
  useExit0: 'use `exit`',
  shutdownDelay: 'use `delayMs` (lightship `shutdownDelay`)',
  gracefulShutdownTimeout: 'use `drainTimeoutMs` (lightship `gracefulShutdownTimeout`)',
  shutdownHandlerTimeout: 'use `hookTimeoutMs` (lightship `shutdownHandlerTimeout`)',
  terminate: 'use `exit` (lightship `terminate`)',
  grace: 'use `drainTimeoutMs` (stoppable `grace`)',
  gracefulTerminationTimeout: 'use `drainTimeoutMs` (http-terminator `gracefulTerminationTimeout`)',
  server: 'use `servers: [server]`',
};
