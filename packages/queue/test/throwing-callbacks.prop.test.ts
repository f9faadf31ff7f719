import { ManualClock } from '@scaling/core';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type PriorityQueue, Queue, type QueuedTask } from '../src/index.js';
import { type Deferred, deferred, flush } from './_helpers.js';

/** Every user callback the queue calls, each of which may throw. */
const KINDS = [
  'onFailed',
  'failed listener',
  'retry listener',
  'full listener',
  'retryIf',
  'backoff',
  'queueClass.enqueue',
  'queueClass.dequeue',
  'queueClass.remove',
] as const;
type Kind = (typeof KINDS)[number];

const op = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), priority: fc.integer({ min: 0, max: 2 }), abortable: fc.boolean(), viaTry: fc.boolean() }),
  fc.record({ kind: fc.constant('finish' as const), ok: fc.boolean() }),
  fc.record({ kind: fc.constant('abort' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ kind: fc.constantFrom('clear' as const, 'pause' as const, 'resume' as const) }),
  fc.record({ kind: fc.constant('concurrency' as const), n: fc.integer({ min: 1, max: 3 }) }),
);

// Errors a throwing callback produces with no caller to reject are rethrown on process.nextTick (the listeners'
// convention); collect them here instead of letting them fail the run.
let uncaught: unknown[] = [];
let previous: NodeJS.UncaughtExceptionListener[] = [];
const collect = (e: unknown): void => void uncaught.push(e);
beforeEach(() => {
  uncaught = [];
  previous = process.listeners('uncaughtException');
  process.removeAllListeners('uncaughtException');
  process.on('uncaughtException', collect);
});
afterEach(() => {
  process.off('uncaughtException', collect);
  for (const l of previous) process.on('uncaughtException', l);
});

describe('a throwing user callback never leaves the queue broken (kind: throwing callback, issue 13 point 15)', () => {
  it('counts, pending, size and drain promises stay right whichever callbacks throw, and when', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          concurrency: fc.integer({ min: 1, max: 3 }),
          maxQueued: fc.constantFrom(0, 1, 3, Number.POSITIVE_INFINITY),
          whenFull: fc.constantFrom('reject' as const, 'wait' as const),
          attempts: fc.integer({ min: 1, max: 3 }),
        }),
        fc.dictionary(fc.constantFrom(...KINDS), fc.uniqueArray(fc.nat(6), { maxLength: 4 })),
        fc.array(op, { maxLength: 40 }),
        async (config, throwsOn, ops) => {
          const calls = new Map<Kind, number>();
          /** Throws when this is a call number `throwsOn` lists for `kind`. */
          const maybeThrow = (kind: Kind): void => {
            const n = calls.get(kind) ?? 0;
            calls.set(kind, n + 1);
            if ((throwsOn[kind] ?? []).includes(n)) throw new Error(`${kind} threw`);
          };
          class Fifo implements PriorityQueue {
            readonly #tasks: QueuedTask[] = [];
            enqueue(task: QueuedTask): void {
              maybeThrow('queueClass.enqueue');
              this.#tasks.push(task);
            }
            dequeue(): QueuedTask | undefined {
              maybeThrow('queueClass.dequeue');
              return this.#tasks.shift();
            }
            remove(task: QueuedTask): void {
              maybeThrow('queueClass.remove');
              this.#tasks.splice(this.#tasks.indexOf(task), 1);
            }
          }
          const clock = new ManualClock();
          const q = new Queue({
            concurrency: config.concurrency,
            maxQueued: config.maxQueued,
            whenFull: config.whenFull,
            clock,
            queueClass: Fifo,
            retry: {
              attempts: config.attempts,
              retryIf: () => {
                maybeThrow('retryIf');
                return true;
              },
              backoff: () => {
                maybeThrow('backoff');
                return 5;
              },
            },
            onFailed: () => maybeThrow('onFailed'),
          });
          q.on('failed', () => maybeThrow('failed listener'));
          q.on('retry', () => maybeThrow('retry listener'));
          q.on('full', () => maybeThrow('full listener'));

          const running: Array<Deferred<string>> = [];
          const controllers: AbortController[] = [];
          const settles: number[] = [];
          let resolved = 0;
          for (const o of ops) {
            if (o.kind === 'add') {
              const c = new AbortController();
              controllers.push(c);
              const task = () => {
                const d = deferred<string>();
                running.push(d);
                return d.promise;
              };
              const options = { priority: o.priority, ...(o.abortable ? { signal: c.signal } : {}) };
              const p = o.viaTry ? q.tryAdd(task, options) : q.add(task, options);
              if (p !== undefined) {
                const i = settles.push(0) - 1;
                p.then(
                  () => {
                    settles[i]!++;
                    resolved++;
                  },
                  () => settles[i]!++,
                );
              }
            } else if (o.kind === 'finish') {
              const d = running.shift();
              if (o.ok) d?.resolve('ok');
              else d?.reject(new Error('task failed'));
            } else if (o.kind === 'abort') {
              if (controllers.length > 0) controllers[o.pick % controllers.length]?.abort(new Error('aborted'));
            } else if (o.kind === 'advance') await clock.advanceAsync(o.ms);
            else if (o.kind === 'concurrency') q.concurrency = o.n;
            else q[o.kind]();
            await flush();
            expect(q.pending).toBeLessThanOrEqual(Math.max(q.concurrency, 3));
            expect(q.size).toBeGreaterThanOrEqual(0);
            // maxQueued bounds admission; a retry of an accepted task rejoins the queue even past it. With
            // maxQueued 0 a task waiting for room passes through the queue class on its way to a free slot:
            // when the class's dequeue throws then, the task stays queued (not lost) until the next event.
            const dequeueThrew = (throwsOn['queueClass.dequeue'] ?? []).some((n) => n < (calls.get('queueClass.dequeue') ?? 0));
            if (config.attempts === 1)
              expect(q.size).toBeLessThanOrEqual(config.maxQueued + (dequeueThrew && config.maxQueued === 0 ? 1 : 0));
          }
          // wind down: everything running succeeds, time passes, the queue is resumed (a failed dequeue waits for the
          // next event), until nothing is left
          for (let i = 0; i < 200 && (running.length > 0 || q.size + q.pending + q.waitingForRoom + q.retrying > 0); i++) {
            for (const d of running.splice(0)) d.resolve('ok');
            q.resume();
            await clock.advanceAsync(5);
          }
          await flush();
          expect(settles.every((n) => n === 1)).toBe(true);
          expect({ size: q.size, pending: q.pending, waiting: q.waitingForRoom, retrying: q.retrying }).toEqual({
            size: 0,
            pending: 0,
            waiting: 0,
            retrying: 0,
          });
          expect(q.stats().completed).toBe(resolved);
          let idle = false;
          void q.onIdle().then(() => (idle = true));
          await flush();
          expect(idle).toBe(true);
          // and it keeps working
          q.resume();
          const after = q.add(async () => 'still works');
          for (let i = 0; i < 10; i++) {
            q.resume();
            await clock.advanceAsync(5);
          }
          await expect(after).resolves.toBe('still works');
          // every error thrown by a callback with no caller to reject surfaced (nothing else did)
          for (const e of uncaught) expect(String((e as Error).message)).toMatch(/threw$/);
        },
      ),
      { numRuns: 150 },
    );
  });
});
