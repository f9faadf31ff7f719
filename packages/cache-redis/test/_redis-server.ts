// Helpers for the integration tests: the machine's Redis (from scripts/integration/cache-redis.mjs), and an
// own redis-server on a free loopback port in a temp dir for tests that stop, restart or break it.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';

export const REDIS_URL = process.env.REDIS_URL ?? '';
export const REDIS_SERVER_BIN = process.env.REDIS_SERVER_BIN ?? '';

/** A key prefix unique to this test run (the machine's Redis is shared: never FLUSHALL it). */
export function uniquePrefix(what: string): string {
  return `scaling-test:${what}:${process.pid}:${Date.now().toString(36)}:${Math.random().toString(36).slice(2, 8)}:`;
}

/** Deletes every key under `prefix` (SCAN, test clean-up only). */
export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Client options for tests: fail fast while the server is down, reconnect quickly. */
export function clientOptions(port: number) {
  return {
    host: '127.0.0.1',
    port,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 500,
    retryStrategy: (times: number) => Math.min(times * 20, 200),
  };
}

/** An own redis-server (no persistence) that a test may stop and start again on the same port. */
export class OwnRedis {
  readonly dir = mkdtempSync(join(tmpdir(), 'scaling-cache-redis-'));
  #proc: ChildProcess | undefined;
  private constructor(readonly port: number) {}

  static async start(): Promise<OwnRedis> {
    const r = new OwnRedis(await freePort());
    await r.start();
    return r;
  }

  async start(): Promise<void> {
    const proc = spawn(
      REDIS_SERVER_BIN,
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, '--logfile', ''],
      { stdio: 'ignore' },
    );
    this.#proc = proc;
    const deadline = Date.now() + 10_000;
    for (;;) {
      const c = new Redis({ port: this.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      c.on('error', () => {});
      try {
        await c.connect();
        await c.ping();
        c.disconnect();
        return;
      } catch {
        c.disconnect();
        if (Date.now() > deadline) throw new Error(`redis-server did not start on ${this.port}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** Stops the server (SIGKILL: an abrupt outage) and waits for it to exit. */
  async stop(): Promise<void> {
    const proc = this.#proc;
    if (proc === undefined || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await exited;
    this.#proc = undefined;
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Polls `fn` until true (real servers take real time), failing after `timeoutMs`. */
export async function eventually(what: string, fn: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
