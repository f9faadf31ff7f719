const takeBest = (m: Model): void => {
  if (m.inflight !== undefined || m.ready.length === 0) return;
  const best = [...m.ready].sort((a, b) => b.priority - a.priority || a.seq - b.seq)[0] as Model['ready'][0];
  m.ready.splice(m.ready.indexOf(best), 1);
  m.inflight = best;
};

// Model-based test of the in-process backend's delivery order and settlement (fc.commands): ready
// jobs are delivered highest priority first, FIFO within a priority; a retry re-queues at the back
// of its priority; ack and dead letter remove. A broken backend that ignores priorities must fail it.
import { ManualClock } from '@scaling/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Delivery, InProcessBackend, type JobBackend, type JobRecord } from '../src/index.js';

interface Model {
  ready: { id: string; priority: number; seq: number }[];
  /** The job delivered to the (concurrency 1) consumer and not yet settled. */
  inflight: { id: string; priority: number; seq: number } | undefined;
  seq: number;
  dead: number;
}
interface Real {
  backend: JobBackend;
  pending: Delivery[];
  settle: (() => void)[];
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

function record(id: string, priority: number): JobRecord {
  return {
    id,
    name: 'j',
    payload: '{}',
    enqueuedAt: 0,
    notBefore: 0,
    deadlineAt: undefined,
    attempts: 3,
    backoff: { type: 'fixed', delayMs: 0 },
    priority,
    idempotencyKey: undefined,
  };
}

class Enqueue implements fc.AsyncCommand<Model, Real> {
  constructor(readonly priority: number) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const id = `j${m.seq}`;
    m.ready.push({ id, priority: this.priority, seq: m.seq++ });
    takeBest(m);
    await r.backend.enqueue(record(id, this.priority));
    await flush();
  }
  toString = () => `enqueue(p=${this.priority})`;
}

class Settle implements fc.AsyncCommand<Model, Real> {
  constructor(readonly how: 'ack' | 'retry' | 'dead') {}
  check = (m: Model) => m.inflight !== undefined;
  async run(m: Model, r: Real): Promise<void> {
    await flush();
    const d = r.pending.shift();
    expect(d, 'a delivery is waiting').toBeDefined();
    // Expected: the job chosen (highest priority, oldest first) when the slot last freed.
    const best = m.inflight as Model['ready'][0];
    expect(d?.record.id).toBe(best.id);
    m.inflight = undefined;
    if (this.how === 'ack') await d?.ack();
    else if (this.how === 'dead') {
      await d?.deadLetter({ record: d.record, attempts: d.attempt, error: 'x', code: undefined, at: 0 });
      m.dead++;
    } else {
      await d?.retry(0);
      m.ready.push({ ...best, seq: m.seq++ });
    }
    takeBest(m);
    r.settle.shift()?.();
    await flush();
    expect((await r.backend.deadLetters()).length).toBe(m.dead);
  }
  toString = () => `settle(${this.how})`;
}

async function runModel(make: () => JobBackend): Promise<void> {
  await fc.assert(
    fc.asyncProperty(
      fc.commands(
        [
          fc.integer({ min: -2, max: 2 }).map((p) => new Enqueue(p)),
          fc.constantFrom('ack', 'retry', 'dead').map((h) => new Settle(h as 'ack')),
        ],
        {
          maxCommands: 40,
        },
      ),
      async (cmds) => {
        const backend = make();
        const real: Real = { backend, pending: [], settle: [] };
        await backend.consume(['j'], 1, (d) => {
          real.pending.push(d);
          return new Promise<void>((res) => real.settle.push(res));
        });
        await fc.asyncModelRun(() => ({ model: { ready: [], inflight: undefined, seq: 0, dead: 0 }, real }), cmds);
        await backend.close();
      },
    ),
    { numRuns: 60 },
  );
}

class IgnoresPriority extends InProcessBackend {
  override enqueue(r: JobRecord) {
    return super.enqueue({ ...r, priority: 0 });
  }
}

describe('InProcessBackend model', () => {
  it('delivers highest priority first, FIFO within a priority; retry re-queues at the back', async () => {
    await runModel(() => new InProcessBackend({ clock: new ManualClock() }));
  });
  it('catches a broken backend that ignores priorities', async () => {
    await expect(runModel(() => new IgnoresPriority({ clock: new ManualClock() }))).rejects.toThrow();
  });
});
