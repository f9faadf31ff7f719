import { EventEmitter } from 'node:events';
import { type Clock, type RandomSource, ScalingError, systemClock, TimeoutError, type TimerHandle } from '@scaling/core';
import {
  assertFunction,
  assertNonNegativeFinite,
  assertPositiveFinite,
  assertPositiveInteger,
  describeValue,
} from '@scaling/core/internal';
import { Hysteresis } from './_hysteresis.js';
import type { HealthCheckEntry, HealthReport, HealthStatus, ProbeKind } from './health-report.js';
import { statusRank } from './health-report.js';

/**
 * What a check may resolve to. `undefined`/`true`/any other value means `pass`; `false` means `fail`;
 * an object with a `status` gives the status and the details (no `status` means `pass`). A `status`
 * other than `'pass'`, `'warn'` or `'fail'` is a `fail` whose `output` names the bad status (a typo must
 * not pass silently). A thrown error or a rejection is a `fail` whose `output` is the error message.
 */
export interface CheckOutcome {
  status?: HealthStatus;
  /** Measured value, e.g. a latency or a connection count. */
  observedValue?: unknown;
  /** Unit of `observedValue` (e.g. `ms`, `percent`). */
  observedUnit?: string;
  /** Human-readable detail. */
  output?: string;
}

/**
 * A health check. It receives an `AbortSignal` that is aborted when the check runs past its `timeoutMs`
 * (or the monitor stops); it returns or resolves a {@link CheckOutcome} (or nothing), or throws.
 */
export type CheckFunction = (signal: AbortSignal) => unknown;

/** One named check of a {@link HealthMonitor}. All times in milliseconds. */
export interface HealthCheckDefinition {
  /** Unique name of the check; also its report key unless `key` is given. */
  name: string;
  /** The check itself (see {@link CheckFunction}). */
  check: CheckFunction;
  /** IETF `checks` key, `component:measurement` (e.g. `postgres:responseTime`). Default: `name`. */
  key?: string;
  /** IETF `componentId`. Default: `name`. */
  componentId?: string;
  /** IETF `componentType` (`datastore`, `component`, `system`, …). */
  componentType?: string;
  /** Delay between the end of one run and the start of the next while healthy. Default 10,000 ms. */
  intervalMs?: number;
  /** The same while unhealthy (unhealthy targets keep being probed so they can recover). Default: `intervalMs`. */
  unhealthyIntervalMs?: number;
  /** Deadline of one run: the signal is aborted and the run counts as one failure. Default 5,000 ms. */
  timeoutMs?: number;
  /** Consecutive successes needed to turn healthy (rise). Default 2. */
  healthyThreshold?: number;
  /** Consecutive failures needed to turn unhealthy (fall). Default 3. */
  unhealthyThreshold?: number;
  /** Up to this much random delay is added to each interval, to spread checks out. Default 0 ms. */
  jitterMs?: number;
  /** Status before the first threshold is reached. Default `'fail'` (not ready until proven healthy). */
  initialStatus?: HealthStatus;
  /** When false, an unhealthy check degrades the aggregate to `warn` instead of `fail`. Default true. */
  critical?: boolean;
  /** The Kubernetes probes this check takes part in. Default `['readiness']` (dependencies must not fail liveness). */
  probes?: readonly ProbeKind[];
}

/** Options of {@link HealthMonitor}. */
export interface HealthMonitorOptions {
  /** The checks (more can be added with {@link HealthMonitor.add}). */
  checks?: readonly HealthCheckDefinition[];
  /** Time source and timers. Default `systemClock`. */
  clock?: Clock;
  /** Random source for jitter. Default `Math.random`. */
  random?: RandomSource;
  /** Wall clock (epoch ms) for the reports' `time` fields. Default `Date.now`. */
  wallClock?: () => number;
  /** IETF `serviceId` of the report. */
  serviceId?: string;
  /** IETF `version` of the report. */
  version?: string;
  /** IETF `releaseId` of the report. */
  releaseId?: string;
  /** IETF `description` of the report. */
  description?: string;
}

