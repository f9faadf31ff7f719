/**
 * One balancer, several health sources: an endpoint is healthy only while every source says so.
 */
import { describeValue } from '@scaling/core/internal';
import type { OutlierTarget } from './outlier-options.js';

/** What {@link combineHealth} drives: anything with `setHealthy(id, healthy)`, such as a `LoadBalancer`. */
export type HealthTarget = OutlierTarget;

/** The combined view returned by {@link combineHealth}. */
export interface CombinedHealth {
  /**
   * The target of one named source (`'active'`, `'outliers'`, …): give it to an `OutlierDetector` as its
   * `target`, or call its `setHealthy(id, healthy)` from a `HealthMonitor` `change` listener. The same
   * name always returns the same source. Up to 31 sources.
   * @throws {TypeError} when `name` is not a non-empty string; {@link RangeError} past 31 sources.
   */
  source(name: string): HealthTarget;
  /** True while no source holds `id` down (also for ids no source has mentioned). */
  isHealthy(id: string): boolean;
  /** The sources that hold `id` down, in the order they were created. */
  downVotes(id: string): string[];
  /** Forgets `id` (e.g. when the endpoint is removed from the balancer); the target is not called. */
  forget(id: string): void;
}

/**
 * ANDs health sources per endpoint in front of one target, so that active checks and outlier detection
 * no longer overwrite each other (the outlier detector's probation putting back an endpoint the active
 * check holds down, or a passing check putting back an ejected one). Each source reports through its own
 * `setHealthy(id, healthy)`; the target hears `setHealthy(id, false)` when the first source holds an
 * endpoint down and `setHealthy(id, true)` only when the last one lets it go — never a repeat of the
 * state it already has. Every endpoint starts healthy in every source (the target's own starting state).
 *
 * Envoy does the same: a host is routed to only while neither active health checking nor outlier
 * detection has it marked down (`HealthFlag`s are independent bits of one host).
 *
 * @throws {TypeError} when `target` has no `setHealthy(id, healthy)` method.
 * @example
 * ```ts
 * import { combineHealth, HealthMonitor, httpProbe, OutlierDetector } from '@scaling/health';
 * const balancer = { setHealthy: (id: string, healthy: boolean) => console.log(id, healthy) };
 * const health = combineHealth(balancer);
 * const active = health.source('active');
 * const detector = new OutlierDetector({ target: health.source('outliers'), endpoints: ['a', 'b'] });
 * const monitor = new HealthMonitor({ checks: [{ name: 'a', check: httpProbe({ url: 'http://10.0.0.1/healthz' }) }] });
 * monitor.on('change', ({ name, healthy }) => active.setHealthy(name, healthy));
 * ```
 */
export function combineHealth(target: HealthTarget): CombinedHealth {
  if (typeof target !== 'object' || target === null || typeof target.setHealthy !== 'function')
    throw new TypeError(`Expected \`target\` to have a setHealthy(id, healthy) method, got ${describeValue(target)}`);
  /** Per endpoint: one bit per source that holds it down. */
  const down = new Map<string, number>();
  const names: string[] = [];
  const sources = new Map<string, HealthTarget>();

  const vote = (bit: number, id: string, healthy: boolean): void => {
    const before = down.get(id) ?? 0;
    const after = healthy ? before & ~bit : before | bit;
    if (after === before) return;
    if (after === 0) down.delete(id);
    else down.set(id, after);
    // Only a change of the AND reaches the target.
    if ((before === 0) !== (after === 0)) target.setHealthy(id, after === 0);
  };

  return {
    source(name: string): HealthTarget {
      if (typeof name !== 'string' || name === '')
        throw new TypeError(`Expected \`name\` to be a non-empty string, got ${describeValue(name)}`);
      const known = sources.get(name);
      if (known !== undefined) return known;
      if (names.length === 31) throw new RangeError(`Expected at most 31 health sources, got a 32nd (${JSON.stringify(name)})`);
      const bit = 1 << names.length;
      names.push(name);
      const src: HealthTarget = {
        setHealthy(id: string, healthy: boolean): void {
          if (typeof id !== 'string') throw new TypeError(`Expected \`id\` to be a string, got ${describeValue(id)}`);
          vote(bit, id, healthy === true);
        },
      };
      sources.set(name, src);
      return src;
    },
    isHealthy: (id) => (down.get(id) ?? 0) === 0,
    downVotes(id) {
      const mask = down.get(id) ?? 0;
      return names.filter((_, i) => (mask & (1 << i)) !== 0);
    },
    forget(id) {
      down.delete(id);
    },
  };
}
