import { type Clock, systemClock } from '@scaling/core';
import { assertFunction, assertPositiveFinite, assertPositiveInteger, describeValue } from '@scaling/core/internal';
import { HealthMonitor } from '@scaling/health';
import { assertLagFields } from './_sample.js';
import type { ReplicaEndpoint } from './replica-balancer.js';
import type { ReplicaRouter, ReplicaState } from './replica-router.js';

/** The part of a {@link ReplicaRouter} that {@link ReplicaHealth} feeds. */
export type ReplicaSink<R extends ReplicaEndpoint> = Pick<ReplicaRouter<unknown, R>, 'replicas' | 'report' | 'states'>;

/** What one probe of a replica measured (any field may be unknown). */
export interface ReplicaProbeResult {
  /** Replication lag in milliseconds (0 when caught up). */
  lagMs?: number;
  /** Replication lag in bytes. */
  lagBytes?: number;
  /** Position the replica has replayed up to. */
  position?: number;
}

/**
 * Measures one replica. Resolve with what it measured; throw (or reject) when the replica cannot serve
 * reads (unreachable, promoted, not replicating). `signal` is aborted when the probe runs past
 * `timeoutMs`.
 */
export type ReplicaProbe<R extends ReplicaEndpoint> = (replica: R, signal: AbortSignal) => Promise<ReplicaProbeResult>;

/** Options of {@link ReplicaHealth}. All times in milliseconds. */
export interface ReplicaHealthOptions<R extends ReplicaEndpoint> {
  /** The probe run for each replica. */
  probe: ReplicaProbe<R>;
  /** Time between the end of one probe and the start of the next. Default 1,000 ms. */
  intervalMs?: number;
  /** A probe running longer fails (and its signal is aborted). Default 2,000 ms. */
  timeoutMs?: number;
  /** Consecutive passing probes before a replica that was down is healthy again (rise). Default 1. */
  healthyThreshold?: number;
  /** Consecutive failing probes before the check reports unhealthy in the monitor's health report (fall). Routing drops a replica at its first failed probe. Default 1. */
  unhealthyThreshold?: number;
  /** Add the checks to this monitor (e.g. the application's, so replicas show in its health report) instead of a new one. */
  monitor?: HealthMonitor;
  /** Time source for a new monitor. Default `systemClock`. */
  clock?: Clock;
}

/**
 * Tracks the health and lag of a router's replicas with `@scaling/health` checks: one check per replica
 * (named `replica:<id>`) runs `probe` every `intervalMs` with rise/fall hysteresis (HAProxy/Envoy style,
 * via `HealthMonitor`), and after each run the router gets a fresh sample: healthy by the hysteresis,
 * lag and position from the probe. A failed probe takes the replica out of routing at once (its lag is
 * unknown); coming back takes `healthyThreshold` passing probes. The router applies each sample to
 * every later routing decision.
 *
 * @throws {TypeError}/{@link RangeError} on a bad option, naming it.
 * @example
 * ```ts
 * import { ReplicaHealth, ReplicaRouter } from '@scaling/replica-router';
 * const router = new ReplicaRouter({ primary: 'primary', replicas: [{ id: 'r1' }] });
 * const health = new ReplicaHealth(router, {
 *   probe: async () => ({ lagMs: 12, lagBytes: 0, position: 4_096 }),
 *   intervalMs: 1_000,
 * }).start();
 * await health.checkNow();
 * console.log(router.states()[0]?.eligible); // true
 * health.stop();
 * ```
 */
export class ReplicaHealth<R extends ReplicaEndpoint> {
  /** The monitor running the checks (its `report()` lists every replica as `replica:<id>`). */
  readonly monitor: HealthMonitor;
  readonly #router: ReplicaSink<R>;
  readonly #probe: ReplicaProbe<R>;
  readonly #names: string[];
  readonly #byName = new Map<string, number>();
  readonly #last: Array<ReplicaProbeResult | undefined>;
  readonly #timeoutMs: number;
  readonly #clock: Clock;
  readonly #ownMonitor: boolean;
  readonly #onResult: (result: { name: string }) => void;

