import { createServer, type Server } from 'node:http';
import { isScalingError, ManualClock } from '@scaling/core';
import { afterEach, describe, expect, it } from 'vitest';
import { GracefulShutdown } from '../src/index.js';
import { close, get, listen } from './_http.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => (s.listening ? close(s) : undefined)));
});

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('GracefulShutdown', () => {
  it('rejects bad options', () => {
    expect(() => new GracefulShutdown({ delayMs: -1, signals: [] })).toThrow(RangeError);
    expect(() => new GracefulShutdown({ signals: 'SIGTERM' as never })).toThrow(TypeError);
    expect(() => new GracefulShutdown({ signals: [], exit: 1 as never })).toThrow(TypeError);
  });

  it('drains in order: readiness fails, delay, stop accepting, in-flight finishes, hooks, close', async () => {
    const clock = new ManualClock();
    const log: string[] = [];
    const release = deferred();
    const server = createServer(async (req, res) => {
      if (req.url === '/slow') {
        log.push('slow started');
        await release.promise;
        res.end('slow done');
        log.push('slow finished');
      } else res.end('ok');
    });
    servers.push(server);
    const port = await listen(server);
    const shutdown = new GracefulShutdown({ clock, servers: [server], signals: [], delayMs: 5_000, hooks: [async () => log.push('hook')] });
    shutdown.on('state', ({ state }) => log.push(state));
    const slow = get(port, '/slow');
    while (shutdown.inFlight === 0) await new Promise((r) => setImmediate(r));
    const done = shutdown.shutdown();
    expect(shutdown.isShuttingDown).toBe(true);
    // still accepting during the delay
    expect((await get(port, '/quick')).body).toBe('ok');
    await clock.advanceAsync(5_000);
    // it stops listening once the input already received has been read (two turns of the event loop)
    while (server.listening) await new Promise((r) => setImmediate(r));
    expect(shutdown.phase).toBe('requests');
    await expect(get(port, '/quick')).rejects.toThrow();
    expect(shutdown.state).toBe('draining');
    release.resolve();
    expect((await slow).body).toBe('slow done');
    await done;
    expect(log).toEqual(['slow started', 'draining', 'slow finished', 'closing', 'hook', 'closed']);
    expect(clock.pendingTimers).toBe(0);
    expect(shutdown.shutdown()).toBe(done);
  });

  it('gives up on in-flight work after drainTimeoutMs and on hooks after hookTimeoutMs, aborting their signal', async () => {
    const clock = new ManualClock();
    const errors: unknown[] = [];
    let hookSignal: AbortSignal | undefined;
    const shutdown = new GracefulShutdown({
      clock,
      signals: [],
      delayMs: 0,
      drainTimeoutMs: 1_000,
      hookTimeoutMs: 2_000,
      hooks: [
        (signal) => {
          hookSignal = signal;
          return new Promise(() => {});
        },
        () => {
          throw new Error('pool close failed');
        },
      ],
    });
    shutdown.on('error', ({ error }) => errors.push(error));
    shutdown.track(new Promise(() => {}));
    const done = shutdown.shutdown();
    await clock.advanceAsync(1_000);
    expect(shutdown.state).toBe('closing');
    await clock.advanceAsync(2_000);
    await done;
    expect(shutdown.state).toBe('closed');
    expect(hookSignal?.aborted).toBe(true);
    expect(errors.map((e) => (isScalingError(e) ? e.code : String(e)))).toEqual(['ERR_TIMEOUT', 'ERR_SHUTDOWN_HOOK', 'ERR_TIMEOUT']);
  });

  it('a signal starts the shutdown and exits with 0 when clean (exit injected)', async () => {
    const clock = new ManualClock();
    const codes: number[] = [];
    const shutdown = new GracefulShutdown({ clock, signals: ['SIGUSR2'], delayMs: 10, exit: (c) => codes.push(c) });
    expect(process.listenerCount('SIGUSR2')).toBeGreaterThan(0);
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(shutdown.state).toBe('draining');
    await clock.advanceAsync(10);
    expect(shutdown.state).toBe('closed');
    expect(codes).toEqual([0]);
    shutdown.dispose();
  });

  it('dispose() removes its signal listeners', () => {
    const before = process.listenerCount('SIGUSR2');
    const shutdown = new GracefulShutdown({ signals: ['SIGUSR2'], exit: false });
    expect(process.listenerCount('SIGUSR2')).toBe(before + 1);
    shutdown.dispose();
    expect(process.listenerCount('SIGUSR2')).toBe(before);
  });
});
