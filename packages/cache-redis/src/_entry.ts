/**
 * One cached value with its times and the tag versions it was written under — the shape kept in L1 and,
 * encoded by {@link encodeEntry}, in L2. Times are wall-clock ms (shared by every instance).
 */
export class Entry {
  constructor(
    /** The value (deserialised). */
    public value: unknown,
    /** Fresh until this time (`Infinity`: never expires). */
    public expiresAt: number,
    /** Served stale by `getOrLoad` (stale-while-revalidate) until this time. */
    public staleUntil: number,
    /** Served by fail-safe (loader failed, Redis down) until this time. */
    public graceUntil: number,
    /** Global generation at write time (bumped by `clear()` and after a write queue overflow). */
    public gen: number,
    /** Tags (namespace tags included), or `undefined`. */
    public tags: readonly string[] | undefined,
    /** The version of each tag at write time, parallel to `tags`. */
    public versions: readonly number[] | undefined,
  ) {}

  /** When both L1 and L2 may drop it (the last time it can be served in any way). */
  get keepUntil(): number {
    return Math.max(this.expiresAt, this.staleUntil, this.graceUntil);
  }
}

/**
 * `expiresAt|staleUntil|graceUntil|gen|tagCount|tag|version|…|payload` — a text header the reader parses
 * with `indexOf`, then the serializer's payload. Tags never contain `|` (checked at the boundary).
 */
export function encodeEntry(e: Entry, payload: string): string {
  let head = `${e.expiresAt}|${e.staleUntil}|${e.graceUntil}|${e.gen}|`;
  const tags = e.tags;
  if (tags === undefined) head += '0|';
  else {
    head += `${tags.length}|`;
    const versions = e.versions as readonly number[];
    for (let i = 0; i < tags.length; i++) head += `${tags[i]}|${versions[i]}|`;
  }
  return head + payload;
}

/** The parsed header of a stored entry plus where its payload starts; `undefined` when malformed. */
export function decodeHeader(text: string): { entry: Entry; payloadAt: number } | undefined {
  let at = 0;
  const field = (): string | undefined => {
    const bar = text.indexOf('|', at);
    if (bar < 0) return undefined;
    const s = text.slice(at, bar);
    at = bar + 1;
    return s;
  };
  const exp = Number(field());
  const stale = Number(field());
  const grace = Number(field());
  const gen = Number(field());
  const n = Number(field());
  if (Number.isNaN(exp) || Number.isNaN(stale) || Number.isNaN(grace) || !Number.isInteger(gen) || !Number.isInteger(n) || n < 0) {
    return undefined;
  }
  let tags: string[] | undefined;
  let versions: number[] | undefined;
  if (n > 0) {
    tags = [];
    versions = [];
    for (let i = 0; i < n; i++) {
      const tag = field();
      const version = Number(field());
      if (tag === undefined || !Number.isInteger(version)) return undefined;
      tags.push(tag);
      versions.push(version);
    }
  }
  return { entry: new Entry(undefined, exp, stale, grace, gen, tags, versions), payloadAt: at };
}
