// One balanced request from dispatch to its end: the attempts it runs (several at once while hedging), the
// choice of the endpoint of each attempt, retries and hedges under their budgets, the per-request and total
// timers, and what the caller's handler is told. The state it shares with the other requests of its
// dispatcher is in `_shared.ts`; the controller the caller sees in `_exchange-controller.ts`.
import { TimeoutError } from '@scaling/core';
import type { Lease } from '@scaling/load-balancer';
import type { Dispatcher } from 'undici';
import { Attempt } from './_attempt.js';
import { withHeader } from './_endpoints.js';
import { ExchangeController } from './_exchange-controller.js';
import type { UserHandler } from './_handler.js';
import type { HedgeSettings, Member, Shared } from './_shared.js';
import { EndpointsFailedError } from './errors.js';
import type { BalancedRequestTrace, HttpEndpoint } from './types.js';

type Controller = Dispatcher.DispatchController;

const FIRST = 0;
const RETRY = 1;
const HEDGE = 2;

/** One request: its attempts (several at once while hedging), timers, budget tokens and the caller's handler. */
export class Exchange {
  readonly #s: Shared;
  readonly #opts: Dispatcher.DispatchOptions;
  readonly user: UserHandler;
  readonly #retryable: boolean;
  readonly #hedgeable: boolean;
  readonly #tried: string[] = [];
  /** Endpoints this request may not pick again: made on the second attempt (the first pick needs none). */
  #exclude: Set<string> | undefined;
  /** Attempts in flight whose response has not reached the caller. */
  readonly #live: Attempt[] = [];
  #winner: Attempt | undefined;
  #attempts = 0;
  #hedges = 0;
  #holdingRetry = false;
  /** The lease {@link takesFailure} picked for the retry it granted, used by the next launch. */
  #reserved: Lease<HttpEndpoint> | undefined;
  #hedgeTokens = 0;
  #startMs = 0;
  #deadline = 0;
  #totalTimer: ReturnType<typeof setTimeout> | undefined;
  #hedgeTimer: ReturnType<typeof setTimeout> | undefined;
  #done = false;
  #paused = false;
  #reason: Error | null = null;
  #trace: BalancedRequestTrace | undefined;
  #rawTrailers: Buffer[] | null = null;
  readonly controller: Controller;

  constructor(s: Shared, opts: Dispatcher.DispatchOptions, user: UserHandler, retryable: boolean, hedgeable: boolean) {
    this.#s = s;
    this.#opts = opts;
    this.user = user;
    this.#retryable = retryable;
    this.#hedgeable = hedgeable;
    this.controller = new ExchangeController(this);
  }

