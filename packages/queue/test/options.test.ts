import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Queue } from '../src/index.js';

describe('option validation', () => {
  it('names the bad option and the value received', () => {
    expect(() => new Queue({ concurrency: 0 })).toThrow(RangeError);
    expect(() => new Queue({ concurrency: 0 })).toThrow(/Expected `concurrency` to be a positive integer or Infinity, got 0/);
    expect(() => new Queue({ concurrency: '2' as never })).toThrow(TypeError);
    expect(() => new Queue({ maxQueued: 1.5 })).toThrow(/`maxQueued`/);
    expect(() => new Queue({ whenFull: 'drop' as never })).toThrow(/`whenFull`/);
    expect(() => new Queue({ rateLimit: { limit: 0, intervalMs: 10 } })).toThrow(/`rateLimit.limit`/);
    expect(() => new Queue({ rateLimit: { limit: 1, intervalMs: -1 } })).toThrow(/`rateLimit.intervalMs`/);
    expect(() => new Queue({ timeoutMs: 0 })).toThrow(/`timeoutMs`/);
    expect(() => new Queue({ retry: { attempts: 0 } })).toThrow(/`retry.attempts`/);
    expect(() => new Queue({ retry: { attempts: 2, retryIf: 1 as never } })).toThrow(/`retry.retryIf`/);
    expect(() => new Queue({ onFailed: 'x' as never })).toThrow(/`onFailed`/);
    expect(() => new Queue({ clock: {} as never })).toThrow(/`clock`/);
    expect(() => new Queue({ concurrency: Number.POSITIVE_INFINITY })).not.toThrow();
  });

  it('validates add() and runtime setters', () => {
    const q = new Queue();
    expect(() => q.add(1 as never)).toThrow(/`task`/);
    expect(() => q.add(async () => {}, { priority: Number.NaN })).toThrow(/`priority`/);
    expect(() => q.add(async () => {}, { timeoutMs: -5 })).toThrow(/`timeoutMs`/);
    expect(() => q.add(async () => {}, { signal: {} as never })).toThrow(/`signal`/);
    expect(() => {
      q.concurrency = -1;
    }).toThrow(/`concurrency`/);
    expect(() => q.onSizeLessThan(0)).toThrow(/`limit`/);
    expect(() => q.close({ timeoutMs: 0 })).toThrow(/`timeoutMs`/);
  });

  it('a priority of the wrong type is a TypeError, a non-finite one a RangeError (both naming `priority`)', () => {
    const q = new Queue();
    expect(() => q.add(async () => {}, { priority: '1' as never })).toThrow(TypeError);
    expect(() => q.add(async () => {}, { priority: '1' as never })).toThrow(/Expected `priority` to be a finite number, got "1"/);
    expect(() => q.add(async () => {}, { priority: Number.POSITIVE_INFINITY })).toThrow(RangeError);
    expect(() => q.add(async () => {}, { priority: Number.NaN })).toThrow(RangeError);
  });

  it('onSizeLessThan names its parameter `limit` in its errors and in the README alike', () => {
    const q = new Queue();
    expect(() => q.onSizeLessThan(0)).toThrow(RangeError);
    expect(() => q.onSizeLessThan(0)).toThrow(/Expected `limit` to be a positive number, got 0/);
    expect(() => q.onSizeLessThan('3' as never)).toThrow(TypeError);
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const uses = readme.match(/onSizeLessThan\([^)]*\)/g) ?? [];
    expect(uses.length).toBeGreaterThan(0);
    for (const use of uses) expect(use).toBe('onSizeLessThan(limit)');
  });
});
