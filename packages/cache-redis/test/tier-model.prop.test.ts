// Model-based test of the tier's single-process semantics (TTL, stale-while-revalidate, grace, delete, tags)
// against a reference map, with a ManualClock and the in-memory Redis; L1 is dropped at random so reads take
// both the L1 and the L2 path. Two deliberately broken variants must be caught.
import { Cache } from '@scaling/cache';
import { ManualClock } from '@scaling/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTieredCache, type TieredCache, type TierLoader, type TierResult, type WriteStatus } from '../src/index.js';
import { MemoryRedis, settle } from './_memory-redis.js';

const TTL = 100;
const SWR = 50;
const GRACE = 200;
const KEYS = ['a', 'b', 'c'];
const TAGS = ['x', 'y'];

interface ModelEntry {
  value: number;
  expiresAt: number;
  staleUntil: number;
  graceUntil: number;
  tags: string[];
  versions: number[];
}

class Model {
  readonly entries = new Map<string, ModelEntry>();
  readonly tagVersions = new Map<string, number>();
  constructor(readonly clock: ManualClock) {}

  live(key: string): ModelEntry | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (e.tags.some((t, i) => (this.tagVersions.get(t) ?? 0) !== e.versions[i])) return undefined;
    return e;
  }

  store(key: string, value: number, ttl: number | undefined, tags: string[]): void {
    const now = this.clock.now();
    const t = ttl ?? TTL;
    const expiresAt = t === 0 ? Number.POSITIVE_INFINITY : now + t;
    this.entries.set(key, {
      value,
      expiresAt,
      staleUntil: expiresAt + SWR,
      graceUntil: expiresAt + GRACE,
      tags,
      versions: tags.map((x) => this.tagVersions.get(x) ?? 0),
    });
  }
}

/** What the property drives: the tier's public surface used here (so a broken wrapper can stand in). */
interface Subject {
  get(key: string): Promise<number | undefined>;
  set(key: string, value: number, options?: { ttl?: number; tags?: string[] }): Promise<WriteStatus>;
  delete(key: string): Promise<WriteStatus>;
  deleteByTag(tag: string): Promise<WriteStatus>;
  getOrLoadWithStatus(key: string, loader: TierLoader<number>, options?: { tags?: string[] }): Promise<TierResult<number>>;
}

interface Real {
  tier: Subject;
  clock: ManualClock;
  dropL1(): void;
}

type Cmd = fc.AsyncCommand<Model, Real>;

let nextValue = 1000;

class SetCmd implements Cmd {
  constructor(
    readonly key: string,
    readonly value: number,
    readonly ttl: number | undefined,
    readonly tags: string[],
  ) {}
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    expect(await r.tier.set(this.key, this.value, { ...(this.ttl === undefined ? {} : { ttl: this.ttl }), tags: this.tags })).toBe(
      'written',
    );
    m.store(this.key, this.value, this.ttl, this.tags);
  }
  toString(): string {
    return `set(${this.key}, ${this.value}, ttl ${this.ttl}, [${this.tags}])`;
  }
}

class GetCmd implements Cmd {
  constructor(readonly key: string) {}
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    const e = m.live(this.key);
    const expected = e !== undefined && e.expiresAt > r.clock.now() ? e.value : undefined;
    expect(await r.tier.get(this.key)).toBe(expected);
  }
  toString(): string {
    return `get(${this.key})`;
  }
}

class DeleteCmd implements Cmd {
  constructor(readonly key: string) {}
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    await r.tier.delete(this.key);
    m.entries.delete(this.key);
  }
  toString(): string {
    return `delete(${this.key})`;
  }
}

class DeleteByTagCmd implements Cmd {
  constructor(readonly tag: string) {}
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    await r.tier.deleteByTag(this.tag);
    m.tagVersions.set(this.tag, (m.tagVersions.get(this.tag) ?? 0) + 1);
  }
  toString(): string {
    return `deleteByTag(${this.tag})`;
  }
}

class AdvanceCmd implements Cmd {
  constructor(readonly ms: number) {}
  check(): boolean {
    return true;
  }
  async run(_m: Model, r: Real): Promise<void> {
    await r.clock.advanceAsync(this.ms);
  }
  toString(): string {
    return `advance(${this.ms})`;
  }
}

class DropL1Cmd implements Cmd {
  check(): boolean {
    return true;
  }
  async run(_m: Model, r: Real): Promise<void> {
    r.dropL1();
  }
  toString(): string {
    return 'dropL1()';
  }
}

