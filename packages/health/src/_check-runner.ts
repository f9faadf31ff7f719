/**
 * The run engine of one check: its schedule, the deadline of each run and the charging of hung runs.
 *
 * - Never two runs at once: the next run is scheduled `intervalMs` (+ jitter) after the previous one
 *   settles — a check that ignores its abort signal still blocks its own next run.
 * - A run past `timeoutMs` aborts its signal and counts as one failure.
 * - A run still pending a whole slot (`interval + timeoutMs`) later is charged one more failure per slot,
 *   without a second run; when it settles, its result is dropped and the next run starts at once.
 * - `halt()` bumps the epoch: results of runs from before it are dropped.
 */
import { type Clock, type RandomSource, TimeoutError, type TimerHandle } from '@scaling/core';
import type { CheckConfig } from './_check-config.js';
import { type RunResult, resultOfError, resultOfValue, timedOutResult } from './_check-result.js';
import type { Hysteresis } from './_hysteresis.js';

/** Where a runner's results go. @internal */
export type ResultSink = (result: RunResult) => void;

/** Rethrows `error` outside the current call, as a listener error is (it stays visible). */
function report(error: unknown): void {
  process.nextTick(() => {
    throw error;
  });
}

/** Runs one check on its schedule. @internal */
export class CheckRunner {
  readonly #config: CheckConfig;
  readonly #hysteresis: Hysteresis;
  readonly #clock: Clock;
  readonly #random: RandomSource;
  readonly #sink: ResultSink;
  #active = false;
  #timer: TimerHandle | undefined;
  #deadline: TimerHandle | undefined;
  #inFlight = false;
  #startedAt = 0;
  /** Extra failures charged to the hung run in flight (one per missed slot). */
  #overdue = 0;
  #controller: AbortController | undefined;
  #epoch = 0;
  readonly #onTimer = () => this.#tick();

  constructor(config: CheckConfig, hysteresis: Hysteresis, clock: Clock, random: RandomSource, sink: ResultSink) {
    this.#config = config;
    this.#hysteresis = hysteresis;
    this.#clock = clock;
    this.#random = random;
    this.#sink = sink;
  }

  /** Starts the schedule (first run at once; a run still pending from before a halt is judged one slot later). */
  start(): void {
    if (this.#active) return;
    this.#active = true;
    this.#schedule(this.#inFlight ? this.#slot() : 0);
  }

  /** Stops the schedule: cancels timers, aborts the run in flight and drops its result. */
  halt(): void {
    this.#active = false;
    this.#epoch++;
    if (this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#deadline !== undefined) {
      this.#clock.clearTimeout(this.#deadline);
      this.#deadline = undefined;
    }
    this.#controller?.abort(new Error('health monitor stopped'));
  }

  #schedule(delayMs: number): void {
    this.#timer = this.#clock.setTimeout(this.#onTimer, delayMs);
  }

  /** Time after which a hung run is charged one more failure: one interval plus one deadline. */
  #slot(): number {
    const c = this.#config;
    return (this.#hysteresis.healthy ? c.intervalMs : c.unhealthyIntervalMs) + c.timeoutMs;
  }

  /** The delay before the next run after one settled: the interval plus jitter. */
  #interval(): number {
    const c = this.#config;
    const base = this.#hysteresis.healthy ? c.intervalMs : c.unhealthyIntervalMs;
    if (c.jitterMs <= 0) return base;
    let r: number;
    try {
      r = this.#random();
    } catch (e) {
      report(e); // a throwing random source must not stop the schedule
      return base;
    }
    return base + (Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0) * c.jitterMs;
  }

  #tick(): void {
    this.#timer = undefined;
    if (!this.#active) return;
    if (this.#inFlight) {
      // The previous run is still outstanding a whole slot later: one more failure, no second run.
      this.#overdue++;
      const ms = this.#clock.now() - this.#startedAt;
      const c = this.#config;
      this.#sink(
        timedOutResult(`health check ${JSON.stringify(c.name)} still running after ${ms} ms (timeout ${c.timeoutMs} ms)`, this.#startedAt),
      );
      if (this.#active && this.#inFlight && this.#timer === undefined) this.#schedule(this.#slot());
      return;
    }
    this.#run();
  }

  #run(): void {
    const c = this.#config;
    this.#inFlight = true;
    this.#overdue = 0;
    const epoch = this.#epoch;
    const controller = new AbortController();
    this.#controller = controller;
    const startedAt = this.#clock.now();
    this.#startedAt = startedAt;
    let settled = false;
    const deadline = this.#clock.setTimeout(() => {
      if (this.#deadline === deadline) this.#deadline = undefined;
      if (settled) return;
      settled = true;
      const err = new TimeoutError(`health check ${JSON.stringify(c.name)} timed out after ${c.timeoutMs} ms`, c.timeoutMs);
      controller.abort(err);
      if (epoch !== this.#epoch) return;
      this.#sink(timedOutResult(err.message, startedAt));
      // Still pending (the check ignores its signal): judge it again one slot later.
      if (this.#inFlight && this.#active && this.#timer === undefined && epoch === this.#epoch) this.#schedule(this.#slot());
    }, c.timeoutMs);
    this.#deadline = deadline;
    const settle = (result: RunResult) => {
      if (settled) return;
      settled = true;
      this.#clock.clearTimeout(deadline);
      if (this.#deadline === deadline) this.#deadline = undefined;
      if (epoch === this.#epoch) this.#sink(result);
    };
    let pending: Promise<unknown>;
    try {
      pending = Promise.resolve(c.check(controller.signal));
    } catch (e) {
      pending = Promise.reject(e);
    }
    pending
      .then(
        (value) => settle(resultOfValue(value, startedAt)),
        (error: unknown) => settle(resultOfError(error, startedAt)),
      )
      .finally(() => this.#settled());
  }

  /** After a run settles (even one already charged or dropped): schedule the next. */
  #settled(): void {
    this.#inFlight = false;
    this.#controller = undefined;
    if (this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#active) this.#schedule(this.#overdue > 0 ? 0 : this.#interval());
  }
}
