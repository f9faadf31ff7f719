/**
 * What the bus calls when its subscription state changes or a message arrives (see
 * {@link RedisTransport.subscribe}).
 */
export interface BusHandlers {
  /** A message published on the channel (by any instance, this one included). */
  message(text: string): void;
  /** The subscription is active again (after the first subscription, and after every reconnect). */
  up(): void;
  /** The subscription was lost (connection closed, or a heartbeat went unanswered): messages may be missed. */
  down(): void;
}

/**
 * The write marker of a key (see {@link RedisTransport.set}): every write and delete of a key stores a new,
 * unique `value` at `key` (`<prefix>m:<cache key>`) for `ttlMs`, so that a load which read L2 before the
 * write cannot store its older result afterwards (the lease of Nishtala et al., "Scaling Memcache at
 * Facebook", NSDI 2013, §3.2.1).
 */
export interface WriteMarker {
  /** The marker's Redis key. */
  key: string;
  /** A value no earlier write of this key used. */
  value: string;
  /** Its time to live in ms (the tier's `markerTtl`). */
  ttlMs: number;
}

/**
 * The small Redis interface the tier needs: a handful of commands, each one round trip, plus a
 * subscription. {@link ioredisTransport} implements it over an ioredis client; tests implement it in
 * memory. Each method rejects on any failure; the tier applies the command timeout and the breaker.
 * Times in milliseconds.
 */
export interface RedisTransport {
  /** `GET key`. */
  get(key: string): Promise<string | null>;
  /** `MGET keys…` (at least one key). */
  mget(keys: readonly string[]): Promise<(string | null)[]>;
  /**
   * `SET marker.key marker.value PX marker.ttlMs`, then `SET key value [PX ttlMs]` (no expiry when `ttlMs` is 0),
   * then `PUBLISH channel message`, in this order, in one round trip (the marker first: a guarded fill that runs
   * between the commands is refused, see {@link RedisTransport.setIfMarker}).
   */
  set(key: string, value: string, ttlMs: number, channel: string, message: string, marker: WriteMarker): Promise<void>;
  /** `SET marker.key marker.value PX marker.ttlMs`, then `DEL key`, then `PUBLISH channel message`, in order, in one round trip. */
  del(key: string, channel: string, message: string, marker: WriteMarker): Promise<void>;
  /**
   * A guarded fill, atomically (a Lua script): when the string at `markerKey` is `expected` (`''` = no such key),
   * `SET key value [PX ttlMs]` and `PUBLISH channel message`, and resolve `true`; otherwise change nothing and
   * resolve `false` (the key was written or deleted since the marker was read).
   */
  setIfMarker(
    key: string,
    value: string,
    ttlMs: number,
    markerKey: string,
    expected: string,
    channel: string,
    message: string,
  ): Promise<boolean>;
  /** `INCR key`, then `PUBLISH channel message + <the new value>`, in one round trip; resolves the new value. */
  incr(key: string, channel: string, message: string): Promise<number>;
  /** `SET key value PX ttlMs NX`: `true` when set (the lock was free). */
  setNx(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Deletes `key` only while it still holds `value` (atomically: a lock released only by its holder). */
  delIfEquals(key: string, value: string): Promise<void>;
  /**
   * Subscribes to `channel` on a connection of its own. Resolves once the first subscription is active (or
   * rejects when the first attempt fails: the tier goes on without the bus, and a transport that keeps
   * trying reports the subscription with `handlers.up()` later); afterwards reports every loss and recovery
   * through `handlers`.
   */
  subscribe(channel: string, handlers: BusHandlers): Promise<void>;
  /** Closes what the transport opened (the subscription connection); never the caller's own client. */
  close(): Promise<void>;
}