class GetOrLoadCmd implements Cmd {
  constructor(
    readonly key: string,
    readonly fails: boolean,
    readonly tags: string[],
  ) {}
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    const now = r.clock.now();
    const e = m.live(this.key);
    const loaded = nextValue++;
    let calls = 0;
    const loader: TierLoader<number> = async () => {
      calls++;
      if (this.fails) throw new Error('loader down');
      return loaded;
    };
    const got = r.tier.getOrLoadWithStatus(this.key, loader, { tags: this.tags });
    if (e !== undefined && e.expiresAt > now) {
      const res = await got;
      expect(res.value).toBe(e.value);
      expect(['l1', 'l2']).toContain(res.status);
      expect(calls).toBe(0);
    } else if (e !== undefined && e.staleUntil > now) {
      const res = await got;
      expect(res).toEqual({ value: e.value, status: 'stale' });
      await settle(60); // the background refresh
      expect(calls).toBe(1);
      if (!this.fails) m.store(this.key, loaded, undefined, this.tags);
    } else if (this.fails) {
      if (e !== undefined && e.graceUntil > now) {
        const res = await got;
        expect(res.value).toBe(e.value);
        expect(res.status).toBe('fail-safe');
      } else {
        await expect(got).rejects.toThrow('loader down');
      }
    } else {
      const res = await got;
      expect(res).toEqual({ value: loaded, status: 'load' });
      m.store(this.key, loaded, undefined, this.tags);
    }
  }
  toString(): string {
    return `getOrLoad(${this.key}, ${this.fails ? 'failing' : 'ok'}, [${this.tags}])`;
  }
}

const key = fc.constantFrom(...KEYS);
const tags = fc.subarray(TAGS);
const commands = fc.commands(
  [
    fc
      .tuple(key, fc.integer({ min: 0, max: 99 }), fc.constantFrom(undefined, 10, 100, 0), tags)
      .map(([k, v, t, g]) => new SetCmd(k, v, t, g)),
    key.map((k) => new GetCmd(k)),
    key.map((k) => new DeleteCmd(k)),
    fc.constantFrom(...TAGS).map((t) => new DeleteByTagCmd(t)),
    fc.constantFrom(1, 9, 10, 49, 50, 51, 120, 250).map((ms) => new AdvanceCmd(ms)),
    fc.constant(new DropL1Cmd()),
    fc.tuple(key, fc.boolean(), tags).map(([k, f, g]) => new GetOrLoadCmd(k, f, g)),
  ],
  { maxCommands: 40 },
);

/** Set, let TTL + SWR + grace pass, then a failing load: the tier must fail, not serve the old value. */
const PAST_GRACE = () => [new SetCmd('a', 1, undefined, []), new AdvanceCmd(250), new AdvanceCmd(120), new GetOrLoadCmd('a', true, [])];

type Wrap = (tier: TieredCache<number>) => Subject;

function property(wrap: Wrap) {
  return fc.asyncProperty(commands, async (cmds) => {
    const clock = new ManualClock(1_000_000);
    const redis = new MemoryRedis(clock);
    const l1 = new Cache<string, unknown>({ max: 100, clock, ttlResolution: 0 });
    const tier = createTieredCache<number>({
      transport: redis.transport(),
      l1,
      clock,
      ttl: TTL,
      staleWhileRevalidate: SWR,
      grace: GRACE,
      prefix: 'model:',
    });
    await tier.ready();
    try {
      await fc.asyncModelRun(() => ({ model: new Model(clock), real: { tier: wrap(tier), clock, dropL1: () => l1.clear() } }), cmds);
    } finally {
      await tier.close();
    }
  });
}

describe('tiered cache against a reference map (fc.commands)', () => {
  it('TTL, stale-while-revalidate, grace, delete and tags match the model, through L1 and L2', async () => {
    await fc.assert(
      property((t) => t),
      { examples: [[PAST_GRACE() as never]] },
    );
  });

  it('catches a broken variant whose deleteByTag does nothing', async () => {
    const broken: Wrap = (t) => ({
      get: (k) => t.get(k),
      set: (k, v, o) => t.set(k, v, o),
      delete: (k) => t.delete(k),
      deleteByTag: async () => 'written',
      getOrLoadWithStatus: (k, l, o) => t.getOrLoadWithStatus(k, l, o),
    });
    await expect(fc.assert(property(broken), { numRuns: 300 })).rejects.toThrow();
  });

  it('catches a broken variant that serves the last value past its grace window', async () => {
    const broken: Wrap = (t) => {
      const last = new Map<string, number>();
      return {
        get: (k) => t.get(k),
        set: async (k, v, o) => {
          last.set(k, v);
          return t.set(k, v, o);
        },
        delete: (k) => t.delete(k),
        deleteByTag: (tag) => t.deleteByTag(tag),
        getOrLoadWithStatus: async (k, l, o) => {
          try {
            const r = await t.getOrLoadWithStatus(k, l, o);
            last.set(k, r.value);
            return r;
          } catch (error) {
            const v = last.get(k);
            if (v === undefined) throw error;
            return { value: v, status: 'fail-safe', error };
          }
        },
      };
    };
    // Random runs reach "past the grace window" only now and then (it takes several clock steps), so the
    // search starts from one such sequence: set, let TTL + SWR + grace pass, then a failing load.
    await expect(fc.assert(property(broken), { numRuns: 300, examples: [[PAST_GRACE() as never]] })).rejects.toThrow();
  });
});
