// Model-based test shared by every cache: fc.commands over set/get/peek/has/delete/clear/purgeStale/advance,
// checked after every step against a plain-Map reference model.
import { ManualClock } from '@scaling/core';
import fc from 'fast-check';
import { expect } from 'vitest';
import type { BoundedCache, CacheOptions, EvictionReason } from '../src/index.js';

export type Key = number | string;
export type CacheFactory = <K, V>(options: CacheOptions<K, V>) => BoundedCache<K, V>;

/**
 * `'exact'`: the model is the exact LRU and must agree on every victim and on iteration order. `'victims'`:
 * the model accepts whichever victims the cache reports (for policies other than LRU) and checks the rest:
 * limits, every removal reported once with the right reason, no live key lost unreported, minimal eviction,
 * and reads consistent with the model's contents and TTLs.
 */
export type ModelMode = 'exact' | 'victims';

interface Config {
  mode: ModelMode;
  max: number | undefined;
  maxSize: number | undefined;
  ttl: number;
  updateAgeOnGet: boolean;
}

interface Entry {
  value: number;
  size: number;
  start: number;
  ttl: number;
}

type Event = [Key, number, EvictionReason];

class Model {
  /** Insertion order = recency order, least recently used first. */
  readonly entries = new Map<Key, Entry>();
  now = 0;
  events: Event[] = [];
  constructor(readonly config: Config) {}

  expired(e: Entry): boolean {
    return this.now - e.start >= e.ttl;
  }
  totalSize(): number {
    let s = 0;
    for (const e of this.entries.values()) s += e.size;
    return s;
  }
  remove(key: Key, reason: EvictionReason): void {
    const e = this.entries.get(key) as Entry;
    this.entries.delete(key);
    this.events.push([key, e.value, reason]);
  }
  evictOldest(): void {
    const [key, e] = this.entries.entries().next().value as [Key, Entry];
    this.remove(key, this.expired(e) ? 'expire' : 'evict');
  }
  liveKeysMruFirst(): Key[] {
    return [...this.entries]
      .filter(([, e]) => !this.expired(e))
      .map(([k]) => k)
      .reverse();
  }
}

interface Real {
  cache: BoundedCache<Key, number>;
  clock: ManualClock;
  events: Event[];
}

const INF = Number.POSITIVE_INFINITY;

const byKey = (a: Event, b: Event): number => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1);

function checkInvariants(m: Model, r: Real): void {
  const { cache } = r;
  if (m.config.mode === 'exact') expect(r.events).toEqual(m.events);
  else expect([...r.events].sort(byKey)).toEqual([...m.events].sort(byKey));
  r.events.length = 0;
  m.events = [];
  expect(cache.size).toBe(m.entries.size);
  if (m.config.max !== undefined) expect(cache.size).toBeLessThanOrEqual(m.config.max);
  expect(cache.totalSize).toBe(m.totalSize());
  if (m.config.maxSize !== undefined) expect(cache.totalSize).toBeLessThanOrEqual(m.config.maxSize);
  if (m.config.mode === 'exact') expect([...cache.keys()]).toEqual(m.liveKeysMruFirst());
  else expect(new Set(cache.keys())).toEqual(new Set(m.liveKeysMruFirst()));
}

/**
 * Victims mode: take the removals the cache reported for `set(key)` beyond the model's own `'set'` event as
 * the policy's choice; each must be a stored entry other than `key`, reported with its value and with reason
 * `'expire'` exactly when it had expired, and eviction must stop as soon as the new entry fits.
 */
