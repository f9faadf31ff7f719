import { describe, expect, it } from 'vitest';
import type { StatsRegistrationOptions } from '../src/index.js';
import { assertBucketBoundaries, assertGaugeFields, assertStatsRegistrationOptions, assertStatsSource } from '../src/internal.js';

describe("the adapters' shared argument checks (core/internal)", () => {
  it('semanticConventions: a copy of the accepted names, {} when absent', () => {
    const options: StatsRegistrationOptions = { semanticConventions: { queryDuration: 'db.client.operation.duration' } };
    const out = assertStatsRegistrationOptions(options);
    expect(out).toEqual({ queryDuration: 'db.client.operation.duration' });
    expect(out).not.toBe(options.semanticConventions);
    expect(assertStatsRegistrationOptions(undefined)).toEqual({});
    expect(assertStatsRegistrationOptions({})).toEqual({});
  });

  it('new-user review, 2026-12: http.client.request.duration lacks method/status — refused with the reason and the alternative', () => {
    const http = { semanticConventions: { 'endpoints.*.requestDuration': 'http.client.request.duration' as never } };
    expect(() => assertStatsRegistrationOptions(http)).toThrow(TypeError);
    expect(() => assertStatsRegistrationOptions(http)).toThrow(
      /semanticConventions\.endpoints\.\*\.requestDuration.*http\.request\.method and http\.response\.status_code.*recordHttpClientMetrics/,
    );
  });

  it('other bad input fails naming it (no prototype name is taken for a reason)', () => {
    expect(() => assertStatsRegistrationOptions({ semanticConventions: { d: 'toString' as never } })).toThrow(
      /^Expected `semanticConventions\.d` to be one of db\.client\.operation\.duration, got "toString"$/,
    );
    expect(() => assertStatsRegistrationOptions({ semanticConventions: 'db' as never })).toThrow(/`semanticConventions`/);
    expect(() => assertStatsRegistrationOptions({ semconv: {} } as never)).toThrow(/Unknown option `semconv`/);
    expect(() => assertStatsSource({})).toThrow(/stats\(\)/);
    expect(() => assertStatsSource({ stats: () => ({}) })).not.toThrow();
    expect(assertGaugeFields(undefined)).toEqual([]);
    expect(() => assertGaugeFields(['a', 1])).toThrow(/`gauges`/);
    expect(assertBucketBoundaries('buckets', [0.1, 1])).toEqual([0.1, 1]);
    expect(assertBucketBoundaries('buckets', undefined).length).toBeGreaterThan(10);
    expect(() => assertBucketBoundaries('boundaries', [1, 1])).toThrow(/`boundaries`/);
    expect(() => assertBucketBoundaries('buckets', [0, Number.POSITIVE_INFINITY])).toThrow(/`buckets`/);
  });
});
