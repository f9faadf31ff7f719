/**
 * Keeps each package README honest, shared by every package's monitoring tests: the stats() fields and
 * channels its tables list are compared with what the code produces (a snapshot's keys, the channels a
 * test saw).
 */
import { readFileSync } from 'node:fs';
import { Histogram } from '@scaling/core';
import { classifyStatsField, GAUGE_STATS_FIELDS, isStatsHistogram, MEMBER_STATS_COLLECTIONS } from '@scaling/core/internal';
import { expect } from 'vitest';

/** The README of the package whose test file is at `testFileUrl` (pass `import.meta.url`). */
export function readme(testFileUrl: string): string {
  return readFileSync(new URL('../README.md', testFileUrl), 'utf8');
}

/** First-column names (backticks stripped) of the table right after the line containing `heading`. */
export function tableAfter(text: string, heading: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith('#') && l.includes(heading));
  if (start < 0) throw new Error(`README has no heading containing ${heading}`);
  const names: string[] = [];
  let inTable = false;
  for (let i = start + 1; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line.startsWith('|')) {
      inTable = true;
      const cell = (line.split('|')[1] ?? '').trim();
      if (/^-+$/.test(cell.replace(/:/g, '')) || cell === '' || !cell.includes('`')) continue;
      names.push((cell.match(/`([^`]+)`/) as RegExpMatchArray)[1] as string);
    } else if (inTable || line.startsWith('#')) break;
  }
  return names;
}

/**
 * The field paths of a stats() snapshot: nested groups as `a.b`, members of a collection listed in
 * MEMBER_STATS_COLLECTIONS as `replicas.<id>.lagMs` (the union over the members), histograms as leaves.
 */
export function statsPaths(snapshot: object): string[] {
  const out = new Set<string>();
  const walk = (value: unknown, prefix: string, top: boolean): void => {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined) continue;
      const path = prefix === '' ? k : `${prefix}.${k}`;
      if (typeof v === 'object' && v !== null && !isStatsHistogram(v)) {
        if (top && k in MEMBER_STATS_COLLECTIONS) {
          out.add(path);
          for (const member of Object.values(v as Record<string, unknown>)) walk(member, `${path}.<id>`, false);
        } else walk(v, path, false);
      } else out.add(path);
    }
  };
  walk(snapshot, '', true);
  return [...out].sort();
}

/** The kind of each field (`counter`, `gauge`, `histogram`, `state`) from the README table's second column. */
export function kindsAfter(text: string, heading: string): Record<string, string> {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith('#') && l.includes(heading));
  const kinds: Record<string, string> = {};
  for (let i = start + 1; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (!line.startsWith('|')) {
      if (Object.keys(kinds).length > 0) break;
      continue;
    }
    const cells = line.split('|').map((c) => c.trim());
    const name = cells[1]?.match(/`([^`]+)`/)?.[1];
    if (name !== undefined) kinds[name] = (cells[2] ?? '').replace(/`/g, '');
  }
  return kinds;
}

/** The value at a documented path (`checks.<id>.status` → the first member's `status`). */
function documentedValue(snapshot: object, path: string): unknown {
  let value: unknown = snapshot;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    const o = value as Record<string, unknown>;
    value = part === '<id>' ? Object.values(o)[0] : o[part];
  }
  return value;
}

/**
 * The snapshot's field paths equal the README table under `heading`, and each documented kind is how the
 * adapters will read the field (a gauge must be in GAUGE_STATS_FIELDS or a boolean; a histogram a core
 * Histogram named `…Duration`). Members must be present in the snapshot for their rows to be checked.
 */
export function expectDocumented(text: string, heading: string, snapshot: object): void {
  expect(statsPaths(snapshot)).toEqual([...new Set(tableAfter(text, heading))].sort());
  const gauges = new Set(GAUGE_STATS_FIELDS);
  for (const [path, kind] of Object.entries(kindsAfter(text, heading))) {
    if (kind === '') continue; // a collection's own row
    const value = documentedValue(snapshot, path);
    const last = path.split('.').pop() as string;
    if (kind === 'histogram') {
      expect(value, path).toBeInstanceOf(Histogram);
      expect(last).toMatch(/Duration$/);
      continue;
    }
    // members are read like top-level fields (their own key); groups by their dotted path
    const key = path.includes('<id>') ? [last] : path.split('.');
    expect(classifyStatsField(value, key, gauges)?.kind, path).toBe(kind);
  }
}

/**
 * The first-column names (inside backticks) of the Markdown table that follows the heading `heading` in `file`.
 * Throws when the heading or its table is missing.
 */
export function readmeTableNames(file: string, heading: string): string[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const at = lines.findIndex((l) => /^#+ /.test(l) && l.replace(/^#+ /, '').trim() === heading);
  if (at < 0) throw new Error(`${file}: no heading "${heading}"`);
  const names: string[] = [];
  let inTable = false;
  for (let i = at + 1; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line.startsWith('|')) {
      inTable = true;
      const first = line.split('|')[1] ?? '';
      const m = /`([^`]+)`/.exec(first);
      if (m !== null) names.push(m[1] as string);
    } else if (inTable || /^#+ /.test(line)) {
      break;
    }
  }
  if (names.length === 0) throw new Error(`${file}: no table under "${heading}"`);
  return names;
}
