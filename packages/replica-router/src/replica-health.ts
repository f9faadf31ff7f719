import { type Clock, systemClock } from '@scaling/core';
import { assertClock, assertFunction, assertOptions, assertPositiveFinite, assertPositiveInteger } from '@scaling/core/internal';
import { HealthMonitor } from '@scaling/health';
import { assertLagFields } from './_replica-table.js';
import type { ReplicaEndpoint } from './replica-balancer.js';
import type { ReplicaRouter } from './replica-router.js';
import type { ReplicaState } from './replica-state.js';

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
 * reads (unreachable, promoted, not replicating) — the error's message becomes the replica's `detail`
 * in `states()`. `signal` is aborted when the probe runs past `timeoutMs`; the check fails then whether
 * or not the probe honours it, and the replica is not probed again until that probe settles.
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
  /** Time source (`now`, `setTimeout`, `clearTimeout`). Default `systemClock`. */
  clock?: Clock;
}

const KNOWN = ['probe', 'intervalMs', 'timeoutMs', 'healthyThreshold', 'unhealthyThreshold', 'monitor', 'clock'] as const;
const HINTS: Readonly<Record<string, string>> = {
  sr_check_period: 'use `intervalMs` (milliseconds; pgpool-II `sr_check_period` is in seconds)',
  health_check_period: 'use `intervalMs` (milliseconds; pgpool-II `health_check_period` is in seconds)',
  health_check_timeout: 'use `timeoutMs` (milliseconds)',
  interval: 'use `intervalMs` (milliseconds)',
  timeout: 'use `timeoutMs` (milliseconds)',
  rise: 'use `healthyThreshold`',
  fall: 'use `unhealthyThreshold`',
  check: 'use `probe`',
};

/** The outcome of one probe: what it measured, or why it failed. */
type ProbeOutcome = { result: ReplicaProbeResult; error?: undefined } | { result?: undefined; error: string };

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
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
  readonly #last: Array<ProbeOutcome | undefined>;
  /** The probe of each replica still running, if any (a probe that ignores its signal is not started twice). */
  readonly #inFlight: Array<Promise<ProbeOutcome> | undefined>;
  readonly #timeoutMs: number;
  readonly #clock: Clock;
  readonly #ownMonitor: boolean;
  readonly #onResult: (result: { name: string }) => void;

  /**
   * @param router - the router to feed (any {@link ReplicaRouter}, whatever its primary type).
   * @param options - the probe and its schedule.
   */
  constructor(router: ReplicaSink<R>, options: ReplicaHealthOptions<R>) {
    assertOptions('ReplicaHealth options', options, KNOWN, HINTS);
    const { probe, intervalMs = 1_000, timeoutMs = 2_000, healthyThreshold = 1, unhealthyThreshold = 1, clock = systemClock } = options;
    assertFunction('probe', probe);
    assertPositiveFinite('intervalMs', intervalMs);
    assertPositiveFinite('timeoutMs', timeoutMs);
    assertPositiveInteger('healthyThreshold', healthyThreshold);
    assertPositiveInteger('unhealthyThreshold', unhealthyThreshold);
    assertClock('clock', clock, ['setTimeout', 'clearTimeout']);
    this.#router = router;
    this.#probe = probe;
    this.#timeoutMs = timeoutMs;
    this.#clock = clock;
    this.#ownMonitor = options.monitor === undefined;
    this.monitor = options.monitor ?? new HealthMonitor({ clock });
    this.#names = router.replicas.map((r) => `replica:${r.id}`);
    this.#last = router.replicas.map(() => undefined);
    this.#inFlight = router.replicas.map(() => undefined);
    router.replicas.forEach((_replica, i) => {
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
          const outcome = await this.#probeBounded(i, signal);
          this.#last[i] = outcome;
          if (outcome.error !== undefined) throw new Error(outcome.error);
          return { status: 'pass', observedValue: outcome.result.lagMs, observedUnit: 'ms' };
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
      this.#router.replicas.map(async (_replica, i) => {
        const controller = new AbortController();
        this.#last[i] = await this.#probeBounded(i, controller.signal, controller);
        this.#report(i, this.monitor.isHealthy(this.#names[i] as string) !== false);
      }),
    );
    return this.#router.states();
  }

  /**
   * Probes replica `i`, settling within `timeoutMs` whether or not the probe honours its signal (the
   * signal is aborted then, through `controller` when given). A probe still running from an earlier
   * call is awaited instead of starting another, so a replica that accepts connections and never
   * answers does not pile up probes. Never rejects.
   */
  #probeBounded(i: number, signal: AbortSignal, controller?: AbortController): Promise<ProbeOutcome> {
    let running = this.#inFlight[i];
    if (running === undefined) {
      const replica = this.#router.replicas[i] as R;
      let started: Promise<ReplicaProbeResult>;
      try {
        started = Promise.resolve(this.#probe(replica, signal));
      } catch (e) {
        started = Promise.reject(e);
      }
      const settled = started.then(
        (result): ProbeOutcome => {
          try {
            assertLagFields(result); // a bad probe result fails the check instead of breaking the router
          } catch (e) {
            return { error: `bad probe result: ${messageOf(e)}` };
          }
          return { result };
        },
        (e: unknown): ProbeOutcome => ({ error: messageOf(e) }),
      );
      running = settled;
      this.#inFlight[i] = settled;
      void settled.then(() => {
        if (this.#inFlight[i] === settled) this.#inFlight[i] = undefined;
      });
    }
    const timeoutMs = this.#timeoutMs;
    return new Promise<ProbeOutcome>((resolve) => {
      const timer = this.#clock.setTimeout(() => {
        controller?.abort(new Error(`probe timed out after ${timeoutMs} ms`));
        resolve({ error: `probe timed out after ${timeoutMs} ms` });
      }, timeoutMs);
      void (running as Promise<ProbeOutcome>).then((outcome) => {
        this.#clock.clearTimeout(timer);
        resolve(outcome);
      });
    });
  }

  #report(i: number, healthy: boolean): void {
    const id = (this.#router.replicas[i] as R).id;
    const last = this.#last[i];
    // a failed probe takes the replica out of routing at once (whatever the fall threshold says for the
    // health report): it cannot serve reads now, and its lag and position are unknown
    if (last === undefined || last.error !== undefined) {
      this.#router.report(id, { healthy: false, detail: last?.error ?? 'not probed yet' });
      return;
    }
    const result = last.result;
    this.#router.report(id, {
      healthy,
      ...(healthy ? {} : { detail: 'failing its health check (rise threshold not reached)' }),
      ...(result.lagMs === undefined ? {} : { lagMs: result.lagMs }),
      ...(result.lagBytes === undefined ? {} : { lagBytes: result.lagBytes }),
      ...(result.position === undefined ? {} : { position: result.position }),
    });
  }
}
