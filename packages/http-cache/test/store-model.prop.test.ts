import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CachedResponse, type HeaderMap, HttpCacheStore, parseCacheControl } from '../src/index.js';

function entry(id: string, lang: string | undefined, tags: string[], size = 10): CachedResponse {
  return {
    status: 200,
    headers: { vary: 'accept-language' },
    body: Buffer.alloc(size, id),
    varyNames: ['accept-language'],
    varyValues: [lang],
    surrogateKeys: tags,
    cacheControl: parseCacheControl('max-age=60'),
    initialAgeMs: 0,
    responseTime: 0,
    freshnessMs: 60_000,
  };
}

const req = (lang: string | undefined): HeaderMap => (lang === undefined ? {} : { 'accept-language': lang });

/** A deliberately broken store: ignores Vary and answers with the newest variant. */
class VaryBlindStore extends HttpCacheStore {
  override lookup(key: string, _requestHeaders: HeaderMap): CachedResponse | undefined {
    return super.lookup(key, req('en')) ?? super.lookup(key, req('de')) ?? super.lookup(key, {});
  }
}

type Model = Map<string, Map<string | undefined, { id: string; tags: string[] }>>;
type Real = HttpCacheStore;

const keyArb = fc.constantFrom('/a', '/b', '/c');
const langArb = fc.constantFrom('en', 'de', undefined);
const tagArb = fc.constantFrom('t1', 't2');

class Put implements fc.Command<Model, Real> {
  constructor(
    readonly key: string,
    readonly lang: string | undefined,
    readonly id: string,
    readonly tags: string[],
  ) {}
  check = () => true;
  run(m: Model, r: Real): void {
    r.put(this.key, entry(this.id, this.lang, this.tags), 0);
    let variants = m.get(this.key);
    if (variants === undefined) m.set(this.key, (variants = new Map()));
    variants.set(this.lang, { id: this.id, tags: this.tags });
  }
  toString = () => `put(${this.key}, ${this.lang}, ${this.id}, [${this.tags}])`;
}

class Lookup implements fc.Command<Model, Real> {
  constructor(
    readonly key: string,
    readonly lang: string | undefined,
  ) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const got = r.lookup(this.key, req(this.lang));
    const want = m.get(this.key)?.get(this.lang);
    expect(got?.body.toString()[0]).toBe(want?.id);
  }
  toString = () => `lookup(${this.key}, ${this.lang})`;
}

class Delete implements fc.Command<Model, Real> {
  constructor(readonly key: string) {}
  check = () => true;
  run(m: Model, r: Real): void {
    expect(r.delete(this.key)).toBe(m.delete(this.key));
  }
  toString = () => `delete(${this.key})`;
}

class PurgeTag implements fc.Command<Model, Real> {
  constructor(readonly tag: string) {}
  check = () => true;
  run(m: Model, r: Real): void {
    r.purgeSurrogateKey(this.tag);
    for (const [key, variants] of [...m]) {
      // Purging a tag removes every variant of a URL that any variant tagged.
      if ([...variants.values()].some((v) => v.tags.includes(this.tag))) m.delete(key);
    }
  }
  toString = () => `purge(${this.tag})`;
}

const commands = fc.commands(
  [
    fc.tuple(keyArb, langArb, fc.constantFrom('x', 'y', 'z'), fc.subarray(['t1', 't2'])).map(([k, l, id, tags]) => new Put(k, l, id, tags)),
    fc.tuple(keyArb, langArb).map(([k, l]) => new Lookup(k, l)),
    keyArb.map((k) => new Delete(k)),
    tagArb.map((t) => new PurgeTag(t)),
  ],
  { maxCommands: 60 },
);

describe('HttpCacheStore model (store / lookup / invalidate)', () => {
  it('behaves like a map of URL → Vary selection → response', () => {
    fc.assert(fc.property(commands, (cmds) => fc.modelRun(() => ({ model: new Map(), real: new HttpCacheStore() }), cmds)));
  });

  it('catches a store that ignores Vary', () => {
    expect(() =>
      fc.assert(fc.property(commands, (cmds) => fc.modelRun(() => ({ model: new Map(), real: new VaryBlindStore() }), cmds))),
    ).toThrow();
  });

  it('property: never holds more than maxSizeBytes, never stores an entry over the cap', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 3000 })), { maxLength: 200 }), (puts) => {
        const store = new HttpCacheStore({ maxSizeBytes: 20_000, maxEntrySizeBytes: 2_000 });
        for (const [k, size] of puts) {
          const stored = store.put(`/${k}`, entry('x', undefined, [], size), 0);
          if (size > 2_000) expect(stored).toBe(false);
          expect(store.sizeBytes).toBeLessThanOrEqual(20_000);
        }
      }),
    );
  });

  it('a replaced variant no longer answers for its surrogate keys', () => {
    const store = new HttpCacheStore();
    store.put('/a', entry('x', 'en', ['t1']), 0);
    store.put('/a', entry('y', 'en', []), 0);
    expect(store.purgeSurrogateKey('t1')).toBe(0);
    expect(store.lookup('/a', req('en'))?.body.toString()[0]).toBe('y');
  });

  it('rejects unknown options', () => {
    expect(() => new HttpCacheStore({ max: 5 } as never)).toThrow(TypeError);
    expect(() => new HttpCacheStore({ maxSizeBytes: 0 })).toThrow(RangeError);
  });
});
