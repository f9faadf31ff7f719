/**
 * Timeout with a deadline. Outside a retry it is the total deadline (attempts and backoff sleeps included);
 * inside, a per-attempt timeout. The deadline travels in the context: inner policies and the callee read
 * `ctx.remainingMs` (to propagate it, e.g. as a header), and a retry does not start what cannot finish.
 *
 * Cost: every call of one timeout policy has the same duration, so deadlines arrive in order — they wait in
 * one FIFO with **one** clock timer for the earliest (no timer per call). The signal is created only if the
 * callee reads it, and it is not aborted on success (cockatiel #72: a response body must stay readable).
 */
import { type Clock, systemClock } from '@scaling/core';
import { assertClock, assertOptions, assertPositiveFinite, Emitter } from '@scaling/core/internal';
import { CallContext } from './_context.js';
import { DeadlineExceededError } from './errors.js';
import { type AnyFn, type DeadlineContext, invokeNext, type ObservablePolicy, PolicyBase, type PolicyContext } from './policy.js';

/** Options of {@link timeout}. */
export interface TimeoutOptions {
  /** Default `systemClock`. */
  clock?: Clock;
}

/** Events of a {@link Timeout} policy (channel `scaling:resilience:timeout`). */
export interface TimeoutEvents {
  [event: string]: object;
  /** A call ran past its deadline and was aborted. */
  timeout: {
    /** The policy's timeout, in ms. */
    timeoutMs: number;
  };
}

/** Counters of a {@link Timeout} policy. */
export interface TimeoutStats {
  /** Calls run through the policy, since creation. */
  calls: number;
  /** Calls that ran past the deadline. */
  timedOut: number;
  /** Calls in flight (gauge). */
  pending: number;
  /** Calls that settled before the deadline (value or error), since creation. */
  completed: number;
  /** Calls cut short by `dispose()`, since creation: `calls = completed + timedOut + cancelled + pending`. */
  cancelled: number;
}

/** A timeout policy: the function sees `ctx.remainingMs`. */
export interface Timeout extends ObservablePolicy<PolicyContext & DeadlineContext, TimeoutEvents> {
  /** The timeout in ms. */
  readonly timeoutMs: number;
  /** A snapshot of the policy's counters. */
  stats(): TimeoutStats;
}

/** One call under the timeout: its own abort scope, and the settle functions of the promise returned. */
class Scope extends CallContext {
  settled = false;
  resolve: (v: unknown) => void = noop;
  reject: (e: unknown) => void = noop;
  /** Own deadline (FIFO order). */
  due = 0;
  next: Scope | undefined = undefined;
}

const noop = (): void => {};

/** The settle functions of the promise being built (a shared executor: no closure per call). */
const captured: { resolve: (v: unknown) => void; reject: (e: unknown) => void } = { resolve: noop, reject: noop };
const capture = (resolve: (v: unknown) => void, reject: (e: unknown) => void): void => {
  captured.resolve = resolve;
  captured.reject = reject;
};

class TimeoutPolicy extends PolicyBase implements Timeout {
  readonly timeoutMs: number;
  readonly #clock: Clock;
  readonly #emitter: Emitter<TimeoutEvents>;
  #head: Scope | undefined = undefined;
  #tail: Scope | undefined = undefined;
  #timer: object | undefined = undefined;
  readonly #onTimer: () => void;
  #calls = 0;
  #timedOut = 0;
  #pending = 0;
  #completed = 0;
  #cancelled = 0;

