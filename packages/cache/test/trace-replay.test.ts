// Replays the cache2k traces (headissue GmbH, Jens Wilke, CC BY 4.0) through LruCache; the hit ratios must be
// exactly the LRU figures listed in ../shared/traces/README.md.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { LruCache } from '../src/index.js';

const repoRoot = join(import.meta.dirname, '..', '..', '..');
// SCALING_TRACES_DIR lets a git worktree (whose ../shared is elsewhere) point at the folder.
const tracesDir = process.env.SCALING_TRACES_DIR ?? join(repoRoot, '..', 'shared', 'traces');
const present = existsSync(join(tracesDir, 'README.md'));

function readTrace(name: string): Int32Array {
  const bytes = gunzipSync(readFileSync(join(tracesDir, `cache2k-${name}.i32be.gz`)));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const keys = new Int32Array(bytes.byteLength >>> 2);
  for (let i = 0; i < keys.length; i++) keys[i] = view.getInt32(i * 4, false);
  return keys;
}

function lruHitRatio(keys: Int32Array, capacity: number): number {
  const cache = new LruCache<number, number>({ max: capacity });
  let hits = 0;
  for (const key of keys) {
    if (cache.get(key) === undefined) cache.set(key, key);
    else hits++;
  }
  expect(cache.stats().hits).toBe(hits);
  return hits / keys.length;
}

const known: Array<[string, number, number]> = [
  ['web07', 500, 45.58],
  ['web12', 2000, 72.56],
  ['orm-busy', 1000, 78.78],
  ['orm-busy', 5000, 85.46],
  ['orm-night', 5000, 87.85],
];

if (!present) console.warn(`trace replay skipped: no traces at ${tracesDir}`);

describe.skipIf(!present)('trace replay (cache2k traces)', () => {
  const traces = new Map<string, Int32Array>();
  const trace = (name: string): Int32Array => {
    let t = traces.get(name);
    if (t === undefined) traces.set(name, (t = readTrace(name)));
    return t;
  };
  it.each(known)(
    '%s at capacity %i gives the known LRU hit ratio (%f percent)',
    (name, capacity, percent) => {
      expect((lruHitRatio(trace(name), capacity) * 100).toFixed(2)).toBe(percent.toFixed(2));
    },
    60_000,
  );
});
