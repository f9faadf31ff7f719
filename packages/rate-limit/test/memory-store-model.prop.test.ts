// Model-based test of the in-process store (fc.commands): a reference GCRA over a Map kept in LRU order
// (bounded by maxKeys) must give the same decisions as the slot/Float64Array store at every step, through
// evictions, slot reuse and resets. A deliberately broken store (one that keeps a key too many) must be caught.

import { ManualClock } from '@scaling/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../src/_memory-store.js';
import { type CompiledRule, compileRule } from '../src/_rules.js';
import type { Store } from '../src/_store.js';

const RULE: CompiledRule = compileRule('limits', { limit: 3, periodMs: 300, burst: 2 }, 'gcra');
const MAX_KEYS = 3;

/** The reference: GCRA on a Map whose insertion order is the recency order. */
class Model {
  readonly tats = new Map<string, number>();
  now = 1_000;
  constructor(readonly maxKeys: number) {}
  consume(key: string, cost: number): boolean {
    const t = RULE.periodMs / RULE.limit;
    let tat = this.tats.get(key);
    if (tat === undefined) {
      if (this.tats.size >= this.maxKeys) this.tats.delete(this.tats.keys().next().value as string);
      tat = 0;
    } else this.tats.delete(key);
    const start = Math.max(tat, this.now);
    const next = start + cost * t;
    const allowed = next - this.now <= RULE.burst * t + 1e-3;
    this.tats.set(key, allowed ? next : tat);
    return allowed;
  }
}

interface Real {
  store: Store;
}

class Consume implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly key: string,
    readonly cost: number,
    readonly dt: number,
  ) {}
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    m.now += this.dt;
    const expected = m.consume(this.key, this.cost);
    expect((await r.store.consume(this.key, this.cost, m.now)).allowed).toBe(expected);
  }
  toString(): string {
    return `consume(${this.key}, ${this.cost}, +${this.dt})`;
  }
}

class Reset implements fc.AsyncCommand<Model, Real> {
  constructor(readonly key: string) {}
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    m.tats.delete(this.key);
    await r.store.reset(this.key);
  }
  toString(): string {
    return `reset(${this.key})`;
  }
}

const commands = fc.commands(
  [
    fc
      .tuple(fc.constantFrom('a', 'b', 'c', 'd'), fc.integer({ min: 0, max: 2 }), fc.constantFrom(0, 0, 10, 50, 120, 400))
      .map(([k, c, dt]) => new Consume(k, c, dt)),
    fc.constantFrom('a', 'b', 'c', 'd').map((k) => new Reset(k)),
  ],
  { maxCommands: 60, size: 'max' },
);

async function agrees(makeStore: () => Store): Promise<boolean> {
  const r = await fc.check(
    fc.asyncProperty(commands, async (cmds) => {
      await fc.asyncModelRun(() => ({ model: new Model(MAX_KEYS), real: { store: makeStore() } }), cmds);
    }),
    { numRuns: 500 },
  );
  return !r.failed;
}

describe('in-process store model', () => {
  it('matches a reference GCRA with LRU eviction through evictions, slot reuse and resets', async () => {
    expect(await agrees(() => new MemoryStore([RULE], MAX_KEYS, new ManualClock()))).toBe(true);
  });

  it('catches a broken store that keeps one key too many', async () => {
    expect(await agrees(() => new MemoryStore([RULE], MAX_KEYS + 1, new ManualClock()))).toBe(false);
  });
});