function acceptVictims(m: Model, r: Real, key: Key, newSize: number): void {
  const { max, maxSize } = m.config;
  let last: Entry | undefined;
  for (const [k, v, reason] of r.events) {
    if (reason !== 'evict' && reason !== 'expire') continue;
    expect(k).not.toBe(key);
    const e = m.entries.get(k);
    expect(e, `victim ${String(k)} is not stored`).toBeDefined();
    const entry = e as Entry;
    expect(v).toBe(entry.value);
    expect(reason).toBe(m.expired(entry) ? 'expire' : 'evict');
    m.remove(k, reason);
    last = entry;
  }
  if (last !== undefined) {
    // Minimal: keeping the last victim would have broken a limit.
    const others = m.entries.has(key) ? m.entries.size - 1 : m.entries.size;
    const sizeOthers = m.totalSize() - (m.entries.get(key)?.size ?? 0);
    const countForced = !m.entries.has(key) && others + 1 >= (max ?? INF);
    expect(countForced || sizeOthers + newSize + last.size > (maxSize ?? INF)).toBe(true);
  }
}

class SetCommand implements fc.Command<Model, Real> {
  constructor(
    readonly key: Key,
    readonly value: number,
    readonly ttl: number | undefined,
  ) {}
  check = (): boolean => true;
  run(m: Model, r: Real): void {
    const { maxSize, max } = m.config;
    const ttl = this.ttl === undefined ? m.config.ttl : this.ttl === 0 ? INF : this.ttl;
    const size = maxSize === undefined ? 0 : this.value;
    let stored = true;
    const existing = m.entries.get(this.key);
    if (size > (maxSize ?? INF)) {
      if (existing) m.remove(this.key, 'set');
      stored = false;
    } else if (m.config.mode === 'victims') {
      if (existing && !Object.is(existing.value, this.value)) m.events.push([this.key, existing.value, 'set']);
      expect(r.cache.set(this.key, this.value, this.ttl === undefined ? undefined : { ttl: this.ttl })).toBe(true);
      acceptVictims(m, r, this.key, size);
      m.entries.set(this.key, { value: this.value, size, start: m.now, ttl });
      checkInvariants(m, r);
      return;
    } else {
      if (existing) {
        if (!Object.is(existing.value, this.value)) m.events.push([this.key, existing.value, 'set']);
        m.entries.delete(this.key);
      } else if (m.entries.size >= (max ?? INF)) {
        m.evictOldest();
      }
      m.entries.set(this.key, { value: this.value, size, start: m.now, ttl });
      while (m.totalSize() > (maxSize ?? INF)) m.evictOldest();
    }
    expect(r.cache.set(this.key, this.value, this.ttl === undefined ? undefined : { ttl: this.ttl })).toBe(stored);
    checkInvariants(m, r);
  }
  toString = (): string => `set(${JSON.stringify(this.key)}, ${this.value}${this.ttl === undefined ? '' : `, ttl ${this.ttl}`})`;
}

class GetCommand implements fc.Command<Model, Real> {
  constructor(readonly key: Key) {}
  check = (): boolean => true;
  run(m: Model, r: Real): void {
    const e = m.entries.get(this.key);
    let expected: number | undefined;
    if (e !== undefined) {
      if (m.expired(e)) m.remove(this.key, 'expire');
      else {
        if (m.config.updateAgeOnGet) e.start = m.now;
        if (m.config.mode === 'exact') {
          m.entries.delete(this.key);
          m.entries.set(this.key, e);
        }
        expected = e.value;
      }
    }
    expect(r.cache.get(this.key)).toBe(expected);
    checkInvariants(m, r);
  }
  toString = (): string => `get(${JSON.stringify(this.key)})`;
}

class PeekHasCommand implements fc.Command<Model, Real> {
  constructor(readonly key: Key) {}
  check = (): boolean => true;
  run(m: Model, r: Real): void {
    const e = m.entries.get(this.key);
    const live = e !== undefined && !m.expired(e);
    expect(r.cache.has(this.key)).toBe(live);
    expect(r.cache.peek(this.key)).toBe(live ? e?.value : undefined);
    const remaining = e === undefined ? 0 : e.ttl - (m.now - e.start);
    expect(r.cache.remainingTtl(this.key)).toBe(Math.max(remaining, 0));
    checkInvariants(m, r);
  }
  toString = (): string => `peek/has(${JSON.stringify(this.key)})`;
}

