// An in-memory stand-in for Redis behind the tier's small `RedisTransport` interface: one shared store with
// PX expiry on a ManualClock, pub/sub delivered on a microtask, and switches to make it fail or drop the bus.
import type { ManualClock } from '@scaling/core';
import type { BusHandlers, RedisTransport, WriteMarker } from '../src/index.js';

interface Stored {
  value: string;
  expiresAt: number;
}

export class MemoryRedis {
  readonly #data = new Map<string, Stored>();
  readonly #subscribers = new Set<MemoryTransport>();
  /** When true every command rejects (Redis down). */
  down = false;
  commands = 0;

  constructor(readonly clock: ManualClock) {}

  transport(): MemoryTransport {
    return new MemoryTransport(this);
  }

  read(key: string): string | null {
    const s = this.#data.get(key);
    if (s === undefined) return null;
    if (s.expiresAt <= this.clock.now()) {
      this.#data.delete(key);
      return null;
    }
    return s.value;
  }

  write(key: string, value: string, ttlMs: number): void {
    this.#data.set(key, { value, expiresAt: ttlMs > 0 ? this.clock.now() + ttlMs : Number.POSITIVE_INFINITY });
  }

  remove(key: string): void {
    this.#data.delete(key);
  }

  keys(): string[] {
    return [...this.#data.keys()].filter((k) => this.read(k) !== null);
  }

  publish(channel: string, message: string): void {
    for (const t of this.#subscribers) t.deliver(channel, message);
  }

  attach(t: MemoryTransport): void {
    this.#subscribers.add(t);
  }
  detach(t: MemoryTransport): void {
    this.#subscribers.delete(t);
  }

  check(): void {
    this.commands++;
    if (this.down) throw new Error('connect ECONNREFUSED (memory redis is down)');
  }
}

export class MemoryTransport implements RedisTransport {
  #channel: string | undefined;
  #handlers: BusHandlers | undefined;
  #up = false;
  /** Messages held back by {@link hold}, or `undefined` while delivering. */
  #held: string[] | undefined;
  constructor(readonly redis: MemoryRedis) {}

  async get(key: string): Promise<string | null> {
    this.redis.check();
    return this.redis.read(key);
  }
  async mget(keys: readonly string[]): Promise<(string | null)[]> {
    this.redis.check();
    return keys.map((k) => this.redis.read(k));
  }
  async set(key: string, value: string, ttlMs: number, channel: string, message: string, marker: WriteMarker): Promise<void> {
    this.redis.check();
    this.redis.write(marker.key, marker.value, marker.ttlMs);
    this.redis.write(key, value, ttlMs);
    this.redis.publish(channel, message);
  }
  async del(key: string, channel: string, message: string, marker: WriteMarker): Promise<void> {
    this.redis.check();
    this.redis.write(marker.key, marker.value, marker.ttlMs);
    this.redis.remove(key);
    this.redis.publish(channel, message);
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
    this.redis.check();
    if ((this.redis.read(markerKey) ?? '') !== expected) return false;
    this.redis.write(key, value, ttlMs);
    this.redis.publish(channel, message);
    return true;
  }
  async incr(key: string, channel: string, message: string): Promise<number> {
    this.redis.check();
    const v = Number(this.redis.read(key) ?? 0) + 1;
    this.redis.write(key, String(v), 0);
    this.redis.publish(channel, message + v);
    return v;
  }
  async setNx(key: string, value: string, ttlMs: number): Promise<boolean> {
    this.redis.check();
    if (this.redis.read(key) !== null) return false;
    this.redis.write(key, value, ttlMs);
    return true;
  }
  async delIfEquals(key: string, value: string): Promise<void> {
    this.redis.check();
    if (this.redis.read(key) === value) this.redis.remove(key);
  }
  /** Subscribes; rejects while Redis is `down` (the subscription then comes up with {@link restoreBus}). */
  async subscribe(channel: string, handlers: BusHandlers): Promise<void> {
    this.#channel = channel;
    this.#handlers = handlers;
    this.redis.attach(this);
    if (this.redis.down) throw new Error('connect ECONNREFUSED (memory redis is down)');
    this.#up = true;
    handlers.up();
  }
  async close(): Promise<void> {
    this.redis.detach(this);
  }

  deliver(channel: string, message: string): void {
    if (!this.#up || channel !== this.#channel) return;
    if (this.#held !== undefined) {
      this.#held.push(message);
      return;
    }
    const h = this.#handlers as BusHandlers;
    queueMicrotask(() => {
      if (this.#up) h.message(message);
    });
  }

  /** Bus messages to this instance are held (a slow bus: the subscription stays up) until {@link release}. */
  hold(): void {
    this.#held ??= [];
  }

  /** Delivers the held messages, in order, and stops holding. */
  release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const m of held) this.deliver(this.#channel as string, m);
  }

  /** The bus connection drops: messages published from now on are lost to this instance. */
  dropBus(): void {
    if (!this.#up) return;
    this.#up = false;
    this.#handlers?.down();
  }

  /** The bus connection is back (subscribed again). */
  restoreBus(): void {
    if (this.#up) return;
    this.#up = true;
    this.#handlers?.up();
  }
}

/** Lets queued microtasks (bus deliveries, promise chains) run. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}
