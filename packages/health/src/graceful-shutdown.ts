import { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import { type Clock, ScalingError, systemClock, TimeoutError, type TimerHandle } from '@scaling/core';
import { assertFunction, assertNonNegativeFinite, describeValue } from '@scaling/core/internal';

/** Lifecycle of a service: `running` → `draining` (readiness fails) → `closing` (hooks, close) → `closed`. */
export type ShutdownState = 'running' | 'draining' | 'closing' | 'closed';

/** A shutdown hook: release a resource (close a pool, flush a queue). Its signal aborts at the hook deadline. */
export type ShutdownHook = (signal: AbortSignal) => unknown;

/** Options of {@link GracefulShutdown}. All times in milliseconds. */
export interface GracefulShutdownOptions {
  /** HTTP servers to track (in-flight requests) and close. More with {@link GracefulShutdown.addServer}. */
  servers?: readonly Server[];
  /**
   * How long readiness fails before the servers stop accepting connections, so the orchestrator and the
   * load balancers in front notice (Kubernetes endpoints propagation). Default 5,000 ms.
   */
  delayMs?: number;
  /** How long to wait for in-flight work (tracked requests and {@link GracefulShutdown.track}ed promises). Default 10,000 ms. */
  drainTimeoutMs?: number;
  /** Deadline for all shutdown hooks together; then their signal aborts and shutdown goes on. Default 5,000 ms. */
  hookTimeoutMs?: number;
  /** Hooks run (concurrently) after draining. More with {@link GracefulShutdown.addHook}. */
  hooks?: readonly ShutdownHook[];
  /** Signals that start a shutdown. Default `['SIGTERM']`; `[]` for none. */
  signals?: readonly NodeJS.Signals[];
  /**
   * Called with the exit code (0 clean, 1 when a hook failed or a deadline passed) after a shutdown that a
   * signal started, since handling the signal stops Node's default exit. Default `process.exit`; `false`
   * to leave the process running.
   */
  exit?: ((code: number) => void) | false;
  /** Time source. Default `systemClock`. */
  clock?: Clock;
}

/**
 * What a shutdown resolves with: whether it was clean, and every failure — a hook that threw or rejected
 * (`ScalingError` `ERR_SHUTDOWN_HOOK`, the hook's error as `cause`), hooks still running at `hookTimeoutMs`
 * or in-flight work still running at `drainTimeoutMs` (`TimeoutError`) — in the order they happened.
 */
export interface ShutdownResult {
  /** True when nothing failed and no deadline passed (exit code 0 after a signal). */
  clean: boolean;
  /** The failures, also emitted as `error` events when there is a listener. */
  errors: Error[];
}

/** Events of a {@link GracefulShutdown}. */
export interface GracefulShutdownEvents {
  /** The state changed; `reason` is the signal name or the reason given to `shutdown()`. */
  state: [state: ShutdownState, reason: string];
  /** A hook failed or a deadline passed (the shutdown goes on). */
  error: [error: unknown];
}

/**
 * Graceful shutdown with Kubernetes semantics (the `preStop` / endpoints-propagation pattern, as in
 * lightship and terminus): on `SIGTERM` or {@link GracefulShutdown.shutdown},
 *
 * 1. readiness fails at once (`draining`) while liveness stays up, so the pod leaves the Service
 *    endpoints without being restarted;
 * 2. after `delayMs` the servers stop accepting connections;
 * 3. in-flight requests and tracked work finish (up to `drainTimeoutMs`);
 * 4. shutdown hooks run with a deadline (`hookTimeoutMs`);
 * 5. the servers close (remaining idle keep-alive connections are dropped) → `closed`.
 *
 * The defaults add up to 20 s, below Kubernetes' default 30 s `terminationGracePeriodSeconds`.
 * While a shutdown runs, the process is kept alive so it can finish; every timer goes through the clock.
 * Failures never stop the sequence: `shutdown()` resolves with a {@link ShutdownResult} listing them (and
 * each is emitted as `error` when there is a listener); after a signal the process exits with 1 if any.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { GracefulShutdown } from '@scaling/health';
 * const server = createServer((req, res) => res.end('ok')).listen(0);
 * const shutdown = new GracefulShutdown({ servers: [server], delayMs: 5_000 });
 * shutdown.addHook(async () => { /* close pools *\/ });
 * // SIGTERM now drains and closes; or: await shutdown.shutdown('deploy');
 * ```
 */
export class GracefulShutdown extends EventEmitter<GracefulShutdownEvents> {
  readonly #clock: Clock;
  readonly #delayMs: number;
  readonly #drainTimeoutMs: number;
  readonly #hookTimeoutMs: number;
  readonly #hooks: ShutdownHook[] = [];
  readonly #servers: Server[] = [];
  readonly #signals: readonly NodeJS.Signals[];
  readonly #exit: ((code: number) => void) | false;
  readonly #onSignal: (signal: NodeJS.Signals) => void;
  #state: ShutdownState = 'running';
  #inFlight = 0;
  #drained: (() => void) | undefined;
  #done: Promise<ShutdownResult> | undefined;

  /** @throws {TypeError}/{@link RangeError} on a bad option, naming it. */
  constructor(options: GracefulShutdownOptions = {}) {
    super();
    const { delayMs = 5_000, drainTimeoutMs = 10_000, hookTimeoutMs = 5_000, clock = systemClock, signals = ['SIGTERM'] } = options;
    assertNonNegativeFinite('delayMs', delayMs);
    assertNonNegativeFinite('drainTimeoutMs', drainTimeoutMs);
    assertNonNegativeFinite('hookTimeoutMs', hookTimeoutMs);
    if (!Array.isArray(signals)) throw new TypeError(`Expected \`signals\` to be an array of signal names, got ${describeValue(signals)}`);
    const exit = options.exit ?? ((code: number) => process.exit(code));
    if (exit !== false) assertFunction('exit', exit);
    this.#clock = clock;
    this.#delayMs = delayMs;
    this.#drainTimeoutMs = drainTimeoutMs;
    this.#hookTimeoutMs = hookTimeoutMs;
    this.#exit = exit;
    this.#signals = [...signals];
    for (const h of options.hooks ?? []) this.addHook(h);
    for (const s of options.servers ?? []) this.addServer(s);
    this.#onSignal = (signal) => {
      void this.#shutdown(signal, true);
    };
    for (const s of this.#signals) process.once(s, this.#onSignal);
  }

  /** Current lifecycle state. */
  get state(): ShutdownState {
    return this.#state;
  }

  /** True from the moment a shutdown starts: readiness must fail. */
  get isShuttingDown(): boolean {
    return this.#state !== 'running';
  }

  /** Number of tracked requests and promises still running. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Adds a shutdown hook (run concurrently with the others after draining). */
  addHook(hook: ShutdownHook): void {
    assertFunction('hook', hook);
    this.#hooks.push(hook);
  }

  /** Tracks the requests of an HTTP server as in-flight work and closes it on shutdown. */
  addServer(server: Server): void {
    if (typeof server !== 'object' || server === null || typeof server.close !== 'function')
      throw new TypeError(`Expected \`server\` to be an http.Server, got ${describeValue(server)}`);
    this.#servers.push(server);
    server.on('request', (_req, res) => {
      const done = this.begin();
      res.once('close', done);
    });
  }

  /**
   * Marks the start of a unit of in-flight work; call the returned function (once) when it ends.
   * Shutdown waits for all of them (up to `drainTimeoutMs`).
   */
  begin(): () => void {
    this.#inFlight++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      if (--this.#inFlight === 0) this.#drained?.();
    };
  }

  /** Tracks a promise as in-flight work; returns it. */
  track<T>(work: Promise<T>): Promise<T> {
    const done = this.begin();
    work.then(done, done);
    return work;
  }

  /**
   * Starts the shutdown (idempotent: later calls return the same promise). Resolves when closed with a
   * {@link ShutdownResult} listing every hook failure and passed deadline (`clean: false` when there is
   * any), whether or not an `error` listener is attached; never rejects, so a failing hook cannot stop
   * the servers from closing. After a signal, the exit code is 0 when clean and 1 otherwise.
   */
  shutdown(reason = 'shutdown()'): Promise<ShutdownResult> {
    return this.#shutdown(reason, false);
  }

  /** Removes the signal listeners (for tests and hot reload). */
  dispose(): void {
    for (const s of this.#signals) process.removeListener(s, this.#onSignal);
  }

  #setState(state: ShutdownState, reason: string): void {
    this.#state = state;
    this.emit('state', state, reason);
  }

  #emitError(errors: Error[], error: Error): void {
    errors.push(error);
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  #shutdown(reason: string, fromSignal: boolean): Promise<ShutdownResult> {
    if (this.#done !== undefined) return this.#done;
    this.dispose();
    this.#setState('draining', reason);
    // Keeps the event loop alive until the shutdown finishes (clock timers are unref()ed).
    const keepAlive = setInterval(() => {}, 1 << 30);
    this.#done = this.#run(reason).then((result) => {
      clearInterval(keepAlive);
      if (fromSignal && this.#exit !== false) this.#exit(result.clean ? 0 : 1);
      return result;
    });
    return this.#done;
  }

  async #run(reason: string): Promise<ShutdownResult> {
    const errors: Error[] = [];
    await this.#sleep(this.#delayMs);
    const closed = this.#servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          if (!server.listening) return resolve();
          server.close(() => resolve());
          server.closeIdleConnections();
        }),
    );
    if (this.#inFlight > 0) {
      const drained = await this.#within(
        new Promise<void>((resolve) => {
          this.#drained = resolve;
        }),
        this.#drainTimeoutMs,
      );
      this.#drained = undefined;
      if (!drained) {
        this.#emitError(
          errors,
          new TimeoutError(`${this.#inFlight} in-flight request(s) still running after ${this.#drainTimeoutMs} ms`, this.#drainTimeoutMs),
        );
      }
    }
    this.#setState('closing', reason);
    if (this.#hooks.length > 0) {
      const controller = new AbortController();
      const hooks = Promise.all(
        this.#hooks.map(async (hook) => {
          try {
            await hook(controller.signal);
          } catch (e) {
            this.#emitError(errors, new ScalingError('ERR_SHUTDOWN_HOOK', 'a shutdown hook failed', { cause: e }));
          }
        }),
      );
      if (!(await this.#within(hooks, this.#hookTimeoutMs))) {
        const err = new TimeoutError(`shutdown hooks still running after ${this.#hookTimeoutMs} ms`, this.#hookTimeoutMs);
        controller.abort(err);
        this.#emitError(errors, err);
      }
    }
    for (const server of this.#servers) server.closeAllConnections();
    await Promise.all(closed);
    this.#setState('closed', reason);
    return { clean: errors.length === 0, errors };
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (ms <= 0) resolve();
      else this.#clock.setTimeout(resolve, ms);
    });
  }

  /** Resolves true when `work` settles within `ms`, false when the deadline passes first. */
  #within(work: Promise<unknown>, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      let timer: TimerHandle | undefined;
      let done = false;
      timer = this.#clock.setTimeout(() => {
        if (done) return;
        done = true;
        resolve(false);
      }, ms);
      work.then(() => {
        if (done) return;
        done = true;
        if (timer !== undefined) this.#clock.clearTimeout(timer);
        timer = undefined;
        resolve(true);
      });
    });
  }
}
