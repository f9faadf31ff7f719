// The shape of a stored response: status, fields, body, freshness, its Vary values and surrogate keys.
import type { CacheControl } from './cache-control.js';
import type { HeaderMap } from './headers.js';
import type { StoredFreshness } from './serve-decision.js';

/** A stored response: what the cache serves, plus what its freshness and `Vary` matching need. */
export interface CachedResponse extends StoredFreshness {
  /** The status code. */
  status: number;
  /** The header fields as stored (hop-by-hop and `no-cache="…"` fields removed). */
  headers: HeaderMap;
  /** The whole body. */
  body: Buffer;
  /** The request fields it varies on (lower-case, sorted). */
  varyNames: string[];
  /** Their normalised values on the request that stored it (see `varyValues`). */
  varyValues: (string | undefined)[];
  /** Surrogate keys (tags) it was stored under, for purging by key. */
  surrogateKeys: string[];
  /** The directives this cache obeys. */
  cacheControl: CacheControl;
}
