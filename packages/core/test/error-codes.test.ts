// Issue 14 ("one copy of each contract"): the `ScalingErrorCode` union lists exactly the codes the
// packages throw — a code thrown but missing from the union, or listed but never thrown, fails here.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const packagesDir = join(import.meta.dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('ScalingErrorCode', () => {
  it('lists exactly the codes thrown by the packages', () => {
    const errorsTs = readFileSync(join(packagesDir, 'core', 'src', 'errors.ts'), 'utf8');
    const union = errorsTs.slice(
      errorsTs.indexOf('export type ScalingErrorCode'),
      errorsTs.indexOf(';', errorsTs.indexOf('export type ScalingErrorCode')),
    );
    const listed = new Set(union.match(/'ERR_[A-Z0-9_]+'/g) ?? []);
    const thrown = new Set<string>();
    for (const pkg of readdirSync(packagesDir)) {
      let dir: string;
      try {
        dir = join(packagesDir, pkg, 'src');
        statSync(dir);
      } catch {
        continue;
      }
      for (const file of sources(dir)) {
        if (file === join(packagesDir, 'core', 'src', 'errors.ts')) continue;
        for (const m of readFileSync(file, 'utf8').match(/'ERR_[A-Z0-9_]+'/g) ?? []) thrown.add(m);
      }
    }
    // TimeoutError (core) throws ERR_TIMEOUT from errors.ts itself.
    thrown.add("'ERR_TIMEOUT'");
    expect([...listed].filter((c) => !thrown.has(c)).sort(), 'listed but never thrown').toEqual([]);
    expect([...thrown].filter((c) => !listed.has(c)).sort(), 'thrown but not listed').toEqual([]);
  });
});
