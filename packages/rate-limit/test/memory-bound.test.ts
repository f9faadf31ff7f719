// Memory: 10⁶ distinct keys through the in-process store stay within the configured bound (maxKeys), heap measured.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ManualClock } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../src/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heap(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('in-process store memory', () => {
  it('10⁶ distinct keys with maxKeys 50,000: 50,000 kept, heap growth within the bound for 50,000 keys', () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ limits: { limit: 10, periodMs: 1000 }, maxKeys: 50_000, clock });
    const before = heap();
    for (let i = 0; i < 1_000_000; i++) {
      limiter.limitSync(`client:${i}`);
      if (i % 100 === 0) clock.advance(1); // 10 s in all: each key is idle (100 ms) long before it is evicted
    }
    const grown = heap() - before;
    expect(limiter.stats().keys).toBe(50_000);
    // the bound: 50,000 keys × (state + LRU slot + map entry + a 14-char key string) with generous slack — far below
    // what 10⁶ keys would take (≥ 100 MB)
    expect(grown).toBeLessThan(50_000 * 250);
    // keys were idle when evicted: they had recovered, nothing was lost
    expect(limiter.stats().evictedActive).toBe(0);
  }, 60_000);

  it('a key evicted while still limited is counted in evictedActive', () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ limits: { limit: 1, periodMs: 60_000 }, maxKeys: 2, clock });
    limiter.limitSync('a');
    limiter.limitSync('b');
    limiter.limitSync('c'); // evicts a, still limited for 60 s
    expect(limiter.stats()).toMatchObject({ keys: 2, evictedActive: 1 });
  });
});
