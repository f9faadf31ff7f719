/**
 * Check normalisation: a user's {@link HealthCheckDefinition} checked once and turned into a
 * {@link CheckConfig} with every default filled in.
 */
import {
  assertBoolean,
  assertFunction,
  assertNonNegativeFinite,
  assertOptions,
  assertPositiveFinite,
  assertPositiveInteger,
  describeValue,
} from '@scaling/core/internal';
import type { CheckFunction, HealthCheckDefinition } from './health-check.js';
import type { HealthStatus, ProbeKind } from './health-report.js';

/** A check definition with its defaults applied. @internal */
export interface CheckConfig {
  readonly name: string;
  readonly check: CheckFunction;
  readonly key: string;
  readonly componentId: string;
  readonly componentType: string | undefined;
  readonly intervalMs: number;
  readonly unhealthyIntervalMs: number;
  readonly timeoutMs: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
  readonly jitterMs: number;
  readonly initialStatus: HealthStatus;
  readonly critical: boolean;
  readonly probes: readonly ProbeKind[];
}

const PROBE_KINDS: readonly ProbeKind[] = ['liveness', 'readiness', 'startup'];

const CHECK_KEYS = [
  'name',
  'check',
  'key',
  'componentId',
  'componentType',
  'intervalMs',
  'unhealthyIntervalMs',
  'timeoutMs',
  'healthyThreshold',
  'unhealthyThreshold',
  'jitterMs',
  'initialStatus',
  'critical',
  'probes',
];

/** Names users bring from HAProxy, Envoy, Kubernetes probes and other Node health libraries. */
const CHECK_HINTS: Record<string, string> = {
  interval: 'use `intervalMs` (milliseconds)',
  periodSeconds: 'use `intervalMs` (milliseconds)',
  timeout: 'use `timeoutMs` (milliseconds)',
  timeoutSeconds: 'use `timeoutMs` (milliseconds)',
  rise: 'use `healthyThreshold`',
  fall: 'use `unhealthyThreshold`',
  successThreshold: 'use `healthyThreshold`',
  failureThreshold: 'use `unhealthyThreshold`',
  healthy_threshold: 'use `healthyThreshold`',
  unhealthy_threshold: 'use `unhealthyThreshold`',
  jitter: 'use `jitterMs` (milliseconds)',
  fn: 'use `check`',
  handler: 'use `check`',
  type: 'use `componentType`',
};

/**
 * Checks a definition and fills in its defaults.
 * @throws {TypeError}/{@link RangeError} naming the bad field (`<name>.<field>`); `TypeError` on an unknown key.
 * @internal
 */
export function normaliseCheck(def: HealthCheckDefinition): CheckConfig {
  if (typeof def !== 'object' || def === null) throw new TypeError(`Expected \`check\` to be an object, got ${describeValue(def)}`);
  const { name } = def;
  if (typeof name !== 'string' || name === '')
    throw new TypeError(`Expected \`name\` to be a non-empty string, got ${describeValue(name)}`);
  assertOptions(`health check ${JSON.stringify(name)}`, def, CHECK_KEYS, CHECK_HINTS);
  assertFunction(`${name}.check`, def.check);
  const intervalMs = def.intervalMs ?? 10_000;
  assertPositiveFinite(`${name}.intervalMs`, intervalMs);
  const unhealthyIntervalMs = def.unhealthyIntervalMs ?? intervalMs;
  assertPositiveFinite(`${name}.unhealthyIntervalMs`, unhealthyIntervalMs);
  const timeoutMs = def.timeoutMs ?? 5_000;
  assertPositiveFinite(`${name}.timeoutMs`, timeoutMs);
  const healthyThreshold = def.healthyThreshold ?? 2;
  assertPositiveInteger(`${name}.healthyThreshold`, healthyThreshold);
  const unhealthyThreshold = def.unhealthyThreshold ?? 3;
  assertPositiveInteger(`${name}.unhealthyThreshold`, unhealthyThreshold);
  const jitterMs = def.jitterMs ?? 0;
  assertNonNegativeFinite(`${name}.jitterMs`, jitterMs);
  const initialStatus = def.initialStatus ?? 'fail';
  if (initialStatus !== 'pass' && initialStatus !== 'warn' && initialStatus !== 'fail')
    throw new TypeError(`Expected \`${name}.initialStatus\` to be "pass", "warn" or "fail", got ${describeValue(initialStatus)}`);
  const critical = def.critical ?? true;
  assertBoolean(`${name}.critical`, critical);
  const probes = def.probes ?? ['readiness'];
  if (!Array.isArray(probes) || probes.some((p) => !PROBE_KINDS.includes(p)))
    throw new TypeError(`Expected \`${name}.probes\` to be an array of "liveness", "readiness", "startup", got ${describeValue(probes)}`);
  for (const k of ['key', 'componentId', 'componentType'] as const) {
    const v = def[k];
    if (v !== undefined && typeof v !== 'string') throw new TypeError(`Expected \`${name}.${k}\` to be a string, got ${describeValue(v)}`);
  }
  return {
    name,
    check: def.check,
    key: def.key ?? name,
    componentId: def.componentId ?? name,
    componentType: def.componentType,
    intervalMs,
    unhealthyIntervalMs,
    timeoutMs,
    healthyThreshold,
    unhealthyThreshold,
    jitterMs,
    initialStatus,
    critical,
    probes: [...probes],
  };
}
