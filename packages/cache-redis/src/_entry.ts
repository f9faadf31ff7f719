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

  /** The `PX` TTL (ms) to store it in Redis with at `now`: until {@link Entry.keepUntil}, at least 1; 0 when it never expires. */
  pxAt(now: number): number {
    const keep = this.keepUntil;
    return keep === Number.POSITIVE_INFINITY ? 0 : Math.max(1, Math.ceil(keep - now));
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

/** Where the field starting at `at` ends (the next `|`), or -1. */
function bar(text: string, at: number): number {
  return text.indexOf('|', at);
}

/** The parsed header of a stored entry plus where its payload starts; `undefined` when malformed. */
export function decodeHeader(text: string): { entry: Entry; payloadAt: number } | undefined {
  const b1 = bar(text, 0);
  const b2 = bar(text, b1 + 1);
  const b3 = bar(text, b2 + 1);
  const b4 = bar(text, b3 + 1);
  const b5 = bar(text, b4 + 1);
  if (b1 < 0 || b2 < 0 || b3 < 0 || b4 < 0 || b5 < 0) return undefined;
  const exp = Number(text.slice(0, b1));
  const stale = Number(text.slice(b1 + 1, b2));
  const grace = Number(text.slice(b2 + 1, b3));
  const gen = Number(text.slice(b3 + 1, b4));
  const n = Number(text.slice(b4 + 1, b5));
  if (Number.isNaN(exp) || Number.isNaN(stale) || Number.isNaN(grace) || !Number.isInteger(gen) || !Number.isInteger(n) || n < 0) {
    return undefined;
  }
  let at = b5 + 1;
  let tags: string[] | undefined;
  let versions: number[] | undefined;
  if (n > 0) {
    tags = [];
    versions = [];
    for (let i = 0; i < n; i++) {
      const t = bar(text, at);
      const v = t < 0 ? -1 : bar(text, t + 1);
      if (v < 0) return undefined;
      const version = Number(text.slice(t + 1, v));
      if (!Number.isInteger(version)) return undefined;
      tags.push(text.slice(at, t));
      versions.push(version);
      at = v + 1;
    }
  }
  return { entry: new Entry(undefined, exp, stale, grace, gen, tags, versions), payloadAt: at };
}
