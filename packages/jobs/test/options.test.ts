import { describe, expect, it } from 'vitest';
import { DuplicateJobError, defineJob, InProcessBackend, JobQueue } from '../src/index.js';

const noop = defineJob('noop', async () => {});

describe('bad input and misuse (issue 20; kind: unknown option keys are errors)', () => {
  it('every options object rejects unknown keys, with a hint for BullMQ/p-queue names', async () => {
    expect(() => new InProcessBackend({ clok: 1 } as never)).toThrow(/Unknown option `clok`/);
    const backend = new InProcessBackend();
    expect(() => new JobQueue({ backend, jobs: [noop], concurrency: 4 } as never)).toThrow(/Unknown option `concurrency`.*jobs\.work/);
    const q = new JobQueue({ backend, jobs: [noop] });
    expect(() => q.work({ limiter: { max: 1 } } as never)).toThrow(/Unknown option `limiter`.*rateLimit/);
    expect(() => q.work({ rateLimit: { max: 1, duration: 5 } } as never)).toThrow(/Unknown option `max`.*use `limit`/);
    await expect(q.enqueue(noop, {}, { jobId: 'x' } as never)).rejects.toThrow(/Unknown option `jobId`.*idempotencyKey/);
    await expect(q.enqueue(noop, {}, { backoff: { type: 'exponential', delay: 5 } } as never)).rejects.toThrow(/Unknown option `delay`/);
    expect(() => defineJob('x', async () => {}, { retries: 3 } as never)).toThrow(/Unknown option `retries`/);
    const w = q.work();
    expect(() => w.close({ force: true } as never)).toThrow(/Unknown option `force`.*timeoutMs: 0/);
    await q.close();
  });
  it('a job defined twice is a DuplicateJobError; bad names and handlers are TypeErrors', () => {
    const backend = new InProcessBackend();
    expect(() => new JobQueue({ backend, jobs: [noop, defineJob('noop', async () => {})] })).toThrow(DuplicateJobError);
    expect(() => defineJob('has space', async () => {})).toThrow(/letters, digits/);
    expect(() => defineJob('', async () => {})).toThrow(TypeError);
    expect(() => defineJob('x', 'not a function' as never)).toThrow(/Expected `handler` to be a function/);
    expect(() => new JobQueue({ backend: {} as never, jobs: [] })).toThrow(/JobBackend/);
    expect(() => new JobQueue({ backend, jobs: [{}] as never })).toThrow(/job definition/);
  });
  it('bad numbers: attempts, delays, priorities, deadlines, concurrency', async () => {
    const q = new JobQueue({ backend: new InProcessBackend(), jobs: [noop] });
    await expect(q.enqueue(noop, {}, { attempts: 1.5 })).rejects.toThrow(RangeError);
    await expect(q.enqueue(noop, {}, { delayMs: -1 })).rejects.toThrow(RangeError);
    await expect(q.enqueue(noop, {}, { delayMs: Number.NaN })).rejects.toThrow(RangeError);
    await expect(q.enqueue(noop, {}, { priority: 0.5 })).rejects.toThrow(TypeError);
    await expect(q.enqueue(noop, {}, { deadlineMs: -5 })).rejects.toThrow(RangeError);
    await expect(q.enqueue(noop, {}, { idempotencyKey: '' })).rejects.toThrow(/idempotencyKey/);
    expect(() => q.work({ concurrency: 0 })).toThrow(RangeError);
    expect(() => q.work({ names: ['other'] })).toThrow(/defined jobs/);
    await q.close();
    await expect(q.enqueue(noop, {})).rejects.toMatchObject({ code: 'ERR_JOBS_CLOSED', name: 'JobsClosedError' });
  });
});
