import { isScalingError, ManualClock } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { type PriorityQueue, Queue, type QueuedTask, type Task } from '../src/index.js';
import { deferred, flush } from './_helpers.js';

/** Every place where the queue calls user code. */
const SITES = [
  'task (synchronous part)',
  'task (after an await)',
  'abort listener of a running task',
  'onFailed',
  'failed listener',
  'retry listener',
  'full listener',
  'retryIf',
  'backoff',
  'queueClass.enqueue',
  'queueClass.dequeue',
] as const;
type Site = (typeof SITES)[number];

interface Harness {
  add(task: Task<unknown>): void;
  tryAdd(task: Task<unknown>): void;
}

/** Every public method a callback might call on its own queue. */
const ACTIONS: Record<string, (q: Queue, h: Harness) => void> = {
  add: (_, h) => h.add(async () => 'inner'),
  'add (a task that adds again)': (q, h) => h.add(() => void h.add(async () => q.size)),
  tryAdd: (_, h) => h.tryAdd(async () => 'inner'),
  clear: (q) => q.clear(),
  close: (q) => void q.close(),
  'close({ drain: false })': (q) => void q.close({ drain: false }),
  'close({ timeoutMs })': (q) => void q.close({ timeoutMs: 3 }),
  pause: (q) => q.pause(),
  'pause then resume': (q) => {
    q.pause();
    q.resume();
  },
  'concurrency = 3': (q) => {
    q.concurrency = 3;
  },
  'onIdle / onEmpty / onSizeLessThan': (q) => {
    void q.onIdle();
    void q.onEmpty();
    void q.onSizeLessThan(1);
  },
  'read state': (q) => {
    void [q.stats(), q.isFull, q.running(), q.size, q.pending];
  },
};

/**
 * One scenario that reaches every site once: a long task (with an abort listener) that is aborted, a task that fails
 * twice (retryIf, backoff, retry event, then onFailed and the failed event), a queued task and a refused one (full).
 * The callback at `site` runs `action` on the queue the first time it is reached.
 */
async function run(site: Site, name: string, action: (q: Queue, h: Harness) => void): Promise<void> {
  const clock = new ManualClock();
  const reached = new Set<Site>();
  const thrown: unknown[] = [];
  const settles: number[] = [];
  let q!: Queue;
  const h: Harness = {
    add: (task) => track(q.add(task)),
    tryAdd: (task) => track(q.tryAdd(task)),
  };
  function track(p: Promise<unknown> | undefined): void {
    if (p === undefined) return;
    const i = settles.push(0) - 1;
    p.then(
      () => settles[i]!++,
      () => settles[i]!++,
    );
  }
  function hook(at: Site): void {
    if (reached.has(at)) return;
    reached.add(at);
    if (at !== site) return;
    try {
      action(q, h);
    } catch (error) {
      thrown.push(error);
    }
  }
  class HookedFifo implements PriorityQueue {
    readonly #tasks: QueuedTask[] = [];
    enqueue(task: QueuedTask): void {
      hook('queueClass.enqueue');
      this.#tasks.push(task);
    }
    dequeue(): QueuedTask | undefined {
      hook('queueClass.dequeue');
      return this.#tasks.shift();
    }
    remove(task: QueuedTask): void {
      this.#tasks.splice(this.#tasks.indexOf(task), 1);
    }
  }
  q = new Queue({
    concurrency: 1,
    maxQueued: 2,
    clock,
    queueClass: HookedFifo,
    retry: {
      attempts: 2,
      retryIf: () => {
        hook('retryIf');
        return true;
      },
      backoff: () => {
        hook('backoff');
        return 5;
      },
    },
    onFailed: () => hook('onFailed'),
  });
  q.on('failed', () => hook('failed listener'));
  q.on('retry', () => hook('retry listener'));
  q.on('full', () => hook('full listener'));

  const gate = deferred();
  const caller = new AbortController();
  track(
    q.add(
      async (ctx) => {
        hook('task (synchronous part)');
        await null;
        hook('task (after an await)');
        ctx.signal.addEventListener('abort', () => hook('abort listener of a running task'));
        await gate.promise; // ignores the abort: finishes when the test says so
      },
      { signal: caller.signal },
    ),
  );
  // close({ drain: false }) promises that nothing accepted starts afterwards, whichever callback called it
  let startsAfterDrop = 0;
  const dropping = name === 'close({ drain: false })';
  const starts = (): void => {
    if (dropping && q.isClosed) startsAfterDrop++;
  };
  h.add(() => {
    starts();
    return Promise.reject(new Error('boom'));
  });
  h.add(async () => starts());
  h.add(async () => starts());
  await flush();
  caller.abort(new Error('caller left'));
  gate.resolve();
  await flush();
  for (let i = 0; i < 20; i++) {
    q.resume();
    await clock.advanceAsync(5);
  }
  await flush();

  expect(reached.has(site)).toBe(true);
  expect(startsAfterDrop).toBe(0);
  // a re-entrant call either works or throws a coded error, never an internal TypeError
  for (const e of thrown) expect(isScalingError(e)).toBe(true);
  expect(settles.every((n) => n === 1)).toBe(true);
  expect({ size: q.size, pending: q.pending, waitingForRoom: q.waitingForRoom, retrying: q.retrying }).toEqual({
    size: 0,
    pending: 0,
    waitingForRoom: 0,
    retrying: 0,
  });
  let idle = false;
  void q.onIdle().then(() => (idle = true));
  await flush();
  expect(idle).toBe(true);
  expect(clock.pendingTimers).toBe(0);
}

describe('re-entrant calls from every callback either work or throw a coded error (kind: re-entrancy, issue 13 point 14)', () => {
  for (const site of SITES) {
    for (const [name, action] of Object.entries(ACTIONS)) {
      it(`${site} calls ${name}`, async () => {
        await run(site, name, action);
      });
    }
  }
});