  /**
   * @param router - the router to feed (any {@link ReplicaRouter}, whatever its primary type).
   * @param options - the probe and its schedule.
   */
  constructor(router: ReplicaSink<R>, options: ReplicaHealthOptions<R>) {
    if (typeof options !== 'object' || options === null)
      throw new TypeError(`Expected \`options\` to be an object, got ${describeValue(options)}`);
    const { probe, intervalMs = 1_000, timeoutMs = 2_000, healthyThreshold = 1, unhealthyThreshold = 1, clock = systemClock } = options;
    assertFunction('probe', probe);
    assertPositiveFinite('intervalMs', intervalMs);
    assertPositiveFinite('timeoutMs', timeoutMs);
    assertPositiveInteger('healthyThreshold', healthyThreshold);
    assertPositiveInteger('unhealthyThreshold', unhealthyThreshold);
    this.#router = router;
    this.#probe = probe;
    this.#timeoutMs = timeoutMs;
    this.#clock = clock;
    this.#ownMonitor = options.monitor === undefined;
    this.monitor = options.monitor ?? new HealthMonitor({ clock });
    this.#names = router.replicas.map((r) => `replica:${r.id}`);
    this.#last = router.replicas.map(() => undefined);
    router.replicas.forEach((replica, i) => {
      const name = this.#names[i] as string;
      this.#byName.set(name, i);
      this.monitor.add({
        name,
        componentType: 'datastore',
        // a replica that lags starts healthy: eligibility still needs a fresh sample within the lag limits
        initialStatus: 'pass',
        intervalMs,
        timeoutMs,
        healthyThreshold,
        unhealthyThreshold,
        critical: false,
        check: async (signal) => {
          this.#last[i] = undefined;
          const result = await this.#probe(replica, signal);
          assertLagFields(result); // a bad probe result fails the check instead of breaking the router
          this.#last[i] = result;
          return { status: 'pass', observedValue: result.lagMs, observedUnit: 'ms' };
        },
      });
    });
    this.#onResult = (result) => {
      const i = this.#byName.get(result.name);
      if (i !== undefined) this.#report(i, this.monitor.isHealthy(result.name) === true);
    };
    this.monitor.on('result', this.#onResult);
  }

  /** Start the periodic checks (the first run of each starts at once). Returns `this`. */
  start(): this {
    this.monitor.start();
    return this;
  }

  /** Stop the checks (removes them from a monitor that was passed in). */
  stop(): void {
    this.monitor.off('result', this.#onResult);
    if (this.#ownMonitor) this.monitor.stop();
    else for (const name of this.#names) this.monitor.remove(name);
  }

  /**
   * Probe every replica now, outside the schedule (after a write a session is waiting on, or in tests),
   * and report to the router. The hysteresis state is left to the scheduled checks: a replica they
   * consider down stays down.
   */
  async checkNow(): Promise<ReplicaState[]> {
    await Promise.all(
      this.#router.replicas.map(async (replica, i) => {
        const controller = new AbortController();
        const timer = this.#clock.setTimeout(() => controller.abort(new Error('probe timed out')), this.#timeoutMs);
        try {
          const result = await this.#probe(replica, controller.signal);
          assertLagFields(result);
          this.#last[i] = result;
        } catch {
          this.#last[i] = undefined;
        } finally {
          this.#clock.clearTimeout(timer);
        }
        this.#report(i, this.monitor.isHealthy(this.#names[i] as string) !== false);
      }),
    );
    return this.#router.states();
  }

  #report(i: number, healthy: boolean): void {
    const id = (this.#router.replicas[i] as R).id;
    const last = this.#last[i];
    // a failed probe takes the replica out of routing at once (whatever the fall threshold says for the
    // health report): it cannot serve reads now, and its lag and position are unknown
    if (last === undefined) {
      this.#router.report(id, { healthy: false });
      return;
    }
    this.#router.report(id, {
      healthy,
      ...(last.lagMs === undefined ? {} : { lagMs: last.lagMs }),
      ...(last.lagBytes === undefined ? {} : { lagBytes: last.lagBytes }),
      ...(last.position === undefined ? {} : { position: last.position }),
    });
  }
}
