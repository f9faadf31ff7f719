import { isScalingError, ManualClock } from '@scaling/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AddOptions, Queue, type QueueOptions, type Task } from '../src/index.js';
import { type Deferred, deferred, flush } from './_helpers.js';

/**
 * Model-based test (fc.commands): a synchronous reference model of the queue — priorities, abort, pause, concurrency,
 * clear, and with a fake clock timeouts, retries with a fixed backoff, the sliding-window rate limit,
 * `whenFull: 'wait'` and close (drain or not, with or without a deadline) — run side by side with the real queue.
 * Timers fire in (due time, scheduling order), as `ManualClock` fires them, so the model schedules its timers in the
 * same order the queue does.
 */

interface Config {
  concurrency: number;
  maxQueued: number;
  whenFull: 'reject' | 'wait';
  rate: { limit: number; intervalMs: number } | undefined;
  timeoutMs: number | undefined;
  attempts: number;
  backoffMs: number;
}

interface MTask {
  id: number;
  priority: number;
  abortable: boolean;
  attempt: number;
  aborted: boolean;
}

interface Timer {
  due: number;
  seq: number;
  kind: 'timeout' | 'backoff' | 'rate' | 'close';
  task?: MTask;
  cancelled: boolean;
}

interface Model {
  cfg: Config;
  now: number;
  seq: number;
  timers: Timer[];
  rateTimer: Timer | undefined;
  starts: number[];
  queued: MTask[];
  waiting: MTask[];
  running: Array<{ task: MTask; timer: Timer | undefined }>;
  delayed: Array<{ task: MTask; timer: Timer }>;
  started: string[];
  outcomes: Map<number, string>;
  concurrency: number;
  paused: boolean;
  closed: boolean;
  dropOnClose: boolean;
  closeDone: boolean;
  deadlinePassed: boolean;
  closeTimer: Timer | undefined;
  nextId: number;
}

interface Real {
  q: Queue;
  clock: ManualClock;
  controls: Map<number, Deferred<number>>;
  controllers: Map<number, AbortController>;
  started: string[];
  outcomes: Map<number, string>;
  closeState: 'none' | 'pending' | 'done';
}

// ---- the model ---------------------------------------------------------------------------------------------------

function schedule(m: Model, delay: number, kind: Timer['kind'], task?: MTask): Timer {
  const t: Timer = { due: m.now + delay, seq: m.seq++, kind, task, cancelled: false };
  m.timers.push(t);
  return t;
}

function rateAllows(m: Model): boolean {
  const rate = m.cfg.rate;
  if (rate === undefined) return true;
  if (m.starts.length < rate.limit) return true;
  const wait = (m.starts[m.starts.length - rate.limit] as number) + rate.intervalMs - m.now;
  if (wait <= 0) return true;
  if (m.rateTimer === undefined) m.rateTimer = schedule(m, wait, 'rate');
  return false;
}

function canStartOne(m: Model): boolean {
  return !m.paused && m.running.length < m.concurrency && rateAllows(m);
}

function start(m: Model, task: MTask): void {
  task.attempt++;
  const timer = m.cfg.timeoutMs === undefined ? undefined : schedule(m, m.cfg.timeoutMs, 'timeout', task);
  m.running.push({ task, timer });
  if (m.cfg.rate !== undefined) m.starts.push(m.now);
  m.started.push(`${task.id}#${task.attempt}`);
}

function dequeue(m: Model): MTask {
  let best = 0;
  for (let i = 1; i < m.queued.length; i++) if ((m.queued[i] as MTask).priority > (m.queued[best] as MTask).priority) best = i;
  return m.queued.splice(best, 1)[0] as MTask;
}

function pump(m: Model): void {
  let again: boolean;
  do {
    again = false;
    while (m.queued.length > 0 && canStartOne(m)) start(m, dequeue(m));
    while (m.waiting.length > 0 && (m.queued.length < m.cfg.maxQueued || (m.queued.length === 0 && canStartOne(m)))) {
      m.queued.push(m.waiting.shift() as MTask);
      again = true;
    }
  } while (again);
  settleClose(m);
}

function dropRateTimerIfIdle(m: Model): void {
  if (m.queued.length === 0 && m.waiting.length === 0 && m.rateTimer !== undefined) {
    m.rateTimer.cancelled = true;
    m.rateTimer = undefined;
  }
}

function dropNotStarted(m: Model, outcome: string): number {
  const n = m.queued.length + m.waiting.length + m.delayed.length;
  for (const t of [...m.queued, ...m.waiting]) m.outcomes.set(t.id, outcome);
  for (const d of m.delayed) {
    d.timer.cancelled = true;
    m.outcomes.set(d.task.id, outcome);
  }
  m.queued = [];
  m.waiting = [];
  m.delayed = [];
  dropRateTimerIfIdle(m);
  settleClose(m);
  return n;
}