  start(): void {
    const s = this.#s;
    s.counters.requests++;
    s.counters.active++;
    s.budget?.requestStarted();
    const hb = s.hedge?.budget;
    if (hb !== undefined && hb !== s.budget) hb.requestStarted();
    this.#startMs = performance.now();
    if (s.trace.hasSubscribers) {
      const o = this.#opts;
      this.#trace = { method: o.method ?? 'GET', path: o.path, origin: String(o.origin ?? ''), attempts: 0 };
      s.trace.start.publish(this.#trace);
    }
    const total = s.timeoutMs;
    if (total !== undefined) {
      this.#deadline = this.#startMs + total;
      this.#totalTimer = setTimeout(() => this.#onTotalTimeout(total), total);
    }
    try {
      this.user.start(this.controller);
    } catch (error) {
      this.#finish(error as Error, false);
      return;
    }
    if (!this.#done) this.#launch(FIRST, undefined, undefined);
    if (this.#trace !== undefined) s.trace.end.publish(this.#trace);
  }

  #onTotalTimeout(total: number): void {
    this.#totalTimer = undefined;
    const err = new TimeoutError(`Request timed out after ${total} ms`, total);
    // After the headers the body errors; before them the request ends with the coded error.
    if (this.#winner !== undefined) {
      this.#winner.fail(err, false);
      return;
    }
    for (const a of this.#live.splice(0)) a.fail(err, false);
    if (!this.#done) this.#finish(new EndpointsFailedError(this.#tried, err), true);
  }

  /**
   * The next endpoint to try — not tried yet by this request and admitted by outlier detection — as a lease,
   * or `undefined` when none is left.
   */
  #pickNext(): Lease<HttpEndpoint> | undefined {
    const s = this.#s;
    if (this.#exclude === undefined && this.#tried.length > 0) this.#exclude = new Set(this.#tried);
    for (;;) {
      let lease: Lease<HttpEndpoint>;
      try {
        lease = this.#exclude === undefined ? s.balancer.pick() : s.balancer.pick({ exclude: this.#exclude });
      } catch {
        return undefined;
      }
      const id = lease.endpoint.id;
      if (s.members.has(id) && (s.detector === undefined || s.detector.admit(id))) return lease;
      lease.release();
      (this.#exclude ??= new Set(this.#tried)).add(id);
    }
  }

  /** Starts an attempt of `kind` (first, retry or hedge), or gives up with `lastError`. */
  #launch(kind: number, lastError: Error | undefined, previous: string | undefined): void {
    const s = this.#s;
    const lease = this.#reserved ?? this.#pickNext();
    this.#reserved = undefined;
    if (lease === undefined) {
      // No endpoint left: a hedge simply does not happen; otherwise the request fails once nothing is in flight.
      if (kind !== HEDGE && this.#live.length === 0) this.#finish(new EndpointsFailedError(this.#tried, lastError), true);
      return;
    }
    const member = s.members.get(lease.endpoint.id) as Member;
    this.#exclude?.add(member.endpoint.id);
    const id = member.endpoint.id;
    if (!this.#tried.includes(id)) this.#tried.push(id);
    member.requests++;
    member.active++;
    s.counters.attempts++;
    this.#attempts++;
    if (kind === RETRY) {
      member.retries++;
      s.counters.retries++;
      if (s.events.wants('retry'))
        s.events.emit('retry', {
          origin: id,
          previous: previous ?? '',
          attempt: this.#attempts,
          error: lastError ?? new Error('retry'),
        });
    } else if (kind === HEDGE) {
      member.hedges++;
      s.counters.hedges++;
      if (s.events.wants('hedge')) s.events.emit('hedge', { origin: id, attempt: this.#attempts, delayMs: s.hedge?.delay.delayMs ?? 0 });
    }
    if (this.#trace !== undefined) {
      this.#trace.attempts = this.#attempts;
      this.#trace.endpoint = id;
    }
    // The endpoint's Pool sends to its own origin whatever `origin` says: the options go as they are unless
    // the deadline header is added.
    let opts = this.#opts;
    if (s.deadlineHeader !== undefined && s.timeoutMs !== undefined) {
      const left = Math.max(0, Math.floor(this.#deadline - performance.now()));
      opts = { ...opts, origin: member.endpoint.origin, headers: withHeader(opts.headers, s.deadlineHeader, String(left)) as never };
    }
    const attempt = new Attempt(this, member, lease, s, kind === HEDGE);
    this.#live.push(attempt);
    attempt.arm(s.attemptTimeoutMs);
    if (kind === FIRST && this.#hedgeable) this.#armHedge();
    try {
      member.pool.dispatch(opts, attempt);
    } catch (error) {
      attempt.fail(error as Error, true);
    }
  }

  #armHedge(): void {
    const h = this.#s.hedge as HedgeSettings;
    if (this.#hedges >= h.maxHedges) return;
    this.#hedgeTimer = setTimeout(() => this.#onHedgeTimer(), h.delay.delayMs);
  }

  #onHedgeTimer(): void {
    this.#hedgeTimer = undefined;
    if (this.#done || this.#winner !== undefined || this.#live.length === 0) return;
    const s = this.#s;
    const budget = s.hedge?.budget;
    if (budget !== undefined && !budget.tryAcquireRetry()) {
      this.#refused('hedge', this.#live[0] as Attempt);
      return;
    }
    if (budget !== undefined) this.#hedgeTokens++;
    this.#hedges++;
    this.#launch(HEDGE, undefined, undefined);
    if (!this.#done && this.#winner === undefined) this.#armHedge();
  }

  #refused(kind: 'retry' | 'hedge', a: Attempt): void {
    const s = this.#s;
    s.counters.budgetExhausted++;
    if (s.events.wants('budgetExhausted')) s.events.emit('budgetExhausted', { kind, origin: a.origin });
  }

  #drop(a: Attempt): void {
    const i = this.#live.indexOf(a);
    if (i >= 0) this.#live.splice(i, 1);
  }

  /** Called by an attempt that failed before its response reached the caller. */
  attemptFailed(a: Attempt, error: Error, mayRetry: boolean): void {
    this.#drop(a);
    if (this.#done || this.#live.length > 0) return; // a hedge still runs: it may yet answer
    if (mayRetry && this.canRetry(a)) {
      this.#launch(RETRY, error, a.origin);
      return;
    }
    this.#finish(new EndpointsFailedError(this.#tried, error), true);
  }

  /**
   * An attempt got a failure status: true when the exchange takes over (another attempt still runs, or a
   * retry is granted — its budget token then taken), false when the response goes to the caller as it is.
   */
  takesFailure(a: Attempt): boolean {
    if (this.#live.length > 1) return true;
    if (!this.canRetry(a)) return false;
    // Retry only where there is an endpoint left to try; otherwise the failure status (a 5xx with its
    // body and headers) goes to the caller as it is, not an EndpointsFailedError (new-user review).
    const next = this.#pickNext();
    if (next === undefined) {
      this.#s.budget?.retryFinished();
      this.#holdingRetry = false;
      return false;
    }
    this.#reserved = next;
    return true;
  }

  /** Continues after an attempt whose failure status {@link takesFailure} took over. */
  failureTaken(a: Attempt, error: Error): void {
    this.#drop(a);
    if (this.#done || this.#live.length > 0) {
      this.#reserved?.release();
      this.#reserved = undefined;
      return;
    }
    this.#launch(RETRY, error, a.origin);
  }

  /** Whether a retry may start now (takes the budget token when it can). */
  canRetry(a: Attempt): boolean {
    if (!this.#retryable || this.#done || this.#attempts >= this.#s.maxAttempts) return false;
    const budget = this.#s.budget;
    if (budget === undefined) return true;
    if (this.#holdingRetry) {
      budget.retryFinished();
      this.#holdingRetry = false;
    }
    if (!budget.tryAcquireRetry()) {
      this.#refused('retry', a);
      return false;
    }
    this.#holdingRetry = true;
    return true;
  }

  /** An attempt's response headers are going to the caller: it wins, the others are cancelled. */
  win(a: Attempt, statusCode: number, latencyMs: number): void {
    this.#drop(a);
    this.#winner = a;
    if (this.#hedgeTimer !== undefined) {
      clearTimeout(this.#hedgeTimer);
      this.#hedgeTimer = undefined;
    }
    const s = this.#s;
    if (s.hedge !== undefined) {
      s.hedge.delay.record(latencyMs);
      if (a.hedge) s.counters.hedgeWins++;
      for (const other of this.#live.splice(0)) other.lose();
    }
    if (this.#trace !== undefined) {
      this.#trace.statusCode = statusCode;
      this.#trace.endpoint = a.origin;
    }
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** Ends the request: reports `error` to the caller (or the end when `error` is undefined). */
  #finish(error: Error | undefined, notify: boolean): void {
    if (this.#done) return;
    this.#done = true;
    const s = this.#s;
    if (this.#totalTimer !== undefined) clearTimeout(this.#totalTimer);
    if (this.#hedgeTimer !== undefined) clearTimeout(this.#hedgeTimer);
    const budget = s.budget;
    if (budget !== undefined) {
      if (this.#holdingRetry) budget.retryFinished();
      budget.requestFinished();
    }
    const hb = s.hedge?.budget;
    if (hb !== undefined) {
      for (let i = 0; i < this.#hedgeTokens; i++) hb.retryFinished();
      if (hb !== budget) hb.requestFinished();
    }
    const c = s.counters;
    c.active--;
    if (!notify) c.aborted++;
    else {
      if (error === undefined) c.completed++;
      else c.failed++;
      s.duration.record(performance.now() - this.#startMs);
    }
    const trace = this.#trace;
    if (trace !== undefined) {
      if (error !== undefined) {
        trace.error = error;
        s.trace.error.publish(trace);
      }
      s.trace.asyncStart.publish(trace);
    }
    try {
      if (error === undefined) this.user.end(this.controller, this.#rawTrailers);
      else if (!notify) {
        // Aborted by the caller: undici reports the abort reason back asynchronously.
        queueMicrotask(() => this.user.error(this.controller, error));
      } else this.user.error(this.controller, error);
    } finally {
      if (trace !== undefined) s.trace.asyncEnd.publish(trace);
    }
  }

  end(rawTrailers: Buffer[] | null): void {
    this.#rawTrailers = rawTrailers;
    this.#finish(undefined, true);
  }

  bodyError(error: Error): void {
    this.#finish(error, true);
  }

  /** The caller aborted. */
  abort(reason: Error | undefined): void {
    if (this.#done) return;
    this.#reason = reason ?? new Error('Request aborted');
    this.#winner?.cancel(this.#reason);
    for (const a of this.#live.splice(0)) a.cancel(this.#reason);
    this.#finish(this.#reason, false);
  }

  get reason(): Error | null {
    return this.#reason;
  }

  /** Pauses the body: the winning attempt's next `onHeaders`/`onData` returns false. */
  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#winner?.resume();
  }
}
