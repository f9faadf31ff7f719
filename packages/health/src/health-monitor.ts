import { type Clock, Histogram, type RandomSource, systemClock } from '@scaling/core';
import { assertClock, assertFunction, assertOptions, describeValue, Emitter } from '@scaling/core/internal';
import { type CheckConfig, normaliseCheck } from './_check-config.js';
import type { RunResult } from './_check-result.js';
import { CheckRunner } from './_check-runner.js';
import { Hysteresis } from './_hysteresis.js';
import { buildReport, makeEntry, type ReportMeta } from './_report-builder.js';
import { worstStatus } from './_status.js';
import { DuplicateCheckError } from './errors.js';
import type { HealthCheckDefinition } from './health-check.js';
import { type CheckRunResult, type HealthMonitorEvents, MONITOR_EVENTS } from './health-monitor-events.js';
import { type HealthMonitorOptions, MONITOR_HINTS, MONITOR_KEYS } from './health-monitor-options.js';
import { type CheckRunStats, type CheckStats, countResult, type HealthMonitorStats, zeroCounts } from './health-monitor-stats.js';
import type { HealthCheckEntry, HealthReport, HealthStatus, ProbeKind } from './health-report.js';

/** One check inside the monitor. */
interface CheckState {
  readonly config: CheckConfig;
  readonly key: string;
  readonly probes: readonly ProbeKind[];
  readonly hysteresis: Hysteresis;
  readonly runner: CheckRunner;
  /** Reported status (after hysteresis and criticality). */
  status: HealthStatus;
  /** Status of the latest successful run (pass or warn). */
  okStatus: HealthStatus;
  entry: HealthCheckEntry;
  /** This check's counters. */
  readonly counts: CheckRunStats;
  lastDurationMs: number;
}

/**
 * Runs named health checks on their own schedules and keeps a hysteresis-filtered status per check:
 * a check turns unhealthy after `unhealthyThreshold` consecutive failures and healthy again after
 * `healthyThreshold` consecutive successes (HAProxy `rise`/`fall`, Envoy active health checking).
 *
 * - Never two runs of one check at once: the next run is scheduled `intervalMs` (+ jitter) after the
 *   previous one completes — a check that ignores its abort signal still blocks its own next run.
 * - A run longer than `timeoutMs` aborts its signal and counts as one failure.
 * - A run that ignores its signal and stays pending past its deadline (a hung check) keeps being
 *   evaluated: every further `intervalMs + timeoutMs` (`unhealthyIntervalMs + timeoutMs` while unhealthy)
 *   that passes with it still outstanding — the time in which a replacement run would have started and
 *   timed out — counts as one more failure, without starting a second run. So a hung check turns unhealthy
 *   after `unhealthyThreshold` such failures. When the hung run finally settles, its result is dropped and
 *   the next run starts at once if at least one such extra failure was counted, else `intervalMs` later.
 * - Unhealthy checks keep running (every `unhealthyIntervalMs`) so they can recover.
 * - Events (`on(event, listener)` returns an unsubscribe function): `result` after every run, then
 *   `change` when a check's status changed, then `status` when the aggregate changed — each emitted once
 *   the monitor's state is fully updated, so listeners may call any method (`stop()`, `add()`,
 *   `remove()`, `report()`) re-entrantly. A throwing listener is rethrown on `process.nextTick` and
 *   never breaks the monitor. Also on `node:diagnostics_channel` as `scaling:health:<event>`.
 * - Every timer goes through the `clock` and is `unref()`ed by `systemClock`, so a forgotten monitor
 *   never keeps the process alive; after `stop()` no timer remains.
 *
 * @example
 * ```ts
 * import { HealthMonitor, tcpProbe } from '@scaling/health';
 * const monitor = new HealthMonitor({
 *   checks: [{ name: 'postgres:connect', check: tcpProbe({ host: '127.0.0.1', port: 5432 }), intervalMs: 5_000 }],
 * });
 * monitor.on('change', (c) => console.log(c.name, c.previous, '→', c.status));
 * monitor.start();
 * ```
 */
export class HealthMonitor {
  readonly #clock: Clock;
  readonly #random: RandomSource;
  readonly #wallClock: () => number;
  readonly #meta: ReportMeta;
  readonly #events = new Emitter<HealthMonitorEvents>('health', MONITOR_EVENTS, this);
  readonly #checks = new Map<string, CheckState>();
  /** The checks in insertion order, and whether their report keys are all distinct (for report()). */
  #list: CheckState[] = [];
  #uniqueKeys = true;
  #running = false;
  #status: HealthStatus = 'pass';
  /** The aggregate status last announced through the `status` event. */
  #announced: HealthStatus = 'pass';
  #started = false;
  #revision = 0;
  readonly #counts = zeroCounts();
  #statusChanges = 0;
  readonly #runDuration = new Histogram();