function idle(m: Model): boolean {
  return m.queued.length + m.waiting.length + m.running.length + m.delayed.length === 0;
}

function settleClose(m: Model): void {
  if (m.closed && !m.closeDone && (idle(m) || m.deadlinePassed)) {
    m.closeDone = true;
    if (m.closeTimer !== undefined) m.closeTimer.cancelled = true; // close() clears its deadline once idle
  }
}

function fire(m: Model, t: Timer): void {
  if (t.kind === 'rate') {
    m.rateTimer = undefined;
    pump(m);
  } else if (t.kind === 'timeout') {
    const i = m.running.findIndex((r) => r.task === t.task);
    m.running.splice(i, 1);
    m.outcomes.set((t.task as MTask).id, 'ERR_TIMEOUT');
    pump(m);
  } else if (t.kind === 'backoff') {
    const i = m.delayed.findIndex((d) => d.task === t.task);
    m.delayed.splice(i, 1);
    m.queued.push(t.task as MTask);
    pump(m);
  } else {
    dropNotStarted(m, 'ERR_QUEUE_CLOSED');
    for (const r of m.running) {
      r.timer && (r.timer.cancelled = true);
      m.outcomes.set(r.task.id, 'ERR_QUEUE_CLOSED');
    }
    m.running = [];
    m.deadlinePassed = true;
    settleClose(m);
  }
}

function advance(m: Model, ms: number): void {
  const target = m.now + ms;
  for (;;) {
    let next: Timer | undefined;
    for (const t of m.timers)
      if (!t.cancelled && t.due <= target && (next === undefined || t.due < next.due || (t.due === next.due && t.seq < next.seq))) next = t;
    if (next === undefined) break;
    next.cancelled = true; // fired
    m.now = next.due;
    fire(m, next);
  }
  m.now = target;
  m.timers = m.timers.filter((t) => !t.cancelled);
}

// ---- checking ----------------------------------------------------------------------------------------------------

async function check(m: Model, r: Real): Promise<void> {
  await flush();
  expect({
    size: r.q.size,
    pending: r.q.pending,
    waitingForRoom: r.q.waitingForRoom,
    retrying: r.q.retrying,
    timers: r.clock.pendingTimers,
    close: r.closeState,
  }).toEqual({
    size: m.queued.length,
    pending: m.running.length,
    waitingForRoom: m.waiting.length,
    retrying: m.delayed.length,
    timers: m.timers.filter((t) => !t.cancelled).length,
    close: m.closed ? (m.closeDone ? 'done' : 'pending') : 'none',
  });
  expect(r.started).toEqual(m.started);
  expect(r.outcomes).toEqual(m.outcomes);
}

function describeOutcome(e: unknown): string {
  if (isScalingError(e)) return e.code;
  return (e as Error).message;
}

// ---- commands ----------------------------------------------------------------------------------------------------

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
    const task: MTask = { id, priority: this.priority, abortable: this.abortable, attempt: 0, aborted: false };
    if (m.closed) m.outcomes.set(id, 'ERR_QUEUE_CLOSED');
    else if (m.queued.length === 0 && m.waiting.length === 0 && !m.paused && m.running.length < m.concurrency && rateAllows(m))
      start(m, task);
    else if (m.queued.length < m.cfg.maxQueued) m.queued.push(task);
    else if (m.cfg.whenFull === 'wait') m.waiting.push(task);
    else {
      m.outcomes.set(id, 'ERR_QUEUE_FULL');
      dropRateTimerIfIdle(m);
    }
    const options: AddOptions = { priority: this.priority };
    if (this.abortable) {
      const c = new AbortController();
      r.controllers.set(id, c);
      options.signal = c.signal;
    }
    const fn: Task<number> = ({ attempt }) => {
      r.started.push(`${id}#${attempt}`);
      const d = deferred<number>();
      r.controls.set(id, d);
      return d.promise;
    };
    r.q.add(fn, options).then(
      () => r.outcomes.set(id, 'ok'),
      (e: unknown) => r.outcomes.set(id, describeOutcome(e)),
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
    const [{ task, timer }] = m.running.splice(this.pick % m.running.length, 1) as [{ task: MTask; timer: Timer | undefined }];
    if (timer !== undefined) timer.cancelled = true;
    if (this.ok) m.outcomes.set(task.id, 'ok');
    else if (task.attempt < m.cfg.attempts && !m.dropOnClose && !task.aborted) {
      m.delayed.push({ task, timer: schedule(m, m.cfg.backoffMs, 'backoff', task) });
    } else m.outcomes.set(task.id, 'failed');
    pump(m);
    const d = r.controls.get(task.id) as Deferred<number>;
    if (this.ok) d.resolve(task.id);
    else d.reject(new Error('failed'));
    await check(m, r);
  }
  toString(): string {
    return `finish(${this.pick}, ${this.ok ? 'ok' : 'fail'})`;
  }
}

