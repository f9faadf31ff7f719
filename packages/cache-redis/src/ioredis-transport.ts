import { assertOptions } from '@scaling/core/internal';
import type { BusHandlers, RedisTransport, WriteMarker } from './transport.js';

/**
 * The part of an ioredis `Redis` client the transport uses (structural, so the package has no import of
 * ioredis; any ioredis 5 or 6 client fits).
 */
export interface IoredisLike {
  /** `GET key`: the stored string, or `null` when absent. */
  get(key: string): Promise<string | null>;
  /** `MGET keys…`: one string or `null` per key, in order. */
  mget(keys: string[]): Promise<(string | null)[]>;
  /** `SET key value [PX ms] [NX]`, used for L2 writes and stampede locks. */
  // biome-ignore lint/suspicious/noExplicitAny: ioredis overloads SET by argument list
  set(...args: any[]): Promise<unknown>;
  /** `EVAL script numkeys keys… args…`, used for the atomic tag-version bump, guarded fills and lock release. */
  // biome-ignore lint/suspicious/noExplicitAny: ioredis overloads EVAL by argument list
  eval(...args: any[]): Promise<unknown>;
  /** `DEL key`. */
  del(key: string): Promise<unknown>;
  /** `PUBLISH channel message`, used for invalidation messages. */
  publish(channel: string, message: string): Promise<unknown>;
  /** A new client with the same options (and `override`), used for the subscription connection. */
  // biome-ignore lint/suspicious/noExplicitAny: the options of ioredis' constructor
  duplicate(override?: any): IoredisLike;
  /** `SUBSCRIBE channel` on the subscription connection. */
  subscribe(channel: string): Promise<unknown>;
  /** `PING`, used for the subscription heartbeat. */
  ping(): Promise<unknown>;
  /** Opens the connection (for a client created with `lazyConnect`). */
  connect(): Promise<void>;
  /** Closes the connection; with `reconnect` true, ioredis reconnects (used to reset the subscription). */
  disconnect(reconnect?: boolean): void;
  /** Adds an event listener (`'message'`, `'error'`, `'ready'`, `'close'`, …). */
  // biome-ignore lint/suspicious/noExplicitAny: EventEmitter listeners
  on(event: string, listener: (...args: any[]) => void): unknown;
  /** ioredis' connection state (`'wait'`, `'connecting'`, `'ready'`, `'end'`, …). */
  readonly status: string;
}

/** Options of {@link ioredisTransport}. */
export interface IoredisTransportOptions {
  /**
   * Every this many ms the subscription connection is pinged; a ping unanswered within `heartbeatTimeoutMs`
   * counts as a lost subscription (so a silent partition is noticed, not only a closed socket). Default
   * 1000; 0 turns it off.
   */
  heartbeatMs?: number;
  /** How long a heartbeat ping may take, in ms (default 500). */
  heartbeatTimeoutMs?: number;
  /** `CLIENT SETNAME` of the subscription connection (default `scaling-cache-bus`). */
  connectionName?: string;
}

const INCR_PUBLISH = "local v = redis.call('INCR', KEYS[1]); redis.call('PUBLISH', ARGV[1], ARGV[2] .. v); return v";
// KEYS: value key, marker key; ARGV: value, ttl ms ('0': none), expected marker ('' = absent), channel, message.
const SET_IF_MARKER =
  "if (redis.call('GET', KEYS[2]) or '') ~= ARGV[3] then return 0 end " +
  "if ARGV[2] == '0' then redis.call('SET', KEYS[1], ARGV[1]) else redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end " +
  "redis.call('PUBLISH', ARGV[4], ARGV[5]) return 1";
const DEL_IF_EQUALS = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

