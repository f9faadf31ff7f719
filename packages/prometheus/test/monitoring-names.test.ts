// Every metric name used by docs/monitoring/alerts.yml and grafana-dashboard.json is one that
// StatsCollector exports for the documented stats() shapes (fixtures/documented-shapes.ts).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { StatsCollector } from '../src/index.js';
import { registerDocumentedShapes } from './fixtures/documented-shapes.js';

const monitoring = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs', 'monitoring');

/** The `expr:` values of a Prometheus rules file (one-line and `|` blocks). */
function ruleExprs(yaml: string): string[] {
  const lines = yaml.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)expr:\s*(.*)$/.exec(lines[i] as string);
    if (m === null) continue;
    if (m[2] !== '|' && m[2] !== '>') {
      out.push(m[2] as string);
      continue;
    }
    const indent = (m[1] as string).length;
    const body: string[] = [];
    while (
      i + 1 < lines.length &&
      ((lines[i + 1] as string).trim() === '' || (lines[i + 1] as string).length - (lines[i + 1] as string).trimStart().length > indent)
    )
      body.push(lines[++i] as string);
    out.push(body.join('\n'));
  }
  return out;
}

function dashboardExprs(dashboard: { panels: { targets?: { expr: string }[]; panels?: unknown[] }[] }): string[] {
  return dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
}

/** Metric names an expr reads: bare names, and each alternative of a `__name__=~"…(a|b)…"` matcher. */
function referencedNames(expr: string): { names: string[]; patterns: RegExp[] } {
  const patterns: RegExp[] = [];
  for (const m of expr.matchAll(/__name__=~"([^"]+)"/g)) {
    const re = m[1] as string;
    const group = /\(([a-z0-9_|]+)\)/.exec(re);
    const alternatives = group === null ? [re] : (group[1] as string).split('|').map((a) => re.replace(group[0], a));
    for (const a of alternatives) patterns.push(new RegExp(`^${a}$`));
  }
  const bare = expr.replace(/"[^"]*"/g, '""'); // label values and regexes are not names
  const names = [...bare.matchAll(/\b((?:scaling|http_client|db_client)_[a-z0-9_]+)\b/g)].map((m) => m[1] as string);
  return { names, patterns };
}

async function exportedNames(): Promise<Set<string>> {
  const registry = new Registry();
  registerDocumentedShapes(new StatsCollector({ registry }));
  const out = new Set<string>();
  for (const m of await registry.getMetricsAsJSON()) {
    if (m.values.length === 0) continue;
    if ((m.type as unknown as string) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) out.add(`${m.name}${s}`);
    else out.add(m.name);
  }
  return out;
}

describe('docs/monitoring reads only metric names the adapters export', () => {
  it('every alert expr', async () => {
    const exported = await exportedNames();
    const exprs = ruleExprs(readFileSync(join(monitoring, 'alerts.yml'), 'utf8'));
    expect(exprs).toHaveLength(9);
    for (const expr of exprs) {
      const { names, patterns } = referencedNames(expr);
      expect(names.length + patterns.length, expr).toBeGreaterThan(0);
      for (const n of names) expect(exported, `${n} in ${expr}`).toContain(n);
      for (const p of patterns)
        expect(
          [...exported].some((n) => p.test(n)),
          `${p} in ${expr}`,
        ).toBe(true);
    }
  });

  it('the Grafana dashboard: valid JSON with a schemaVersion and a datasource variable; every expr', async () => {
    const exported = await exportedNames();
    const dashboard = JSON.parse(readFileSync(join(monitoring, 'grafana-dashboard.json'), 'utf8'));
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    const variables = dashboard.templating.list as { name: string; type: string }[];
    expect(variables.find((v) => v.type === 'datasource')?.name).toBe('datasource');
    const exprs = dashboardExprs(dashboard);
    expect(exprs.length).toBeGreaterThan(20);
    for (const expr of exprs) {
      const { names, patterns } = referencedNames(expr);
      expect(names.length + patterns.length, expr).toBeGreaterThan(0);
      for (const n of names) expect(exported, `${n} in ${expr}`).toContain(n);
      for (const p of patterns)
        expect(
          [...exported].some((n) => p.test(n)),
          `${p} in ${expr}`,
        ).toBe(true);
    }
    // Every panel uses the datasource variable.
    for (const p of dashboard.panels as { type: string; datasource?: { uid: string } }[])
      if (p.type !== 'row') expect(p.datasource?.uid).toBe(`\${datasource}`);
  });

  it('the name check itself catches a name nothing exports', async () => {
    const exported = await exportedNames();
    const { names } = referencedNames('rate(scaling_queue_wait_seconds_bucket[5m])');
    expect(names.every((n) => exported.has(n))).toBe(false);
  });
});