class AbortCommand implements Cmd {
  constructor(readonly pick: number) {}
  #targets(m: Readonly<Model>): MTask[] {
    return [...m.queued, ...m.waiting, ...m.delayed.map((d) => d.task), ...m.running.map((x) => x.task)].filter(
      (t) => t.abortable && !t.aborted,
    );
  }
  check(m: Readonly<Model>): boolean {
    return this.#targets(m).length > 0;
  }
  async run(m: Model, r: Real): Promise<void> {
    const targets = this.#targets(m);
    const target = targets[this.pick % targets.length] as MTask;
    target.aborted = true;
    if (m.running.some((x) => x.task === target)) {
      // forwarded to the task's own signal; the task ignores it and keeps its slot
    } else {
      const d = m.delayed.find((x) => x.task === target);
      if (d !== undefined) d.timer.cancelled = true;
      m.queued = m.queued.filter((t) => t !== target);
      m.waiting = m.waiting.filter((t) => t !== target);
      m.delayed = m.delayed.filter((x) => x.task !== target);
      m.outcomes.set(target.id, 'aborted');
      dropRateTimerIfIdle(m);
      pump(m);
    }
    (r.controllers.get(target.id) as AbortController).abort(new Error('aborted'));
    await check(m, r);
  }
  toString(): string {
    return `abort(${this.pick})`;
  }
}

class SimpleCommand implements Cmd {
  constructor(readonly name: 'pause' | 'resume' | 'clear') {}
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    if (this.name === 'pause') {
      m.paused = true;
      r.q.pause();
    } else if (this.name === 'resume') {
      m.paused = false;
      pump(m);
      r.q.resume();
    } else {
      const n = dropNotStarted(m, 'ERR_QUEUE_CLEARED');
      expect(r.q.clear()).toBe(n);
    }
    await check(m, r);
  }
  toString(): string {
    return this.name;
  }
}

class ConcurrencyCommand implements Cmd {
  constructor(readonly n: number) {}
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    m.concurrency = this.n;
    pump(m);
    r.q.concurrency = this.n;
    await check(m, r);
  }
  toString(): string {
    return `concurrency = ${this.n}`;
  }
}

class AdvanceCommand implements Cmd {
  constructor(readonly ms: number) {}
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    advance(m, this.ms);
    r.clock.advance(this.ms);
    await check(m, r);
  }
  toString(): string {
    return `advance(${this.ms})`;
  }
}

class CloseCommand implements Cmd {
  constructor(
    readonly drain: boolean,
    readonly deadlineMs: number | undefined,
  ) {}
  check(m: Readonly<Model>): boolean {
    return !m.closed;
  }
  async run(m: Model, r: Real): Promise<void> {
    m.closed = true;
    m.dropOnClose = !this.drain;
    if (this.deadlineMs !== undefined) m.closeTimer = schedule(m, this.deadlineMs, 'close');
    if (!this.drain) dropNotStarted(m, 'ERR_QUEUE_CLOSED');
    else if (m.paused) {
      m.paused = false;
      pump(m);
    }
    settleClose(m);
    r.closeState = 'pending';
    void r.q.close({ drain: this.drain, ...(this.deadlineMs === undefined ? {} : { timeoutMs: this.deadlineMs }) }).then(() => {
      r.closeState = 'done';
    });
    await check(m, r);
  }
  toString(): string {
    return `close({ drain: ${this.drain}${this.deadlineMs === undefined ? '' : `, timeoutMs: ${this.deadlineMs}`} })`;
  }
}