class IoredisTransport implements RedisTransport {
  readonly #client: IoredisLike;
  readonly #options: Required<IoredisTransportOptions>;
  #sub: IoredisLike | undefined;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  constructor(client: IoredisLike, options: Required<IoredisTransportOptions>) {
    this.#client = client;
    this.#options = options;
  }

  get(key: string): Promise<string | null> {
    return this.#client.get(key);
  }
  mget(keys: readonly string[]): Promise<(string | null)[]> {
    return this.#client.mget(keys as string[]);
  }
  async set(key: string, value: string, ttlMs: number, channel: string, message: string, marker: WriteMarker): Promise<void> {
    // The commands are written in the same tick and in order on one connection, so they share one round trip
    // (no pipeline object needed) and Redis runs them in this order.
    const c = this.#client;
    await Promise.all([
      c.set(marker.key, marker.value, 'PX', marker.ttlMs),
      ttlMs > 0 ? c.set(key, value, 'PX', ttlMs) : c.set(key, value),
      c.publish(channel, message),
    ]);
  }
  async del(key: string, channel: string, message: string, marker: WriteMarker): Promise<void> {
    const c = this.#client;
    await Promise.all([c.set(marker.key, marker.value, 'PX', marker.ttlMs), c.del(key), c.publish(channel, message)]);
  }
  async setIfMarker(
    key: string,
    value: string,
    ttlMs: number,
    markerKey: string,
    expected: string,
    channel: string,
    message: string,
  ): Promise<boolean> {
    return Number(await this.#client.eval(SET_IF_MARKER, 2, key, markerKey, value, String(ttlMs), expected, channel, message)) === 1;
  }
  async incr(key: string, channel: string, message: string): Promise<number> {
    return Number(await this.#client.eval(INCR_PUBLISH, 1, key, channel, message));
  }
  async setNx(key: string, value: string, ttlMs: number): Promise<boolean> {
    return (await this.#client.set(key, value, 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX')) === 'OK';
  }
  async delIfEquals(key: string, value: string): Promise<void> {
    await this.#client.eval(DEL_IF_EQUALS, 1, key, value);
  }

  subscribe(channel: string, handlers: BusHandlers): Promise<void> {
    const sub = this.#client.duplicate({
      autoResubscribe: false,
      lazyConnect: true,
      connectionName: this.#options.connectionName,
      enableOfflineQueue: true,
    });
    this.#sub = sub;
    let up = false;
    let first: { resolve: () => void; reject: (e: unknown) => void } | undefined;
    const firstUp = new Promise<void>((resolve, reject) => {
      first = { resolve, reject };
    });
    const lost = (): void => {
      if (!up) return;
      up = false;
      handlers.down();
    };
    sub.on('message', (ch: string, text: string) => {
      if (ch === channel) handlers.message(text);
    });
    sub.on('close', lost);
    sub.on('error', () => {}); // reported through 'close'; an unhandled 'error' would crash the process
    sub.on('ready', () => {
      sub.subscribe(channel).then(
        () => {
          if (this.#closed || up) return;
          up = true;
          handlers.up();
          first?.resolve();
          first = undefined;
        },
        () => sub.disconnect(true),
      );
    });
    const { heartbeatMs, heartbeatTimeoutMs } = this.#options;
    if (heartbeatMs > 0) {
      this.#heartbeat = setInterval(() => {
        if (!up) return;
        let answered = false;
        const timer = setTimeout(() => {
          if (answered || this.#closed) return;
          lost();
          sub.disconnect(true); // reconnect: 'ready' subscribes again and reports up
        }, heartbeatTimeoutMs);
        timer.unref();
        sub.ping().then(
          () => {
            answered = true;
            clearTimeout(timer);
          },
          () => {},
        );
      }, heartbeatMs);
      this.#heartbeat.unref();
    }
    sub.connect().catch((e: unknown) => {
      first?.reject(e);
      first = undefined;
    });
    return firstUp;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
    this.#sub?.disconnect(false);
  }
}

/**
 * A {@link RedisTransport} over an ioredis client. Commands go through `client` (set + publish written together:
 * one round trip); the invalidation bus uses `client.duplicate()` (its own connection, named
 * `connectionName`, heart-beaten so a silent partition is noticed). `close()` closes only that duplicate.
 *
 * Recommended client options for a cache: `maxRetriesPerRequest: 1` and a short `connectTimeout`, so
 * commands fail fast while Redis is down (the tier's `commandTimeout` bounds the wait either way).
 *
 * @example
 * ```ts
 * import Redis from 'ioredis';
 * import { createTieredCache, ioredisTransport } from '@scaling/cache-redis';
 * const tier = createTieredCache({ transport: ioredisTransport(new Redis(), { heartbeatMs: 500 }) });
 * ```
 */
export function ioredisTransport(client: IoredisLike, options: IoredisTransportOptions = {}): RedisTransport {
  if (typeof client !== 'object' || client === null || typeof client.publish !== 'function' || typeof client.duplicate !== 'function') {
    throw new TypeError('Expected `redis` to be an ioredis client (with `publish()` and `duplicate()`), got something else');
  }
  assertOptions('ioredisTransport', options, ['heartbeatMs', 'heartbeatTimeoutMs', 'connectionName']);
  const heartbeatMs = options.heartbeatMs ?? 1000;
  const heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? 500;
  if (!(heartbeatMs >= 0 && Number.isFinite(heartbeatMs)))
    throw new RangeError(`Expected \`heartbeatMs\` to be a finite number ≥ 0, got ${String(heartbeatMs)}`);
  if (!(heartbeatTimeoutMs > 0 && Number.isFinite(heartbeatTimeoutMs)))
    throw new RangeError(`Expected \`heartbeatTimeoutMs\` to be a positive finite number, got ${String(heartbeatTimeoutMs)}`);
  return new IoredisTransport(client, { heartbeatMs, heartbeatTimeoutMs, connectionName: options.connectionName ?? 'scaling-cache-bus' });
}
