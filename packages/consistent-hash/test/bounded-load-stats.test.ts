// Issue 19 (monitoring): BoundedLoadHash.stats() follows the convention of @scaling/core (counters and
// gauges in a fresh object), and its counters add up with what the caller did.
import { GAUGE_STATS_FIELDS } from '@scaling/core/internal';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BoundedLoadHash, RingHash } from '../src/index.js';

describe('BoundedLoadHash.stats()', () => {
  it('counts acquires, releases and spills; active is the keys held (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.integer({ min: 0, max: 200 }).map((k) => ({ acquire: `key${k}` })),
            fc.integer({ min: 0, max: 3 }).map((n) => ({ release: `n${n}` })),
          ),
          { maxLength: 120 },
        ),
        (ops) => {
          const h = new BoundedLoadHash(new RingHash(), { balanceFactor: 1.1 });
          for (const n of ['n0', 'n1', 'n2', 'n3']) h.addNode(n);
          let acquires = 0;
          let releases = 0;
          let spills = 0;
          for (const op of ops) {
            if ('acquire' in op) {
              const first = new RingHash();
              for (const n of ['n0', 'n1', 'n2', 'n3']) first.addNode(n);
              if (h.acquire(op.acquire) !== first.getNode(op.acquire)) spills++;
              acquires++;
            } else if (h.release(op.release)) releases++;
            const s = h.stats();
            expect(s).toEqual({ size: 4, active: acquires - releases, acquires, releases, spills });
            expect(s.active).toBe(h.totalLoad);
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it('is a fresh snapshot with gauges from GAUGE_STATS_FIELDS', () => {
    const h = new BoundedLoadHash(new RingHash());
    h.addNode('a');
    const s = h.stats();
    h.acquire('k');
    expect(s.active).toBe(0);
    expect(h.stats()).not.toBe(s);
    for (const g of ['size', 'active']) expect(GAUGE_STATS_FIELDS).toContain(g);
  });
});
