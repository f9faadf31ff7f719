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
  /** `SET key value [PX ttlMs]` (no expiry when `ttlMs` is 0), then `PUBLISH channel message`, in order, in one round trip. */
  set(key: string, value: string, ttlMs: number, channel: string, message: string): Promise<void>;
  /** `DEL key`, then `PUBLISH channel message`, in one round trip. */
  del(key: string, channel: string, message: string): Promise<void>;
  /** `INCR key`, then `PUBLISH channel message + <the new value>`, in one round trip; resolves the new value. */
  incr(key: string, channel: string, message: string): Promise<number>;
  /** `SET key value PX ttlMs NX`: `true` when set (the lock was free). */
  setNx(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Deletes `key` only while it still holds `value` (atomically: a lock released only by its holder). */
  delIfEquals(key: string, value: string): Promise<void>;
  /**
   * Subscribes to `channel` on a connection of its own. Resolves once the first subscription is active (or
   * rejects when it cannot be made); afterwards reports every loss and recovery through `handlers`.
   */
  subscribe(channel: string, handlers: BusHandlers): Promise<void>;
  /** Closes what the transport opened (the subscription connection); never the caller's own client. */
  close(): Promise<void>;
}
