// The demos' default report path: a file of its own per run (fleet demo runs at the same time used to write
// one fixed /tmp/scaling-gateway-demo/fleet.html and overwrite each other's report).
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runReportPath } from '../examples/gateway/src/report-path.js';

describe('demo report path', () => {
  it('new-user review, 2026-12 (the demo wrote its report to a fixed path): two runs at once get two report paths (time and pid in the name)', () => {
    const at = new Date(Date.UTC(2026, 11, 6, 7, 15, 2, 345));
    expect(runReportPath('fleet', at, 4242)).toBe(join(tmpdir(), 'scaling-gateway-demo', 'fleet-20261206-071502-4242.html'));
    expect(runReportPath('fleet', at, 4243)).not.toBe(runReportPath('fleet', at, 4242));
    expect(runReportPath('fleet', new Date(at.getTime() + 1000), 4242)).not.toBe(runReportPath('fleet', at, 4242));
    expect(runReportPath('demo-p2c', at, 1, '/r')).toBe(join('/r', 'demo-p2c-20261206-071502-1.html'));
  });
});