class DeleteCommand implements fc.Command<Model, Real> {
  constructor(readonly key: Key) {}
  check = (): boolean => true;
  run(m: Model, r: Real): void {
    const e = m.entries.get(this.key);
    const live = e !== undefined && !m.expired(e);
    if (e !== undefined) m.remove(this.key, 'delete');
    expect(r.cache.delete(this.key)).toBe(live);
    checkInvariants(m, r);
  }
  toString = (): string => `delete(${JSON.stringify(this.key)})`;
}

class ClearCommand implements fc.Command<Model, Real> {
  check = (): boolean => true;
  run(m: Model, r: Real): void {
    for (const key of [...m.entries.keys()]) m.remove(key, 'clear');
    r.cache.clear();
    checkInvariants(m, r);
  }
  toString = (): string => 'clear()';
}

class PurgeCommand implements fc.Command<Model, Real> {
  check = (): boolean => true;
  run(m: Model, r: Real): void {
    let n = 0;
    for (const [key, e] of [...m.entries]) {
      if (m.expired(e)) {
        m.remove(key, 'expire');
        n++;
      }
    }
    expect(r.cache.purgeStale()).toBe(n);
    checkInvariants(m, r);
  }
  toString = (): string => 'purgeStale()';
}

class AdvanceCommand implements fc.Command<Model, Real> {
  constructor(readonly ms: number) {}
  check = (): boolean => true;
  run(m: Model, r: Real): void {
    m.now += this.ms;
    r.clock.advance(this.ms);
    checkInvariants(m, r);
  }
  toString = (): string => `advance(${this.ms})`;
}

const keyArb = fc.oneof(fc.constantFrom<Key>('1', '2', '__proto__', 'toString'), fc.integer({ min: 0, max: 30 }));

const commands = [
  fc
    .tuple(keyArb, fc.integer({ min: 1, max: 12 }), fc.option(fc.constantFrom(0, 1, 3, 10), { nil: undefined }))
    .map(([k, v, ttl]) => new SetCommand(k, v, ttl)),
  keyArb.map((k) => new GetCommand(k)),
  keyArb.map((k) => new PeekHasCommand(k)),
  keyArb.map((k) => new DeleteCommand(k)),
  fc.constant(new ClearCommand()),
  fc.constant(new PurgeCommand()),
  fc.integer({ min: 0, max: 6 }).map((ms) => new AdvanceCommand(ms)),
];

const configArb = (mode: ModelMode): fc.Arbitrary<Config> =>
  fc
    .record({
      mode: fc.constant(mode),
      max: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
      maxSize: fc.option(fc.integer({ min: 5, max: 40 }), { nil: undefined }),
      ttl: fc.constantFrom(INF, 2, 5),
      updateAgeOnGet: fc.boolean(),
    })
    .map((c) => (c.max === undefined && c.maxSize === undefined ? { ...c, max: 3 } : c));

/**
 * The property: any sequence of commands on a cache built by `factory` behaves like the model — in `'exact'`
 * mode the exact LRU (values, recency order, removal reasons and their order, size and total size limits), in
 * `'victims'` mode any policy whose reported victims the model accepts (see {@link ModelMode}).
 */
export function lruModelProperty(
  factory: CacheFactory,
  mode: ModelMode = 'exact',
): fc.IPropertyWithHooks<[Config, Iterable<fc.Command<Model, Real>>]> {
  return fc.property(configArb(mode), fc.commands(commands, { maxCommands: 80, size: 'max' }), (config, cmds) => {
    const clock = new ManualClock();
    const events: Event[] = [];
    const cache = factory<Key, number>({
      ...(config.max === undefined ? {} : { max: config.max }),
      ...(config.maxSize === undefined ? {} : { maxSize: config.maxSize, sizeOf: (v: number) => v }),
      ...(config.ttl === INF ? {} : { ttl: config.ttl }),
      updateAgeOnGet: config.updateAgeOnGet,
      clock,
      onEvict: (k, v, reason) => events.push([k, v, reason]),
    });
    fc.modelRun(() => ({ model: new Model(config), real: { cache, clock, events } }), cmds);
  });
}