  /**
   * @throws {TypeError}/{@link RangeError} on a bad option or check definition, naming it; `TypeError` on an
   *   unknown option key (with a hint for names from terminus and lightship).
   */
  constructor(options: HealthMonitorOptions = {}) {
    assertOptions('HealthMonitor options', options, MONITOR_KEYS, MONITOR_HINTS);
    const { clock = systemClock, random = Math.random, wallClock = Date.now } = options;
    assertFunction('random', random);
    assertFunction('wallClock', wallClock);
    assertClock('clock', clock, ['now', 'setTimeout', 'clearTimeout']);
    this.#clock = clock;
    this.#random = random;
    this.#wallClock = wallClock;
    this.#meta = {};
    for (const k of ['serviceId', 'version', 'releaseId', 'description'] as const) {
      const v = options[k];
      if (v !== undefined) {
        if (typeof v !== 'string') throw new TypeError(`Expected \`${k}\` to be a string, got ${describeValue(v)}`);
        this.#meta[k] = v;
      }
    }
    const checks = options.checks ?? [];
    if (!Array.isArray(checks))
      throw new TypeError(`Expected \`checks\` to be an array of check definitions, got ${describeValue(checks)}`);
    for (const def of checks) this.add(def);
  }

  /**
   * Subscribes to an event (see {@link HealthMonitorEvents}); returns the unsubscribe function.
   * @throws {TypeError} on an unknown event or a listener that is not a function.
   */
  on<K extends keyof HealthMonitorEvents>(event: K, listener: (payload: HealthMonitorEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /** Removes a listener added with {@link HealthMonitor.on} (no-op when absent). */
  off<K extends keyof HealthMonitorEvents>(event: K, listener: (payload: HealthMonitorEvents[K]) => void): void {
    this.#events.off(event, listener);
  }

  /** Number of listeners of `event` (for cleanup checks). */
  listenerCount(event: keyof HealthMonitorEvents): number {
    return this.#events.listenerCount(event);
  }

  /** True between {@link HealthMonitor.start} and {@link HealthMonitor.stop}. */
  get running(): boolean {
    return this.#running;
  }

  /** The aggregate status: the worst reported status of all checks (`pass` with no checks). */
  get status(): HealthStatus {
    return this.#status;
  }

  /** Bumped whenever a check is added, removed or reports a result: a report built at one revision stays valid until it changes. */
  get revision(): number {
    return this.#revision;
  }

  /** Names of the checks, in the order they were added. */
  get checkNames(): string[] {
    return [...this.#checks.keys()];
  }

  /**
   * True once every check taking part in readiness (and startup) has been healthy at the same time —
   * sticky, as the Kubernetes startup probe stops once it succeeds — or while there are no checks.
   */
  get started(): boolean {
    return this.#started || this.#list.length === 0;
  }

  /**
   * Adds a check; when the monitor is running, its first run starts at once.
   * @throws {TypeError}/{@link RangeError} on a bad definition (an unknown key too, with a hint such as
   *   `interval` → `intervalMs`); {@link DuplicateCheckError} `ERR_DUPLICATE_CHECK` when the name is taken.
   */
  add(def: HealthCheckDefinition): void {
    const config = normaliseCheck(def);
    if (this.#checks.has(config.name)) throw new DuplicateCheckError(config.name);
    const healthy = config.initialStatus !== 'fail';
    const okStatus: HealthStatus = config.initialStatus === 'warn' ? 'warn' : 'pass';
    const status: HealthStatus = healthy ? okStatus : config.critical ? 'fail' : 'warn';
    const hysteresis = new Hysteresis(config.healthyThreshold, config.unhealthyThreshold, healthy);
    let s: CheckState | undefined;
    const runner = new CheckRunner(config, hysteresis, this.#clock, this.#random, (result) => this.#record(s as CheckState, result));
    s = {
      config,
      key: config.key,
      probes: config.probes,
      hysteresis,
      runner,
      status,
      okStatus,
      entry: makeEntry({ componentId: config.componentId, componentType: config.componentType, status }),
      counts: zeroCounts(),
      lastDurationMs: 0,
    };
    this.#checks.set(config.name, s);
    this.#reindex();
    this.#revision++;
    this.#aggregate();
    if (this.#running) runner.start();
    this.#announce();
  }

  /** Removes a check (aborting a run in flight). Returns false when there was none. */
  remove(name: string): boolean {
    const s = this.#checks.get(name);
    if (s === undefined) return false;
    s.runner.halt();
    this.#checks.delete(name);
    this.#reindex();
    this.#revision++;
    this.#aggregate();
    this.#announce();
    return true;
  }

  /** Starts running every check (the first runs start at once). Idempotent. */
  start(): this {
    if (this.#running) return this;
    this.#running = true;
    for (const s of this.#list) if (this.#checks.get(s.config.name) === s) s.runner.start();
    return this;
  }

  /** Stops every check: cancels timers, aborts runs in flight and drops their results. Idempotent. */
  stop(): this {
    if (!this.#running) return this;
    this.#running = false;
    for (const s of this.#list) s.runner.halt();
    return this;
  }

  /** The reported status of one check, or `undefined` when there is no such check. */
  checkStatus(name: string): HealthStatus | undefined {
    return this.#checks.get(name)?.status;
  }

  /** Whether one check is healthy after hysteresis, or `undefined` when there is no such check. */
  isHealthy(name: string): boolean | undefined {
    return this.#checks.get(name)?.hysteresis.healthy;
  }

  /**
   * The aggregate status of the checks taking part in one probe kind (`pass` when none do). For
   * `startup`, also requires {@link HealthMonitor.started}.
   */
  probeStatus(kind: ProbeKind): HealthStatus {
    if (kind === 'startup') return this.started ? 'pass' : 'fail';
    return this.#statusOf(kind);
  }

  /**
   * The current state in the IETF "Health Check Response Format for HTTP APIs" shape: `status` is the
   * worst status of the included checks; `checks` is keyed `component:measurement`. With `kind`, only
   * the checks taking part in that probe are included. A fresh object on each call (the entries are
   * shared and immutable).
   */
  report(kind?: ProbeKind): HealthReport {
    const report = buildReport(this.#list, this.#uniqueKeys, kind, this.#meta);
    if (kind === 'startup' && !this.started) return { ...report, status: 'fail' };
    return report;
  }

  /**
   * A snapshot of the monitor (see {@link HealthMonitorStats}): a fresh object, state unchanged.
   * @example
   * ```ts
   * import { HealthMonitor } from '@scaling/health';
   * const monitor = new HealthMonitor({ checks: [{ name: 'db', check: () => true }] });
   * monitor.stats().checks.db?.status; // 'pass'
   * ```
   */
  stats(): HealthMonitorStats {
    const checks: Record<string, CheckStats> = {};
    for (const s of this.#list) {
      checks[s.config.name] = { status: s.status, healthy: s.hysteresis.healthy, lastDurationMs: s.lastDurationMs, ...s.counts };
    }
    return {
      status: this.#status,
      running: this.#running,
      started: this.started,
      ...this.#counts,
      statusChanges: this.#statusChanges,
      runDuration: this.#runDuration.clone(),
      checks,
    };
  }

  #reindex(): void {
    this.#list = [...this.#checks.values()];
    this.#uniqueKeys = new Set(this.#list.map((s) => s.key)).size === this.#list.length;
  }

  #statusOf(kind: ProbeKind): HealthStatus {
    return worstStatus(this.#list, (s) => s.probes.includes(kind));
  }

  /** One run's result (from the check's runner): hysteresis, entry, aggregate — then the events. */
  #record(s: CheckState, result: RunResult): void {
    if (this.#checks.get(s.config.name) !== s) return; // removed meanwhile
    this.#revision++;
    const ok = result.status !== 'fail';
    if (ok) s.okStatus = result.status;
    s.hysteresis.observe(ok);
    const previous = s.status;
    const status: HealthStatus = s.hysteresis.healthy ? s.okStatus : s.config.critical ? 'fail' : 'warn';
    s.status = status;
    s.entry = makeEntry({
      componentId: s.config.componentId,
      componentType: s.config.componentType,
      status,
      time: this.#time(),
      observedValue: result.observedValue,
      observedUnit: result.observedUnit,
      output: result.output,
    });
    this.#aggregate();
    const name = s.config.name;
    const durationMs = this.#clock.now() - result.startedAt;
    s.lastDurationMs = durationMs;
    this.#runDuration.record(durationMs);
    countResult(s.counts, result.status, result.timedOut);
    countResult(this.#counts, result.status, result.timedOut);
    if (status !== previous) {
      s.counts.transitions++;
      this.#counts.transitions++;
    }
    if (this.#events.wants('result')) {
      const payload: CheckRunResult = {
        name,
        status: result.status,
        durationMs,
        timedOut: result.timedOut,
      };
      if (result.output !== undefined) payload.output = result.output;
      this.#events.emit('result', payload);
    }
    if (status !== previous) this.#events.emit('change', { name, status, previous, healthy: s.hysteresis.healthy });
    this.#announce();
  }

  /** The wall-clock time of a result; a throwing `wallClock` leaves it out and is rethrown outside. */
  #time(): string | undefined {
    try {
      return new Date(this.#wallClock()).toISOString();
    } catch (e) {
      process.nextTick(() => {
        throw e;
      });
      return undefined;
    }
  }

  /** Recomputes the aggregate and latches `started` the moment readiness (and startup) pass. */
  #aggregate(): void {
    this.#status = worstStatus(this.#list);
    if (!this.#started && this.#list.length > 0 && this.#statusOf('readiness') !== 'fail' && this.#statusOf('startup') !== 'fail')
      this.#started = true;
  }

  /** Emits `status` when the aggregate differs from the last one announced (re-entrant calls stay in order). */
  #announce(): void {
    const status = this.#status;
    const previous = this.#announced;
    if (status === previous) return;
    this.#announced = status;
    this.#statusChanges++;
    this.#events.emit('status', { status, previous });
  }
}
