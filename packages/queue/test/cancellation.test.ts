import { describe, expect, it } from 'vitest';
import { Queue } from '../src/index.js';
import { deferred, flush, track } from './_helpers.js';

describe('cancellation with AbortSignal', () => {
  it('removes an aborted queued task without touching the running count or the order of the others', async () => {
    const q = new Queue({ concurrency: 1 });
    const gate = deferred();
    void q.add(() => gate.promise);
    const order: number[] = [];
    const controllers = [0, 1, 2, 3].map(() => new AbortController());
    const ts = controllers.map((c, i) => track(q.add(async () => void order.push(i), { signal: c.signal })));
    controllers[1]?.abort('no');
    controllers[2]?.abort('no');
    expect(q.size).toBe(2);
    expect(q.pending).toBe(1);
    gate.resolve();
    await q.onIdle();
    await flush();
    expect(order).toEqual([0, 3]);
    expect(ts.map((t) => t.state)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(ts[1]?.reason).toBe('no');
    expect(q.counters.cancelled).toBe(2);
  });

  it('aborting a running task forwards to its own signal; the task decides, its slot is held until it ends', async () => {
    const q = new Queue({ concurrency: 1 });
    const c = new AbortController();
    const t = track(
      q.add(({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))), {
        signal: c.signal,
      }),
    );
    expect(q.pending).toBe(1);
    c.abort(new Error('stop'));
    await flush();
    expect((t.reason as Error).message).toBe('stop');
    expect(q.pending).toBe(0);
  });

  it('one shared signal over many tasks registers a single listener and leaves none behind', async () => {
    const q = new Queue({ concurrency: 1, paused: true });
    const c = new AbortController();
    const all = Array.from({ length: 50 }, () => q.add(async () => 1, { signal: c.signal }));
    q.resume();
    await Promise.all(all);
    // if a listener were left behind, aborting now would try to reject settled tasks
    c.abort();
    await flush();
    expect(q.counters).toMatchObject({ completed: 50, cancelled: 0 });
  });
});
