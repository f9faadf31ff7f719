// A job redelivered more often than its `attempts` (its workers keep crashing: a poison message) is
// dead-lettered without running again (issue 20, delivery semantics).
import { describe, expect, it } from 'vitest';
import { type DeadLetter, type Delivery, defineJob, type JobBackend, JobQueue, type JobRecord } from '../src/index.js';

describe('poison message', () => {
  it('a delivery whose attempt exceeds `attempts` is dead-lettered without running', async () => {
    let ran = 0;
    const letters: DeadLetter[] = [];
    const record: JobRecord = {
      id: 'p1',
      name: 'crashy',
      payload: '{}',
      enqueuedAt: Date.now(),
      notBefore: Date.now(),
      deadlineAt: undefined,
      attempts: 2,
      backoff: { type: 'fixed', delayMs: 0 },
      priority: 0,
      idempotencyKey: undefined,
    };
    let handled!: Promise<void>;
    const backend: JobBackend = {
      kind: 'fake',
      capabilities: { priority: true, durable: true, maxPayloadBytes: 1000, exactAttempts: true },
      enqueue: async (r) => ({ id: r.id, duplicate: false }),
      consume: async (_names, _c, handle) => {
        const d: Delivery = {
          record,
          attempt: 3,
          ack: async () => {},
          retry: async () => {},
          deadLetter: async (l) => void letters.push(l),
        };
        handled = handle(d);
        return { close: async () => {} };
      },
      deadLetters: async () => letters,
      close: async () => {},
    };
    const q = new JobQueue({ backend, jobs: [defineJob('crashy', async () => void ran++)] });
    await q.work().ready();
    await handled;
    expect(ran).toBe(0);
    expect(letters).toHaveLength(1);
    expect(letters[0]?.error).toMatch(/redelivered 2 times after worker failures/);
    expect(q.stats().deadLettered).toBe(1);
    await q.close();
  });
});