/** Payload of the `change` event: a check's reported status changed. */
export interface CheckStatusChange {
  /** The check's name. */
  name: string;
  status: HealthStatus;
  previous: HealthStatus;
  /** Whether the check is healthy after hysteresis (a non-critical unhealthy check reports `warn`). */
  healthy: boolean;
}

/** Payload of the `result` event: one run finished (before hysteresis). */
export interface CheckRunResult {
  name: string;
  /** Raw status of this run. */
  status: HealthStatus;
  /** Run time in ms (by the monitor's clock). */
  durationMs: number;
  /**
   * True when the run was cut off by `timeoutMs`, or when this result is a further failure charged to a
   * run still outstanding past its deadline (then `durationMs` is how long it has been running).
   */
  timedOut: boolean;
  output?: string;
}

/** Events of a {@link HealthMonitor}. */
export interface HealthMonitorEvents {
  /** A check's reported status changed. */
  change: [change: CheckStatusChange];
  /** The aggregate status changed. */
  status: [status: HealthStatus, previous: HealthStatus];
  /** A run finished (emitted for every run). */
  result: [result: CheckRunResult];
}

interface CheckState {
  def: HealthCheckDefinition;
  key: string;
  componentId: string;
  intervalMs: number;
  unhealthyIntervalMs: number;
  timeoutMs: number;
  jitterMs: number;
  critical: boolean;
  probes: readonly ProbeKind[];
  hysteresis: Hysteresis;
  /** Reported status (after hysteresis and criticality). */
  status: HealthStatus;
  /** Status of the latest successful run (pass or warn). */
  okStatus: HealthStatus;
  entry: HealthCheckEntry;
  timer: TimerHandle | undefined;
  /** Deadline timer of the run in flight. */
  deadline: TimerHandle | undefined;
  inFlight: boolean;
  /** Clock time the run in flight started. */
  startedAt: number;
  /** Extra failures charged to the hung run in flight (one per missed slot). */
  overdue: number;
  controller: AbortController | undefined;
  /** Bumped by stop(): results of runs from an older epoch are dropped. */
  epoch: number;
  runs: number;
  removed: boolean;
}

const PROBE_KINDS: readonly ProbeKind[] = ['liveness', 'readiness', 'startup'];

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
 * - Emits `change` on every status change of a check, `status` when the aggregate changes, `result`
 *   after every run. Every timer goes through the `clock` and is `unref()`ed by `systemClock`, so a
 *   forgotten monitor never keeps the process alive; after `stop()` no timer remains.
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
export class HealthMonitor extends EventEmitter<HealthMonitorEvents> {
  readonly #clock: Clock;
  readonly #random: RandomSource;
  readonly #wallClock: () => number;
  readonly #meta: { serviceId?: string; version?: string; releaseId?: string; description?: string };
  readonly #checks = new Map<string, CheckState>();
  /** The checks in insertion order, and whether their report keys are all distinct (for report()). */
  #list: CheckState[] = [];
  #uniqueKeys = true;
  #running = false;
  #status: HealthStatus = 'pass';
  #started = false;
  #revision = 0;

