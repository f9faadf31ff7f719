import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AddOptions, Queue, type Task } from '../src/index.js';
import { type Deferred, deferred, flush } from './_helpers.js';

/** The reference model: a list of queued tasks and a set of running ones; nothing asynchronous. */
interface Model {
  queued: Array<{ id: number; priority: number; abortable: boolean }>;
  running: number[];
  started: number[];
  outcomes: Map<number, string>;
  concurrency: number;
  paused: boolean;
  nextId: number;
}

interface Real {
  q: Queue;
  controls: Map<number, Deferred<number>>;
  controllers: Map<number, AbortController>;
  started: number[];
  outcomes: Map<number, string>;
}

function fill(m: Model): void {
  while (!m.paused && m.running.length < m.concurrency && m.queued.length > 0) {
    let best = 0;
    for (let i = 1; i < m.queued.length; i++) if ((m.queued[i]?.priority ?? 0) > (m.queued[best]?.priority ?? 0)) best = i;
    const [next] = m.queued.splice(best, 1);
    if (next === undefined) break;
    m.running.push(next.id);
    m.started.push(next.id);
  }
}

async function check(m: Model, r: Real): Promise<void> {
  await flush();
  expect(r.q.size).toBe(m.queued.length);
  expect(r.q.pending).toBe(m.running.length);
  expect(r.started).toEqual(m.started);
  expect(r.outcomes).toEqual(m.outcomes);
}

type Cmd = fc.AsyncCommand<Model, Real>;

class AddCommand implements Cmd {
  constructor(
    readonly priority: number,
    readonly abortable: boolean,
  ) {}
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    const id = m.nextId++;
    m.queued.push({ id, priority: this.priority, abortable: this.abortable });
    fill(m);
    const d = deferred<number>();
    r.controls.set(id, d);
    const options: AddOptions = { priority: this.priority };
    if (this.abortable) {
      const c = new AbortController();
      r.controllers.set(id, c);
      options.signal = c.signal;
    }
    const task: Task<number> = () => {
      r.started.push(id);
      return d.promise;
    };
    r.q.add(task, options).then(
      () => r.outcomes.set(id, 'ok'),
      (e: Error) => r.outcomes.set(id, e.message),
    );
    await check(m, r);
  }
  toString(): string {
    return `add(priority ${this.priority}${this.abortable ? ', signal' : ''})`;
  }
}

class FinishCommand implements Cmd {
  constructor(
    readonly pick: number,
    readonly ok: boolean,
  ) {}
  check(m: Readonly<Model>): boolean {
    return m.running.length > 0;
  }
  async run(m: Model, r: Real): Promise<void> {
    const i = this.pick % m.running.length;
    const id = m.running[i] as number;
    m.running.splice(i, 1);
    m.outcomes.set(id, this.ok ? 'ok' : 'failed');
    fill(m);
    const d = r.controls.get(id) as Deferred<number>;
    if (this.ok) d.resolve(id);
    else d.reject(new Error('failed'));
    await check(m, r);
  }
  toString(): string {
    return `finish(${this.pick}, ${this.ok ? 'ok' : 'fail'})`;
  }
}

class AbortCommand implements Cmd {
  constructor(readonly pick: number) {}
  check(m: Readonly<Model>): boolean {
    return m.queued.some((t) => t.abortable);
  }
  async run(m: Model, r: Real): Promise<void> {
    const abortable = m.queued.filter((t) => t.abortable);
    const target = abortable[this.pick % abortable.length] as { id: number };
    m.queued = m.queued.filter((t) => t.id !== target.id);
    m.outcomes.set(target.id, 'aborted');
    (r.controllers.get(target.id) as AbortController).abort(new Error('aborted'));
    await check(m, r);
  }
  toString(): string {
    return `abort(${this.pick})`;
  }
}

class PauseCommand implements Cmd {
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    m.paused = true;
    r.q.pause();
    await check(m, r);
  }
  toString(): string {
    return 'pause';
  }
}

class ResumeCommand implements Cmd {
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    m.paused = false;
    fill(m);
    r.q.resume();
    await check(m, r);
  }
  toString(): string {
    return 'resume';
  }
}

class ConcurrencyCommand implements Cmd {
  constructor(readonly n: number) {}
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    m.concurrency = this.n;
    fill(m);
    r.q.concurrency = this.n;
    await check(m, r);
  }
  toString(): string {
    return `concurrency = ${this.n}`;
  }
}

class ClearCommand implements Cmd {
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    for (const t of m.queued) m.outcomes.set(t.id, 'The task was removed by clear()');
    const n = m.queued.length;
    m.queued = [];
    expect(r.q.clear()).toBe(n);
    await check(m, r);
  }
  toString(): string {
    return 'clear';
  }
}

const commands = [
  fc.tuple(fc.integer({ min: 0, max: 2 }), fc.boolean()).map(([p, a]) => new AddCommand(p, a)),
  fc.tuple(fc.nat(), fc.boolean()).map(([i, ok]) => new FinishCommand(i, ok)),
  fc.nat().map((i) => new AbortCommand(i)),
  fc.constant(new PauseCommand()),
  fc.constant(new ResumeCommand()),
  fc.integer({ min: 1, max: 4 }).map((n) => new ConcurrencyCommand(n)),
  fc.constant(new ClearCommand()),
];

/** Runs the model against queues built by `make`; throws (with the shrunk command list) on any divergence. */
async function conforms(make: (concurrency: number) => Queue): Promise<void> {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 3 }),
      fc.commands(commands, { maxCommands: 60, size: 'large' }),
      async (concurrency, cmds) => {
        const setup = () => ({
          model: { queued: [], running: [], started: [], outcomes: new Map(), concurrency, paused: false, nextId: 0 } as Model,
          real: { q: make(concurrency), controls: new Map(), controllers: new Map(), started: [], outcomes: new Map() } as Real,
        });
        await fc.asyncModelRun(setup, cmds);
      },
    ),
  );
}

/** A deliberately broken queue: it ignores priorities (plain FIFO). */
class IgnoresPriority extends Queue {
  override add<T>(task: Task<T>, options?: AddOptions): Promise<T> {
    return super.add(task, { ...options, priority: 0 });
  }
}

describe('Queue against a model (fc.commands)', () => {
  it('matches the model: starts, size, pending and every outcome after every command', async () => {
    await conforms((concurrency) => new Queue({ concurrency }));
  });

  it('catches a broken queue that ignores priorities', async () => {
    await expect(conforms((concurrency) => new IgnoresPriority({ concurrency }))).rejects.toThrow();
  });
});
