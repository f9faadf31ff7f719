// Issue "Existing packages: the faults …", point 12 (kind: a check that does not honour its timeout).
// A server that accepts TCP connections and never answers (as a hung PostgreSQL, or a firewall that
// black-holes): ready() and checkReplicas() still settle within checkTimeoutMs, and ready() reports an
// unreachable primary with a coded error. Real sockets on loopback, no PostgreSQL needed.
import { createServer, type Server, type Socket } from 'node:net';
import { isScalingError } from '@scaling/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReplicatedPool, PrimaryUnreachableError } from '../src/index.js';

const CHECK_TIMEOUT = 300;
/** Generous bound for "settled" (the test only fails if a check hangs, not on speed). */
const BOUND = 10_000;

let silent: Server;
let silentPort = 0;
let closedPort = 0;
const sockets = new Set<Socket>();

beforeAll(async () => {
  silent = createServer((socket) => {
    sockets.add(socket); // accept, read nothing, answer nothing
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentPort = (silent.address() as { port: number }).port;
  // a port with nothing listening: bind, note it, close
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
});

const url = (port: number) => `postgres://postgres@127.0.0.1:${port}/postgres`;

/** `p`'s outcome, or 'hung' after BOUND ms. */
async function within<T>(p: Promise<T>): Promise<{ value?: T; error?: unknown } | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), BOUND);
  });
  try {
    return await Promise.race([
      p.then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
      hung,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

describe('every check honours checkTimeoutMs', { timeout: 3 * BOUND }, () => {
  it('a replica that accepts and never answers: checkReplicas() and ready() settle, the replica is down with the reason', async () => {
    const db = createReplicatedPool({
      primary: { connectionString: url(closedPort), connectionTimeoutMillis: 1_000 },
      replicas: [{ id: 'silent', pool: url(silentPort) }],
      checkTimeoutMs: CHECK_TIMEOUT,
      checkIntervalMs: 60_000,
    });
    try {
      const checked = await within(db.checkReplicas());
      expect(checked).not.toBe('hung');
      const states = (checked as { value: Awaited<ReturnType<typeof db.checkReplicas>> }).value;
      expect(states[0]).toMatchObject({ id: 'silent', eligible: false, reason: 'down' });
      expect(states[0]?.detail).toMatch(/timed out/);
      const ready = await within(db.ready());
      expect(ready).not.toBe('hung');
      // the primary is a closed port: reported, with a code
      expect((ready as { error: unknown }).error).toBeInstanceOf(PrimaryUnreachableError);
      expect(isScalingError((ready as { error: unknown }).error, 'ERR_PRIMARY_UNREACHABLE')).toBe(true);
    } finally {
      await within(db.end());
    }
  });

  it('a primary that accepts and never answers: ready() rejects with ERR_PRIMARY_UNREACHABLE after checkTimeoutMs', async () => {
    const db = createReplicatedPool({ primary: url(silentPort), checkTimeoutMs: CHECK_TIMEOUT });
    try {
      const ready = await within(db.ready());
      expect(ready).not.toBe('hung');
      const error = (ready as { error: unknown }).error;
      expect(isScalingError(error, 'ERR_PRIMARY_UNREACHABLE')).toBe(true);
      expect((error as Error).message).toMatch(/checkTimeoutMs \(300 ms\)/);
      // not memoised as a failure: the next call checks again
      expect(await within(db.ready())).toMatchObject({ error: expect.any(PrimaryUnreachableError) });
    } finally {
      await within(db.end());
    }
  });
});
