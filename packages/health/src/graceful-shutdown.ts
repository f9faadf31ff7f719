import type { Server } from 'node:http';
import { type Clock, TimeoutError } from '@scaling/core';
import { assertFunction, assertOptions, describeValue, Emitter } from '@scaling/core/internal';
import { sleep, within } from './_deadline.js';
import { ServerDrain } from './_server-drain.js';
import { resolveShutdownOptions } from './_shutdown-config.js';
import { ShutdownHookError } from './errors.js';
import type { GracefulShutdownOptions } from './shutdown-options.js';
import {
  SHUTDOWN_PHASES,
  type ShutdownEvents,
  type ShutdownHook,
  type ShutdownHookOptions,
  type ShutdownPhase,
  type ShutdownQueue,
  type ShutdownResult,
  type ShutdownState,
  type ShutdownStats,
} from './shutdown-phases.js';

/**
 * The events of a {@link GracefulShutdown}.
 * @deprecated Use {@link ShutdownEvents} (payload objects instead of positional arguments).
 */
export type GracefulShutdownEvents = ShutdownEvents;

const EVENTS: readonly (keyof ShutdownEvents)[] = ['state', 'phase', 'error', 'signal'];

/**
 * Graceful shutdown with Kubernetes semantics (the `preStop` / endpoints-propagation pattern, as in
 * lightship and terminus). On a signal (`SIGTERM` by default) or {@link GracefulShutdown.shutdown}:
 *
 * 1. `draining`: readiness fails at once while liveness stays up, so the pod leaves the Service endpoints
 *    without being restarted. From now on every response carries `Connection: close` and idle keep-alive
 *    connections are closed at once (clients reconnect, and soon reach other pods); a request already read
 *    is answered, never reset. After `delayMs`, the phases run in this order, each with its hooks
 *    ({@link GracefulShutdown.addHook} with `{ phase }`) running concurrently with its own work:
 * 2. `servers` — stop accepting: the servers stop listening (hooks: stop consumers, cron jobs; deadline
 *    `hookTimeoutMs`);
 * 3. `requests` — drain requests: in-flight requests and tracked promises finish (deadline `drainTimeoutMs`);
 * 4. `queues` — close queues: each queue gets `close({ drain: true, timeoutMs: queueTimeoutMs })`, so its
 *    accepted tasks run, or are rejected with the queue's reason (`ERR_QUEUE_CLOSED`) at the deadline;
 * 5. `closing` state, `clients` phase — close pools and clients (the default phase of a hook; deadline
 *    `hookTimeoutMs`); then the remaining connections are closed and the servers close → `closed`.
 *
 * The defaults (5 + 10 + 5 + 5 s, plus any `servers` hooks) stay below Kubernetes' default 30 s
 * `terminationGracePeriodSeconds`. Failures never stop the sequence: `shutdown()` resolves with a
 * {@link ShutdownResult} listing them, each also emitted as `error`. While a shutdown runs the process is
 * kept alive and the signal listeners stay installed, so **a repeated signal never kills the process
 * before its hooks ran**: it is ignored (opt in to `forceExitOnRepeat` to exit at once). After a shutdown
 * that a signal started — or that saw a signal — the process exits with 0 when clean, else 1.
 *
 * Events (`on(event, listener)` returns an unsubscribe function; also on `node:diagnostics_channel` as
 * `scaling:health:<event>`): `state`, `phase`, `error`, `signal` — see {@link ShutdownEvents}.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { GracefulShutdown } from '@scaling/health';
 * const server = createServer((req, res) => res.end('ok')).listen(0);
 * const shutdown = new GracefulShutdown({ servers: [server], delayMs: 5_000 });
 * // shutdown.addQueue(queue); // a @scaling/queue Queue: drained in the `queues` phase
 * shutdown.addHook(async () => { /* close pools *\/ });
 * // SIGTERM now drains and closes; or: await shutdown.shutdown('deploy');
 * ```
 */
