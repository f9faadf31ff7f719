import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, expect, it, vi } from 'vitest';
import { Emitter } from '../src/internal.js';

type Events = { change: { id: string; healthy: boolean }; other: { n: number } };

describe('Emitter (the one event style)', () => {
  it('delivers to listeners until unsubscribed', () => {
    const e = new Emitter<Events>('test', ['change', 'other']);
    const seen: string[] = [];
    const off = e.on('change', (p) => seen.push(p.id));
    e.emit('change', { id: 'a', healthy: true });
    off();
    off();
    e.emit('change', { id: 'b', healthy: true });
    expect(seen).toEqual(['a']);
    expect(e.listenerCount('change')).toBe(0);
  });
  it('rejects unknown events and non-function listeners', () => {
    const e = new Emitter<Events>('test', ['change']);
    expect(() => e.on('nope' as never, () => {})).toThrow(/Expected `event` to be one of "change"/);
    expect(() => e.on('change', 5 as never)).toThrow(TypeError);
  });
  it('publishes on scaling:<package>:<event> with the source', () => {
    const src = {};
    const e = new Emitter<Events>('test-pkg', ['other'], src);
    const got: unknown[] = [];
    const fn = (m: unknown) => got.push(m);
    expect(e.wants('other')).toBe(false);
    subscribe('scaling:test-pkg:other', fn);
    expect(e.wants('other')).toBe(true);
    e.emit('other', { n: 1 });
    unsubscribe('scaling:test-pkg:other', fn);
    expect(got).toEqual([{ n: 1, source: src }]);
  });
  it('a throwing listener does not stop the others; its error is rethrown on nextTick', async () => {
    const e = new Emitter<Events>('test', ['other']);
    const later = vi.fn();
    e.on('other', () => {
      throw new Error('boom');
    });
    e.on('other', later);
    const errors: unknown[] = [];
    const handler = (err: unknown) => errors.push(err);
    const prev = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    process.on('uncaughtException', handler);
    try {
      expect(() => e.emit('other', { n: 1 })).not.toThrow();
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('uncaughtException', handler);
      for (const l of prev) process.on('uncaughtException', l);
    }
    expect(later).toHaveBeenCalledOnce();
    expect(errors).toHaveLength(1);
  });
});
