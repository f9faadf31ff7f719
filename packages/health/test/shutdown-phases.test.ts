// Shutdown hooks run in ordered, documented phases (issue 13, point 7): stop accepting → drain requests →
// close queues → close pools/clients; a @scaling/queue Queue handed over directly is drained, or its
// tasks rejected with a reason at the deadline; track() refuses what is not a promise.
import { isScalingError, ManualClock } from '@scaling/core';
import { Queue } from '@scaling/queue';
import { describe, expect, it } from 'vitest';
import { GracefulShutdown, SHUTDOWN_PHASES, ShutdownHookError, type ShutdownPhase } from '../src/index.js';

describe('shutdown phases', () => {
  it('runs the phases in order, each with its own hooks, the next only once the previous ended', async () => {
    const clock = new ManualClock();
    const log: string[] = [];
    const shutdown = new GracefulShutdown({ clock, signals: [], delayMs: 100 });
    shutdown.on('phase', ({ phase }) => log.push(`phase ${phase}`));
    shutdown.on('state', ({ state }) => log.push(`state ${state}`));
    for (const phase of [...SHUTDOWN_PHASES].reverse()) {
      shutdown.addHook(
        async () => {
          log.push(`hook ${phase} start`);
          await Promise.resolve();
          log.push(`hook ${phase} end`);
        },
        { phase },
      );
    }
    const work = shutdown.track(new Promise<void>((r) => clock.setTimeout(r, 150)).then(() => log.push('tracked work done')));
    const done = shutdown.shutdown('deploy');
    await clock.advanceAsync(100);
    await clock.advanceAsync(50);
    await work;
    expect(await done).toEqual({ clean: true, errors: [] });
    expect(log).toEqual([
      'state draining',
      'phase servers',
      'hook servers start',
      'hook servers end',
      'phase requests',
      'hook requests start',
      'hook requests end',
      'tracked work done',
      'phase queues',
      'hook queues start',
      'hook queues end',
      'state closing',
      'phase clients',
      'hook clients start',
      'hook clients end',
      'state closed',
    ]);
  });

  it('a Queue handed to GracefulShutdown is drained in the queues phase, after the requests and before the clients', async () => {
    const clock = new ManualClock();
    const queue = new Queue({ concurrency: 1, clock });
    const log: string[] = [];
    const results = [1, 2, 3].map((n) => queue.add(() => new Promise<number>((r) => clock.setTimeout(() => r(n), 10))));
    const shutdown = new GracefulShutdown({ clock, signals: [], delayMs: 0, queues: [queue] });
    shutdown.addHook(() => void log.push(`pool closed with ${queue.size + queue.pending} task(s) left`));
    const done = shutdown.shutdown();
    await clock.advanceAsync(30);
    expect(await Promise.all(results)).toEqual([1, 2, 3]);
    expect((await done).clean).toBe(true);
    expect(log).toEqual(['pool closed with 0 task(s) left']);
    await expect(queue.add(() => 4)).rejects.toMatchObject({ code: 'ERR_QUEUE_CLOSED' });
  });

  it('tasks still unfinished at queueTimeoutMs are rejected with the queue’s reason (ERR_QUEUE_CLOSED), and the shutdown goes on', async () => {
    const clock = new ManualClock();
    const queue = new Queue({ concurrency: 1, clock });
    const hung = queue.add(() => new Promise(() => {}));
    const waiting = queue.add(() => 'never runs');
    const hungRejected = expect(hung).rejects.toMatchObject({ code: 'ERR_QUEUE_CLOSED' });
    const waitingRejected = expect(waiting).rejects.toMatchObject({ code: 'ERR_QUEUE_CLOSED' });
    const shutdown = new GracefulShutdown({ clock, signals: [], delayMs: 0, queueTimeoutMs: 1_000 });
    shutdown.addQueue(queue);
    const done = shutdown.shutdown();
    await clock.advanceAsync(1_000);
    await hungRejected;
    await waitingRejected;
    const result = await done;
    expect(shutdown.state).toBe('closed');
    expect(result.clean).toBe(true); // the queue kept its deadline; its tasks carry the reason
  });

  it('a queue whose close() rejects or never settles is reported (ShutdownHookError / TimeoutError) and the shutdown still closes', async () => {
    const clock = new ManualClock();
    const failing = { close: () => Promise.reject(new Error('broken queue')) };
    const hanging = { close: () => new Promise<void>(() => {}) };
    const shutdown = new GracefulShutdown({ clock, signals: [], delayMs: 0, queueTimeoutMs: 500, queues: [failing, hanging] });
    const done = shutdown.shutdown();
    await clock.advanceAsync(500);
    const result = await done;
    expect(shutdown.state).toBe('closed');
    expect(result.errors[0]).toBeInstanceOf(ShutdownHookError);
    expect((result.errors[0] as ShutdownHookError).phase).toBe('queues');
    expect(isScalingError(result.errors[1], 'ERR_TIMEOUT')).toBe(true);
  });

  it('track() rejects a non-promise with a TypeError naming `work`', () => {
    const shutdown = new GracefulShutdown({ signals: [], exit: false });
    for (const bad of [undefined, 42, () => Promise.resolve(), {}]) {
      expect(() => shutdown.track(bad as never)).toThrow(TypeError);
      expect(() => shutdown.track(bad as never)).toThrow(/Expected `work` to be a promise/);
    }
    expect(shutdown.inFlight).toBe(0);
  });

  it('addHook rejects an unknown phase and addQueue an object without close()', () => {
    const shutdown = new GracefulShutdown({ signals: [], exit: false });
    expect(() => shutdown.addHook(() => {}, { phase: 'pools' as ShutdownPhase })).toThrow(/Expected `phase` to be one of "servers"/);
    expect(() => shutdown.addQueue({} as never)).toThrow(TypeError);
  });
});
