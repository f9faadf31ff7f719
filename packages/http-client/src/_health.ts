// Endpoint health of a balanced dispatcher: passive outlier detection (`@scaling/health` `OutlierDetector`)
// and optional active health checks (`HealthMonitor` running one `httpProbe` per endpoint), combined by
// `combineHealth` so the balancer picks an endpoint only while both let it (Envoy's rule). Their
// eject/return decisions become the dispatcher's `ejected`/`returned` events and the members' `ejections`
// counters; the `healthy`/`ejected` gauges of `stats()` are read here.
import type { Emitter } from '@scaling/core/internal';
import { type CombinedHealth, combineHealth, HealthMonitor, httpProbe, OutlierDetector } from '@scaling/health';
import type { LoadBalancer } from '@scaling/load-balancer';
import { CHECKS, type HealthCheckSettings, OUTLIERS } from './_options.js';
import type { OutlierSettings } from './_outlier-options.js';
import type { Member } from './_shared.js';
import type { BalancedDispatcherEvents, HttpEndpoint } from './types.js';

/** The health state of a dispatcher's endpoints: outlier detection and active checks, kept in step with the members. */
export class EndpointHealth {
  /** Outlier detection, or `undefined` when off (the exchanges ask it on every pick and report outcomes to it). */
  readonly detector: OutlierDetector | undefined;
  readonly #health: CombinedHealth;
  readonly #monitor: HealthMonitor | undefined;
  readonly #check: HealthCheckSettings | undefined;
  /** Endpoints the active health check holds out of rotation. */
  readonly #down = new Set<string>();

  /**
   * @param balancer - the dispatcher's balancer, whose endpoints' health is set.
   * @param od - validated outlier detection options, or `false` for none.
   * @param check - validated health-check settings, or `undefined` for none.
   * @param members - the dispatcher's members (counted and consulted by id).
   * @param events - the dispatcher's emitter (`ejected`, `returned`).
   */
  constructor(
    balancer: LoadBalancer<HttpEndpoint>,
    od: OutlierSettings,
    check: HealthCheckSettings | undefined,
    members: ReadonlyMap<string, Member>,
    events: Emitter<BalancedDispatcherEvents>,
  ) {
    this.#check = check;
    this.#health = combineHealth(balancer);
    this.detector = od === false ? undefined : new OutlierDetector({ ...od, target: this.#health.source(OUTLIERS) });
    if (this.detector !== undefined) {
      this.detector.on('eject', (e) => {
        const m = members.get(e.id);
        if (m !== undefined) m.ejections++;
        if (events.wants('ejected')) events.emit('ejected', { origin: e.id, source: OUTLIERS, reason: e.reason });
      });
      this.detector.on('return', (e) => {
        if (events.wants('returned')) events.emit('returned', { origin: e.id, source: OUTLIERS });
      });
    }
    if (check !== undefined) {
      const monitor = new HealthMonitor();
      const active = this.#health.source(CHECKS);
      const lastOutput = new Map<string, string>();
      monitor.on('result', (r) => {
        if (r.status === 'fail') lastOutput.set(r.name, r.output ?? 'health check failed');
      });
      monitor.on('change', ({ name, healthy }) => {
        if (!members.has(name) || this.#down.has(name) !== healthy) return;
        if (healthy) this.#down.delete(name);
        else this.#down.add(name);
        active.setHealthy(name, healthy);
        if (!healthy) (members.get(name) as Member).ejections++;
        if (healthy) events.emit('returned', { origin: name, source: CHECKS });
        else events.emit('ejected', { origin: name, source: CHECKS, reason: lastOutput.get(name) ?? 'health check failed' });
      });
      this.#monitor = monitor;
    }
  }

  /** Starts tracking an endpoint that just joined (after the balancer added it): outlier state, and its health check. */
  add(e: HttpEndpoint): void {
    this.detector?.add(e.id);
    const check = this.#check;
    if (this.#monitor !== undefined && check !== undefined) {
      this.#monitor.add({
        name: e.id,
        check: httpProbe({
          url: `${e.origin}${check.path}`,
          method: check.method,
          expectStatus: check.expectStatus,
          timeoutMs: check.timeoutMs,
          ...(check.headers === undefined ? {} : { headers: check.headers }),
        }),
        intervalMs: check.intervalMs,
        ...(check.unhealthyIntervalMs === undefined ? {} : { unhealthyIntervalMs: check.unhealthyIntervalMs }),
        timeoutMs: check.timeoutMs,
        unhealthyThreshold: check.unhealthyThreshold,
        healthyThreshold: check.healthyThreshold,
        jitterMs: check.jitterMs,
        initialStatus: 'pass',
      });
    }
  }

  /** Forgets an endpoint that left (after the balancer removed it): its outlier state, health check and verdicts. */
  remove(id: string): void {
    this.detector?.remove(id);
    this.#monitor?.remove(id);
    this.#health.forget(id);
    this.#down.delete(id);
  }

  /** Whether the active health check of `id` passes (`true` without health checks); the `healthy` gauge. */
  isHealthy(id: string): boolean {
    return this.#monitor?.isHealthy(id) ?? true;
  }

  /** Whether `id` is out of rotation: ejected or on probation by outlier detection, or failing its health check. */
  isEjected(id: string): boolean {
    const state = this.detector?.stateOf(id);
    return (state !== undefined && state !== 'healthy') || this.#down.has(id);
  }

  /** Starts the health checks (no-op without them). */
  start(): void {
    this.#monitor?.start();
  }

  /** Stops the health checks and outlier detection. */
  stop(): void {
    this.#monitor?.stop();
    this.detector?.stop();
  }
}