  /**
   * @throws {TypeError}/{@link RangeError} on a bad option or check definition, naming it.
   */
  constructor(options: HealthMonitorOptions = {}) {
    super();
    if (typeof options !== 'object' || options === null)
      throw new TypeError(`Expected \`options\` to be an object, got ${describeValue(options)}`);
    const { clock = systemClock, random = Math.random, wallClock = Date.now } = options;
    assertFunction('random', random);
    assertFunction('wallClock', wallClock);
    if (typeof clock !== 'object' || clock === null || typeof clock.setTimeout !== 'function')
      throw new TypeError(`Expected \`clock\` to be a Clock, got ${describeValue(clock)}`);
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
    for (const def of options.checks ?? []) this.add(def);
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
   * Adds a check; when the monitor is running, its first run starts at once.
   * @throws {TypeError}/{@link RangeError} on a bad definition; `ScalingError` `ERR_DUPLICATE_CHECK` when the name is taken.
   */
  add(def: HealthCheckDefinition): void {
    if (typeof def !== 'object' || def === null) throw new TypeError(`Expected \`check\` to be an object, got ${describeValue(def)}`);
    const { name } = def;
    if (typeof name !== 'string' || name === '')
      throw new TypeError(`Expected \`name\` to be a non-empty string, got ${describeValue(name)}`);
    if (this.#checks.has(name)) throw new ScalingError('ERR_DUPLICATE_CHECK', `A check named ${JSON.stringify(name)} already exists`);
    assertFunction(`${name}.check`, def.check);
    const intervalMs = def.intervalMs ?? 10_000;
    assertPositiveFinite(`${name}.intervalMs`, intervalMs);
    const unhealthyIntervalMs = def.unhealthyIntervalMs ?? intervalMs;
    assertPositiveFinite(`${name}.unhealthyIntervalMs`, unhealthyIntervalMs);
    const timeoutMs = def.timeoutMs ?? 5_000;
    assertPositiveFinite(`${name}.timeoutMs`, timeoutMs);
    const rise = def.healthyThreshold ?? 2;
    assertPositiveInteger(`${name}.healthyThreshold`, rise);
    const fall = def.unhealthyThreshold ?? 3;
    assertPositiveInteger(`${name}.unhealthyThreshold`, fall);
    const jitterMs = def.jitterMs ?? 0;
    assertNonNegativeFinite(`${name}.jitterMs`, jitterMs);
    const initial = def.initialStatus ?? 'fail';
    if (initial !== 'pass' && initial !== 'warn' && initial !== 'fail')
      throw new TypeError(`Expected \`${name}.initialStatus\` to be "pass", "warn" or "fail", got ${describeValue(initial)}`);
    const critical = def.critical ?? true;
    if (typeof critical !== 'boolean') throw new TypeError(`Expected \`${name}.critical\` to be a boolean, got ${describeValue(critical)}`);
    const probes = def.probes ?? ['readiness'];
    if (!Array.isArray(probes) || probes.some((p) => !PROBE_KINDS.includes(p)))
      throw new TypeError(`Expected \`${name}.probes\` to be an array of "liveness", "readiness", "startup", got ${describeValue(probes)}`);
    for (const k of ['key', 'componentId', 'componentType'] as const) {
      const v = def[k];
      if (v !== undefined && typeof v !== 'string')
        throw new TypeError(`Expected \`${name}.${k}\` to be a string, got ${describeValue(v)}`);
    }
    const healthy = initial !== 'fail';
    const okStatus: HealthStatus = initial === 'warn' ? 'warn' : 'pass';
    const status: HealthStatus = healthy ? okStatus : critical ? 'fail' : 'warn';
    const componentId = def.componentId ?? name;
    const s: CheckState = {
      def,
      key: def.key ?? name,
      componentId,
      intervalMs,
      unhealthyIntervalMs,
      timeoutMs,
      jitterMs,
      critical,
      probes: [...probes],
      hysteresis: new Hysteresis(rise, fall, healthy),
      status,
      okStatus,
      entry: makeEntry(componentId, def.componentType, status, undefined, undefined, undefined, undefined),
      timer: undefined,
      deadline: undefined,
      inFlight: false,
      startedAt: 0,
      overdue: 0,
      controller: undefined,
      epoch: 0,
      runs: 0,
      removed: false,
    };
    this.#checks.set(name, s);
    this.#reindex();
    this.#revision++;
    this.#recomputeAggregate();
    if (this.#running) this.#schedule(s, 0);
  }

  /** Removes a check (aborting a run in flight). Returns false when there was none. */
  remove(name: string): boolean {
    const s = this.#checks.get(name);
    if (s === undefined) return false;
    s.removed = true;
    this.#halt(s);
    this.#checks.delete(name);
    this.#reindex();
    this.#revision++;
    this.#recomputeAggregate();
    return true;
  }

  /** Starts running every check (the first runs start at once). Idempotent. */
  start(): this {
    if (this.#running) return this;
    this.#running = true;
    // A run still pending from before stop() is evaluated after one slot, like a hung run.
    for (const s of this.#checks.values()) this.#schedule(s, s.inFlight ? this.#slot(s) : 0);
    return this;
  }

  /** Stops every check: cancels timers, aborts runs in flight and drops their results. Idempotent. */
  stop(): this {
    if (!this.#running) return this;
    this.#running = false;
    for (const s of this.#checks.values()) this.#halt(s);
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
   * True once every check taking part in readiness has been healthy at the same time (sticky: the
   * Kubernetes startup probe stops once it succeeds).
   */
  get started(): boolean {
    if (!this.#started && this.#statusOf('readiness') !== 'fail' && this.#statusOf('startup') !== 'fail') this.#started = true;
    return this.#started;
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
    const checks: Record<string, HealthCheckEntry[]> = {};
    const list = this.#list;
    const unique = this.#uniqueKeys;
    let worst = 0;
    for (let i = 0; i < list.length; i++) {
      const s = list[i] as CheckState;
      if (kind !== undefined && !s.probes.includes(kind)) continue;
      if (unique) checks[s.key] = [s.entry];
      else {
        const entries = checks[s.key];
        if (entries === undefined) checks[s.key] = [s.entry];
        else entries.push(s.entry);
      }
      const r = statusRank(s.status);
      if (r > worst) worst = r;
    }
    let status: HealthStatus = worst === 0 ? 'pass' : worst === 1 ? 'warn' : 'fail';
    if (kind === 'startup' && !this.started) status = 'fail';
    const m = this.#meta;
    // one fixed shape (absent fields are undefined and left out when serialised)
    return { status, version: m.version, releaseId: m.releaseId, serviceId: m.serviceId, description: m.description, checks };
  }

  #reindex(): void {
    this.#list = [...this.#checks.values()];
    this.#uniqueKeys = new Set(this.#list.map((s) => s.key)).size === this.#list.length;
  }

  #statusOf(kind: ProbeKind): HealthStatus {
    let worst = 0;
    for (const s of this.#checks.values()) {
      if (!s.probes.includes(kind)) continue;
      const r = statusRank(s.status);
      if (r > worst) worst = r;
    }
    return worst === 0 ? 'pass' : worst === 1 ? 'warn' : 'fail';
  }

  #halt(s: CheckState): void {
    s.epoch++;
    if (s.timer !== undefined) {
      this.#clock.clearTimeout(s.timer);
      s.timer = undefined;
    }
    if (s.deadline !== undefined) {
      this.#clock.clearTimeout(s.deadline);
      s.deadline = undefined;
    }
    s.controller?.abort(new Error('health monitor stopped'));
  }

  #schedule(s: CheckState, delayMs: number): void {
    s.timer = this.#clock.setTimeout(() => this.#run(s), delayMs);
  }

  /** Time after which a hung run is charged one more failure: one interval plus one deadline. */
  #slot(s: CheckState): number {
    return (s.hysteresis.healthy ? s.intervalMs : s.unhealthyIntervalMs) + s.timeoutMs;
  }

  #run(s: CheckState): void {
    s.timer = undefined;
    if (!this.#running || s.removed) return;
    if (s.inFlight) {
      // The previous run is still outstanding a whole slot later: one more failure, no second run.
      s.overdue++;
      const ms = this.#clock.now() - s.startedAt;
      this.#record(
        s,
        'fail',
        undefined,
        undefined,
        `health check ${JSON.stringify(s.def.name)} still running after ${ms} ms (timeout ${s.timeoutMs} ms)`,
        s.startedAt,
        true,
      );
      if (this.#running && !s.removed && s.inFlight) this.#schedule(s, this.#slot(s));
      return;
    }
    s.inFlight = true;
    s.overdue = 0;
    const epoch = s.epoch;
    const controller = new AbortController();
    s.controller = controller;
    const startedAt = this.#clock.now();
    s.startedAt = startedAt;
    let settled = false;
    const timeout = this.#clock.setTimeout(() => {
      if (s.deadline === timeout) s.deadline = undefined;
      if (settled) return;
      settled = true;
      const err = new TimeoutError(`health check ${JSON.stringify(s.def.name)} timed out after ${s.timeoutMs} ms`, s.timeoutMs);
      controller.abort(err);
      if (epoch !== s.epoch) return;
      this.#record(s, 'fail', undefined, undefined, err.message, startedAt, true);
      // Still pending (the check ignores its signal): evaluate it again one slot later.
      if (s.inFlight && this.#running && !s.removed && s.timer === undefined) {
        this.#schedule(s, this.#slot(s));
      }
    }, s.timeoutMs);
    s.deadline = timeout;
    let pending: Promise<unknown>;
    try {
      pending = Promise.resolve(s.def.check(controller.signal));
    } catch (e) {
      pending = Promise.reject(e);
    }
    pending
      .then(
        (value) => {
          if (settled) return;
          settled = true;
          this.#clearDeadline(s, timeout);
          if (epoch !== s.epoch) return;
          if (value === false) return this.#record(s, 'fail', undefined, undefined, 'check returned false', startedAt, false);
          if (typeof value === 'object' && value !== null) {
            const o = value as CheckOutcome;
            const st = o.status;
            if (st === undefined || st === 'pass' || st === 'warn' || st === 'fail')
              return this.#record(s, st ?? 'pass', o.observedValue, o.observedUnit, o.output, startedAt, false);
            const output = `check returned an invalid status ${describeValue(st)} (expected "pass", "warn" or "fail")`;
            return this.#record(s, 'fail', o.observedValue, o.observedUnit, output, startedAt, false);
          }
          this.#record(s, 'pass', undefined, undefined, undefined, startedAt, false);
        },
        (error: unknown) => {
          if (settled) return;
          settled = true;
          this.#clearDeadline(s, timeout);
          if (epoch !== s.epoch) return;
          const output = error instanceof Error ? error.message : String(error);
          this.#record(s, 'fail', undefined, undefined, output, startedAt, false);
        },
      )
      .finally(() => {
        s.inFlight = false;
        s.controller = undefined;
        if (s.timer !== undefined) {
          this.#clock.clearTimeout(s.timer);
          s.timer = undefined;
        }
        if (this.#running && !s.removed) {
          if (s.overdue > 0) this.#schedule(s, 0);
          else {
            const base = s.hysteresis.healthy ? s.intervalMs : s.unhealthyIntervalMs;
            this.#schedule(s, s.jitterMs > 0 ? base + this.#random() * s.jitterMs : base);
          }
        }
      });
  }

  #clearDeadline(s: CheckState, timeout: TimerHandle): void {
    this.#clock.clearTimeout(timeout);
    if (s.deadline === timeout) s.deadline = undefined;
  }

  #record(
    s: CheckState,
    raw: HealthStatus,
    observedValue: unknown,
    observedUnit: string | undefined,
    output: string | undefined,
    startedAt: number,
    timedOut: boolean,
  ): void {
    s.runs++;
    this.#revision++;
    const ok = raw !== 'fail';
    if (ok) s.okStatus = raw;
    s.hysteresis.observe(ok);
    const previous = s.status;
    const status: HealthStatus = s.hysteresis.healthy ? s.okStatus : s.critical ? 'fail' : 'warn';
    s.status = status;
    s.entry = makeEntry(
      s.componentId,
      s.def.componentType,
      status,
      new Date(this.#wallClock()).toISOString(),
      observedValue,
      observedUnit,
      output,
    );
    if (this.listenerCount('result') > 0) {
      const result: CheckRunResult = { name: s.def.name, status: raw, durationMs: this.#clock.now() - startedAt, timedOut };
      if (output !== undefined) result.output = output;
      this.emit('result', result);
    }
    if (status !== previous) this.emit('change', { name: s.def.name, status, previous, healthy: s.hysteresis.healthy });
    this.#recomputeAggregate();
  }

  #recomputeAggregate(): void {
    let worst = 0;
    for (const s of this.#checks.values()) {
      const r = statusRank(s.status);
      if (r > worst) worst = r;
    }
    const next: HealthStatus = worst === 0 ? 'pass' : worst === 1 ? 'warn' : 'fail';
    if (!this.#started && this.#list.length > 0) void this.started; // latch startup the moment readiness passes
    const previous = this.#status;
    if (next === previous) return;
    this.#status = next;
    this.emit('status', next, previous);
  }
}

function makeEntry(
  componentId: string,
  componentType: string | undefined,
  status: HealthStatus,
  time: string | undefined,
  observedValue: unknown,
  observedUnit: string | undefined,
  output: string | undefined,
): HealthCheckEntry {
  // One fixed shape for every entry (absent fields are left out when serialised).
  return Object.freeze({ componentId, componentType, status, time, observedValue, observedUnit, output });
}