const commands = [
  fc.tuple(fc.integer({ min: 0, max: 2 }), fc.boolean()).map(([p, a]) => new AddCommand(p, a)),
  fc.tuple(fc.integer({ min: 0, max: 2 }), fc.boolean()).map(([p, a]) => new AddCommand(p, a)),
  fc.tuple(fc.nat(), fc.boolean()).map(([i, ok]) => new FinishCommand(i, ok)),
  fc.tuple(fc.nat(), fc.boolean()).map(([i, ok]) => new FinishCommand(i, ok)),
  fc.nat().map((i) => new AbortCommand(i)),
  fc.constantFrom('pause' as const, 'resume' as const, 'clear' as const).map((n) => new SimpleCommand(n)),
  fc.integer({ min: 1, max: 4 }).map((n) => new ConcurrencyCommand(n)),
  fc.integer({ min: 1, max: 40 }).map((ms) => new AdvanceCommand(ms)),
  fc.integer({ min: 1, max: 40 }).map((ms) => new AdvanceCommand(ms)),
  fc.tuple(fc.boolean(), fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined })).map(([d, t]) => new CloseCommand(d, t)),
];

const configs: fc.Arbitrary<Config> = fc.record({
  concurrency: fc.integer({ min: 1, max: 3 }),
  maxQueued: fc.constantFrom(0, 1, 2, Number.POSITIVE_INFINITY),
  whenFull: fc.constantFrom('reject' as const, 'wait' as const),
  rate: fc.option(fc.record({ limit: fc.integer({ min: 1, max: 3 }), intervalMs: fc.integer({ min: 5, max: 50 }) }), { nil: undefined }),
  timeoutMs: fc.option(fc.integer({ min: 5, max: 60 }), { nil: undefined }),
  attempts: fc.integer({ min: 1, max: 3 }),
  backoffMs: fc.integer({ min: 1, max: 30 }),
});

function options(cfg: Config, clock: ManualClock): QueueOptions {
  return {
    concurrency: cfg.concurrency,
    maxQueued: cfg.maxQueued,
    whenFull: cfg.whenFull,
    clock,
    ...(cfg.rate === undefined ? {} : { rateLimit: { ...cfg.rate } }),
    ...(cfg.timeoutMs === undefined ? {} : { timeoutMs: cfg.timeoutMs }),
    retry: { attempts: cfg.attempts, backoff: () => cfg.backoffMs },
  };
}

/** Runs the model against queues built by `make`; throws (with the shrunk command list) on any divergence. */
async function conforms(make: (cfg: Config, clock: ManualClock) => Queue, numRuns = 150): Promise<void> {
  await fc.assert(
    fc.asyncProperty(configs, fc.commands(commands, { maxCommands: 60, size: 'large' }), async (cfg, cmds) => {
      const setup = () => {
        const clock = new ManualClock();
        return {
          model: {
            cfg,
            now: 0,
            seq: 0,
            timers: [],
            rateTimer: undefined,
            starts: [],
            queued: [],
            waiting: [],
            running: [],
            delayed: [],
            started: [],
            outcomes: new Map(),
            concurrency: cfg.concurrency,
            paused: false,
            closed: false,
            dropOnClose: false,
            closeDone: false,
            deadlinePassed: false,
            closeTimer: undefined,
            nextId: 0,
          } as Model,
          real: {
            q: make(cfg, clock),
            clock,
            controls: new Map(),
            controllers: new Map(),
            started: [],
            outcomes: new Map(),
            closeState: 'none',
          } as Real,
        };
      };
      await fc.asyncModelRun(setup, cmds);
    }),
    { numRuns },
  );
}

/** A deliberately broken queue: it ignores priorities (plain FIFO). */
class IgnoresPriority extends Queue {
  override add<T>(task: Task<T>, opts?: AddOptions): Promise<T> {
    return super.add(task, { ...opts, priority: 0 });
  }
}

describe('Queue against a model (fc.commands): priorities, abort, pause, concurrency, clear, timeouts, retries, rate limit, waiting for room, close', () => {
  it('matches the model after every command: starts, size, pending, waiting, retrying, timers, close and every outcome', async () => {
    await conforms((cfg, clock) => new Queue(options(cfg, clock)));
  });

  it('catches a broken queue that ignores priorities', async () => {
    await expect(conforms((cfg, clock) => new IgnoresPriority(options(cfg, clock)), 1_000)).rejects.toThrow();
  });

  it('catches a broken rate limit that admits one start too many per window', async () => {
    const leaky = (cfg: Config, clock: ManualClock): Queue => {
      const o = options(cfg, clock);
      return new Queue(o.rateLimit === undefined ? o : { ...o, rateLimit: { ...o.rateLimit, limit: o.rateLimit.limit + 1 } });
    };
    await expect(conforms(leaky, 1_000)).rejects.toThrow();
  });

  it('catches a broken retry policy that makes one attempt too many', async () => {
    await expect(
      conforms(
        (cfg, clock) => new Queue({ ...options(cfg, clock), retry: { attempts: cfg.attempts + 1, backoff: () => cfg.backoffMs } }),
        1_000,
      ),
    ).rejects.toThrow();
  });
});