export class GracefulShutdown {
  readonly #clock: Clock;
  readonly #delayMs: number;
  readonly #drainTimeoutMs: number;
  readonly #queueTimeoutMs: number;
  readonly #hookTimeoutMs: number;
  readonly #hooks: Record<ShutdownPhase, ShutdownHook[]> = { servers: [], requests: [], queues: [], clients: [] };
  readonly #queues: ShutdownQueue[] = [];
  readonly #drains: ServerDrain[] = [];
  readonly #signals: readonly NodeJS.Signals[];
  readonly #forceExitOnRepeat: boolean;
  readonly #exit: ((code: number) => void) | false;
  readonly #events = new Emitter<ShutdownEvents>('health', EVENTS, this);
  readonly #onSignal = (signal: NodeJS.Signals) => this.#signal(signal);
  readonly #trackBound = () => this.begin();
  #listening = false;
  #state: ShutdownState = 'running';
  #phase: ShutdownPhase | undefined;
  #inFlight = 0;
  #tracked = 0;
  #errors = 0;
  #signalCount = 0;
  #drained: (() => void) | undefined;
  #done: Promise<ShutdownResult> | undefined;
  /** A signal arrived: exit when the shutdown finishes. */
  #exitWhenDone = false;

  /** @throws {TypeError}/{@link RangeError} on a bad option, naming it; `TypeError` on an unknown key (with a hint for terminus, lightship, stoppable and http-terminator names). */
  constructor(options: GracefulShutdownOptions = {}) {
    const o = resolveShutdownOptions(options);
    this.#clock = o.clock;
    this.#delayMs = o.delayMs;
    this.#drainTimeoutMs = o.drainTimeoutMs;
    this.#queueTimeoutMs = o.queueTimeoutMs;
    this.#hookTimeoutMs = o.hookTimeoutMs;
    this.#forceExitOnRepeat = o.forceExitOnRepeat;
    this.#exit = o.exit;
    this.#signals = o.signals;
    for (const h of options.hooks ?? []) this.addHook(h);
    for (const q of options.queues ?? []) this.addQueue(q);
    for (const s of options.servers ?? []) this.addServer(s);
    for (const s of this.#signals) process.on(s, this.#onSignal);
    this.#listening = this.#signals.length > 0;
  }

  /**
   * Subscribes to an event (see {@link ShutdownEvents}); returns the unsubscribe function.
   * @throws {TypeError} on an unknown event or a listener that is not a function.
   */
  on<K extends keyof ShutdownEvents>(event: K, listener: (payload: ShutdownEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /** Removes a listener added with {@link GracefulShutdown.on} (no-op when absent). */
  off<K extends keyof ShutdownEvents>(event: K, listener: (payload: ShutdownEvents[K]) => void): void {
    this.#events.off(event, listener);
  }

  /** Current lifecycle state. */
  get state(): ShutdownState {
    return this.#state;
  }

  /** The phase running now (`undefined` before the first and after the last). */
  get phase(): ShutdownPhase | undefined {
    return this.#phase;
  }

  /** True from the moment a shutdown starts: readiness must fail. */
  get isShuttingDown(): boolean {
    return this.#state !== 'running';
  }

  /** Number of tracked requests and promises still running. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * Adds a shutdown hook to a phase (default `clients`); hooks of one phase run concurrently.
   * @throws {TypeError} when `hook` is not a function, or on a bad `options.phase`.
   */
  addHook(hook: ShutdownHook, options: ShutdownHookOptions = {}): void {
    assertFunction('hook', hook);
    assertOptions('addHook options', options, ['phase']);
    const phase = options.phase ?? 'clients';
    if (!SHUTDOWN_PHASES.includes(phase))
      throw new TypeError(
        `Expected \`phase\` to be one of ${SHUTDOWN_PHASES.map((p) => `"${p}"`).join(', ')}, got ${describeValue(phase)}`,
      );
    this.#hooks[phase].push(hook);
  }

  /**
   * Adds a queue closed in the `queues` phase with `close({ drain: true, timeoutMs: queueTimeoutMs })`:
   * anything with that method, such as a `@scaling/queue` `Queue` (its accepted tasks run, or are rejected
   * with `ERR_QUEUE_CLOSED` at the deadline).
   * @throws {TypeError} when `queue` has no `close` method.
   */
  addQueue(queue: ShutdownQueue): void {
    if (typeof queue !== 'object' || queue === null || typeof queue.close !== 'function')
      throw new TypeError(`Expected \`queue\` to have a close({ drain, timeoutMs }) method, got ${describeValue(queue)}`);
    this.#queues.push(queue);
  }

  /**
   * Tracks the requests of an HTTP/1.1 server (`http.Server`, `https.Server`) as in-flight work, drains its
   * keep-alive connections politely and closes it on shutdown.
   * @throws {TypeError} when `server` is not such a server.
   */
  addServer(server: Server): void {
    if (
      typeof server !== 'object' ||
      server === null ||
      typeof server.close !== 'function' ||
      typeof server.prependListener !== 'function' ||
      typeof server.closeIdleConnections !== 'function'
    )
      throw new TypeError(`Expected \`server\` to be an http.Server or https.Server, got ${describeValue(server)}`);
    const drain = new ServerDrain(server, this.#trackBound);
    this.#drains.push(drain);
    if (this.#state !== 'running') drain.begin();
  }

  /**
   * Marks the start of a unit of in-flight work; call the returned function (once) when it ends.
   * Shutdown waits for all of them (up to `drainTimeoutMs`).
   */
  begin(): () => void {
    this.#inFlight++;
    this.#tracked++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      if (--this.#inFlight === 0) this.#drained?.();
    };
  }

  /**
   * Tracks a promise as in-flight work; returns it.
   * @throws {TypeError} when `work` is not a promise (or thenable) — e.g. a forgotten call, `track(fn)`.
   */
  track<T>(work: Promise<T>): Promise<T> {
    if (typeof work !== 'object' || work === null || typeof (work as { then?: unknown }).then !== 'function')
      throw new TypeError(`Expected \`work\` to be a promise, got ${describeValue(work)}`);
    const done = this.begin();
    Promise.resolve(work).then(done, done);
    return work;
  }

  /**
   * Starts the shutdown (idempotent: later calls — also from listeners and hooks — return the same
   * promise; a hook must not `await` it, as it waits for that hook). Resolves when closed with a
   * {@link ShutdownResult}; never rejects, so a failing hook cannot stop the servers from closing.
   */
  shutdown(reason = 'shutdown()'): Promise<ShutdownResult> {
    return this.#start(reason);
  }

  /** A snapshot of the shutdown (see {@link ShutdownStats}): a fresh object, state unchanged. */
  stats(): ShutdownStats {
    const stats: ShutdownStats = {
      state: this.#state,
      inFlight: this.#inFlight,
      tracked: this.#tracked,
      completed: this.#tracked - this.#inFlight,
      errors: this.#errors,
      signals: this.#signalCount,
    };
    if (this.#phase !== undefined) stats.phase = this.#phase;
    return stats;
  }

  /** Removes the signal listeners (for tests and hot reload). */
  dispose(): void {
    if (!this.#listening) return;
    this.#listening = false;
    for (const s of this.#signals) process.removeListener(s, this.#onSignal);
  }

  #signal(signal: NodeJS.Signals): void {
    const repeated = this.#done !== undefined;
    this.#exitWhenDone = true;
    this.#signalCount++;
    this.#events.emit('signal', { signal, repeated });
    if (!repeated) {
      void this.#start(signal);
      return;
    }
    if (this.#forceExitOnRepeat) this.#callExit(1);
  }

  #start(reason: string): Promise<ShutdownResult> {
    if (this.#done !== undefined) return this.#done;
    // Keeps the event loop alive until the shutdown finishes (clock timers are unref()ed).
    const keepAlive = setInterval(() => {}, 1 << 30);
    let finish!: (result: ShutdownResult) => void;
    // Set before anything runs, so a listener or hook calling shutdown() gets this same promise.
    this.#done = new Promise((resolve) => {
      finish = resolve;
    });
    void this.#run(reason).then((result) => {
      clearInterval(keepAlive);
      this.dispose();
      if (this.#exitWhenDone) this.#callExit(result.clean ? 0 : 1);
      finish(result);
    });
    return this.#done;
  }

  #callExit(code: number): void {
    if (this.#exit === false) return;
    try {
      this.#exit(code);
    } catch (e) {
      process.nextTick(() => {
        throw e;
      });
    }
  }

  #setState(state: ShutdownState, reason: string): void {
    this.#state = state;
    this.#events.emit('state', { state, reason });
  }

  #setPhase(phase: ShutdownPhase | undefined, reason: string): void {
    this.#phase = phase;
    if (phase !== undefined) this.#events.emit('phase', { phase, reason });
  }

  #fail(errors: Error[], error: Error): void {
    errors.push(error);
    this.#errors++;
    this.#events.emit('error', { error });
  }

  async #run(reason: string): Promise<ShutdownResult> {
    const errors: Error[] = [];
    this.#setState('draining', reason);
    for (const d of this.#drains) d.begin();
    await sleep(this.#clock, this.#delayMs);

    this.#setPhase('servers', reason);
    const stops = this.#drains.map((d) => d.stopAccepting());
    await Promise.all(stops.map((s) => s.stopped));
    await this.#runPhase('servers', this.#hookTimeoutMs, [], errors);

    this.#setPhase('requests', reason);
    const drained =
      this.#inFlight === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            this.#drained = resolve;
          });
    await this.#runPhase('requests', this.#drainTimeoutMs, [drained], errors, () => `${this.#inFlight} in-flight request(s) still running`);
    this.#drained = undefined;

    this.#setPhase('queues', reason);
    const queues = this.#queues.map((q) => this.#closeQueue(q, errors));
    await this.#runPhase('queues', this.#queueTimeoutMs, queues, errors);

    this.#setState('closing', reason);
    this.#setPhase('clients', reason);
    await this.#runPhase('clients', this.#hookTimeoutMs, [], errors);
    this.#setPhase(undefined, reason);

    for (const { server } of this.#drains) server.closeAllConnections();
    await Promise.all(stops.map((s) => s.closed));
    for (const d of this.#drains) d.detach();
    this.#setState('closed', reason);
    return { clean: errors.length === 0, errors };
  }

  /** Closes one queue, draining it within the phase deadline; a failure is reported, never thrown. */
  async #closeQueue(queue: ShutdownQueue, errors: Error[]): Promise<void> {
    try {
      await queue.close({ drain: true, timeoutMs: this.#queueTimeoutMs });
    } catch (e) {
      this.#fail(errors, new ShutdownHookError('queues', e));
    }
  }

  /**
   * Runs the hooks of `phase` next to `work`, all within `ms`; at the deadline the hooks' signal aborts
   * and a `TimeoutError` is reported.
   */
  async #runPhase(phase: ShutdownPhase, ms: number, work: Promise<unknown>[], errors: Error[], what?: () => string): Promise<void> {
    const hooks = this.#hooks[phase];
    if (hooks.length === 0 && work.length === 0) return;
    const controller = new AbortController();
    const all = Promise.all([
      ...work,
      ...hooks.map(async (hook) => {
        try {
          await hook(controller.signal);
        } catch (e) {
          this.#fail(errors, new ShutdownHookError(phase, e));
        }
      }),
    ]);
    if (await within(this.#clock, all, ms)) return;
    const message = what?.() ?? `shutdown phase "${phase}" still running`;
    const err = new TimeoutError(`${message} after ${ms} ms`, ms);
    controller.abort(err);
    this.#fail(errors, err);
  }
}