  constructor(ms: number, options: TimeoutOptions) {
    super('timeout');
    assertPositiveFinite('timeoutMs', ms);
    assertOptions('timeout', options, ['clock'], { signal: 'pass `signal` to execute()' }, true);
    const { clock = systemClock } = options;
    assertClock('clock', clock, ['now', 'setTimeout', 'clearTimeout']);
    this.timeoutMs = ms;
    this.#clock = clock;
    this.#emitter = new Emitter<TimeoutEvents>('resilience', ['timeout'], this);
    this.#onTimer = () => {
      this.#timer = undefined;
      this.#expire();
    };
  }

  on<K extends keyof TimeoutEvents & string>(event: K, listener: (payload: TimeoutEvents[K]) => void): () => void {
    return this.#emitter.on(event, listener);
  }

  off<K extends keyof TimeoutEvents & string>(event: K, listener: (payload: TimeoutEvents[K]) => void): void {
    this.#emitter.off(event, listener);
  }

  stats(): TimeoutStats {
    return { calls: this.#calls, timedOut: this.#timedOut, pending: this.#pending, completed: this.#completed, cancelled: this.#cancelled };
  }

  _invoke(ctx: CallContext, fn: AnyFn, chain: readonly PolicyBase[], i: number): Promise<unknown> {
    if (this._disposed) return Promise.reject(this._disposedError());
    this.#calls++;
    this.#pending++;
    const scope = new Scope(ctx);
    const due = this.#clock.now() + this.timeoutMs;
    scope.due = due;
    if (due < scope.deadline) {
      scope.deadline = due;
      scope.clock = this.#clock;
      scope.timeoutMs = this.timeoutMs;
    }
    this.#push(scope);
    const p = new Promise(capture);
    scope.resolve = captured.resolve;
    scope.reject = captured.reject;
    void this.#watch(scope, invokeNext(scope, fn, chain, i));
    return p;
  }

  /** Settles the call with the inner result unless the deadline came first (an async function: no closures per call). */
  async #watch(scope: Scope, inner: Promise<unknown>): Promise<void> {
    let value: unknown;
    try {
      value = await inner;
    } catch (e) {
      if (scope.settled) return;
      const reject = scope.reject;
      this.#done(scope);
      reject(e);
      return;
    }
    if (scope.settled) return;
    const resolve = scope.resolve;
    this.#done(scope);
    resolve(value);
  }

  #done(scope: Scope): void {
    scope.settled = true;
    this.#pending--;
    this.#completed++;
    scope.finish();
    // a settled scope may wait in the FIFO behind a slow one: keep nothing alive through it
    scope.resolve = noop;
    scope.reject = noop;
    scope.lastError = undefined;
    // drop settled scopes from the head so the FIFO stays as short as the calls in flight
    let h = this.#head;
    while (h?.settled) h = h.next;
    this.#head = h;
    if (h === undefined) this.#tail = undefined;
  }

  #push(scope: Scope): void {
    const tail = this.#tail;
    if (tail === undefined) this.#head = scope;
    else tail.next = scope;
    this.#tail = scope;
    if (this.#timer === undefined) this.#arm(this.#head as Scope);
  }

  #arm(head: Scope): void {
    this.#timer = this.#clock.setTimeout(this.#onTimer, head.due - this.#clock.now());
  }

  #expire(): void {
    const now = this.#clock.now();
    let h = this.#head;
    while (h !== undefined && (h.settled || h.due <= now)) {
      const next = h.next;
      h.next = undefined;
      if (!h.settled) this.#fire(h, undefined);
      h = next;
    }
    this.#head = h;
    if (h === undefined) this.#tail = undefined;
    else if (!this._disposed) this.#arm(h);
  }

  #fire(scope: Scope, error: Error | undefined): void {
    scope.settled = true;
    this.#pending--;
    if (error === undefined) this.#timedOut++;
    else this.#cancelled++;
    const err =
      error ??
      new DeadlineExceededError(`the operation ran past its ${this.timeoutMs} ms timeout`, this.timeoutMs, {
        cause: scope.lastError,
      });
    scope.onAbort(err);
    scope.finish();
    if (error === undefined && this.#emitter.wants('timeout')) this.#emitter.emit('timeout', { timeoutMs: this.timeoutMs });
    scope.reject(err);
  }

  override dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    // calls in flight would lose their deadline: end them now (their signal aborts with the same error)
    let h = this.#head;
    this.#head = undefined;
    this.#tail = undefined;
    while (h !== undefined) {
      const next = h.next;
      h.next = undefined;
      if (!h.settled) this.#fire(h, this._disposedError());
      h = next;
    }
  }
}

/**
 * Creates a timeout policy of `timeoutMs` milliseconds. The error on a miss is a {@link DeadlineExceededError}
 * whose `cause` is the error of the last failed attempt under it (Polly #2278).
 *
 * @throws {TypeError}/{@link RangeError} when `timeoutMs` is not a positive finite number, or on a bad/unknown option.
 * @example
 * ```ts
 * import { timeout } from '@scaling/resilience';
 * const policy = timeout(2_000);
 * const res = await policy.execute(({ signal, remainingMs }) =>
 *   fetch('http://api.internal/x', { signal, headers: { 'x-deadline-ms': String(Math.floor(remainingMs)) } }),
 * );
 * ```
 */
export function timeout(timeoutMs: number, options: TimeoutOptions = {}): Timeout {
  return new TimeoutPolicy(timeoutMs, options);
}
