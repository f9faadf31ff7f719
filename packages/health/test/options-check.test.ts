// Options from the libraries people migrate from are never silently ignored (issue 13, point 18): every
// options object of @scaling/health rejects an unknown key with a TypeError naming it, with a hint where
// terminus, lightship, stoppable, http-terminator, Envoy or Kubernetes use another name.
import { ManualClock } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import {
  createHealthHandler,
  GracefulShutdown,
  HealthMonitor,
  httpProbe,
  OutlierDetector,
  pgProbe,
  redisProbe,
  tcpProbe,
} from '../src/index.js';

const target = { setHealthy: () => {} };
const check = () => true;
const noSignals = { signals: [], exit: false } as const;

/** Every options object: a builder that passes `extra` into it. */
const OPTION_OBJECTS: Record<string, (extra: Record<string, unknown>) => unknown> = {
  'HealthMonitor options': (x) => new HealthMonitor({ ...x }),
  'health check definition': (x) => new HealthMonitor({ checks: [{ name: 'c', check, ...x }] }),
  'createHealthHandler options': (x) => createHealthHandler({ ...x }),
  'createHealthHandler paths': (x) => createHealthHandler({ paths: { ...x } }),
  'GracefulShutdown options': (x) => new GracefulShutdown({ ...noSignals, ...x }).dispose(),
  'GracefulShutdown.addHook options': (x) => new GracefulShutdown({ ...noSignals }).addHook(() => {}, { ...x }),
  'OutlierDetector options': (x) => new OutlierDetector({ target, clock: new ManualClock(), ...x }).stop(),
  'OutlierDetector successRate': (x) => new OutlierDetector({ target, clock: new ManualClock(), successRate: { ...x } }).stop(),
  'OutlierDetector failurePercentage': (x) => new OutlierDetector({ target, clock: new ManualClock(), failurePercentage: { ...x } }).stop(),
  'httpProbe options': (x) => httpProbe({ url: 'http://127.0.0.1/', ...x }),
  'tcpProbe options': (x) => tcpProbe({ host: '127.0.0.1', port: 1, ...x }),
  'pgProbe options': (x) => pgProbe({ query: async () => undefined }, { ...x }),
  'redisProbe options': (x) => redisProbe({ ping: async () => 'PONG' }, { ...x }),
};

describe('every options object rejects unknown keys', () => {
  for (const [name, build] of Object.entries(OPTION_OBJECTS)) {
    it(`${name}: the valid object is accepted, an unknown key is a TypeError naming it`, () => {
      expect(() => build({})).not.toThrow();
      expect(() => build({ bogusOption: 1 })).toThrow(TypeError);
      expect(() => build({ bogusOption: 1 })).toThrow(/Unknown option `bogusOption`/);
    });
  }

  const HINTS: [string, Record<string, unknown>, RegExp][] = [
    ['createHealthHandler paths', { healthz: '/healthz' }, /`healthz`.*liveness: "\/healthz"/],
    ['createHealthHandler options', { healthChecks: {} }, /`healthChecks`.*use `monitor`/],
    ['health check definition', { interval: 1_000 }, /`interval`.*use `intervalMs`/],
    ['health check definition', { rise: 2 }, /`rise`.*use `healthyThreshold`/],
    ['health check definition', { failureThreshold: 3 }, /`failureThreshold`.*use `unhealthyThreshold`/],
    ['GracefulShutdown options', { timeout: 1_000 }, /`timeout`.*use `drainTimeoutMs` \(terminus/],
    ['GracefulShutdown options', { beforeShutdown: () => {} }, /`beforeShutdown`.*use `delayMs`/],
    ['GracefulShutdown options', { onSignal: () => {} }, /`onSignal`.*addHook/],
    ['GracefulShutdown options', { shutdownDelay: 5_000 }, /`shutdownDelay`.*use `delayMs` \(lightship/],
    ['GracefulShutdown options', { gracefulShutdownTimeout: 5_000 }, /lightship `gracefulShutdownTimeout`/],
    ['GracefulShutdown options', { grace: 5_000 }, /stoppable `grace`/],
    ['GracefulShutdown options', { gracefulTerminationTimeout: 5_000 }, /http-terminator/],
    ['OutlierDetector options', { consecutive_5xx: 5 }, /`consecutive_5xx`.*use `consecutiveFailures`/],
    ['OutlierDetector options', { baseEjectionTime: 30_000 }, /use `baseEjectionTimeMs`/],
    ['OutlierDetector options', { success_rate_stdev_factor: 1900 }, /use `successRate.stdevFactor`/],
    ['httpProbe options', { timeout: 100 }, /`timeout`.*use `timeoutMs`/],
    ['pgProbe options', { timeoutMs: 100 }, /set `timeoutMs` on the check/],
  ];
  for (const [name, extra, hint] of HINTS) {
    it(`${name}: \`${Object.keys(extra)[0]}\` gets a hint`, () => {
      expect(() => (OPTION_OBJECTS[name] as (x: Record<string, unknown>) => unknown)(extra)).toThrow(hint);
    });
  }

  it('options that are not objects are TypeErrors naming `options`', () => {
    expect(() => new GracefulShutdown(5 as never)).toThrow(/Expected `options` of GracefulShutdown options to be an object/);
    expect(() => new OutlierDetector(null as never)).toThrow(/Expected `options` of OutlierDetector options/);
    expect(() => createHealthHandler('x' as never)).toThrow(TypeError);
    expect(() => httpProbe([] as never)).toThrow(TypeError);
  });
});
