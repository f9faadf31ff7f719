/**
 * The L2 command path of a tier: every Redis command runs under the L2 breaker and the command timeout (one
 * sweep timer for all commands in flight), and reads started in one tick are batched into one `MGET`.
 */
import { type Clock, TimeoutError, type TimerHandle } from '@scaling/core';
import { type BreakerState, ConsecutiveL2Breaker, type L2Breaker } from './_l2-breaker.js';
import { GEN } from './_tag-versions.js';
import type { TierCore } from './_tier-core.js';
import { L2UnavailableError, TierClosedError } from './errors.js';

const INF = Number.POSITIVE_INFINITY;

/** A Redis command in flight, failed by the sweep when its deadline passes. */
class PendingCall {
  reject: (error: unknown) => void = () => {};
  constructor(
    readonly deadline: number,
    readonly operation: string,
  ) {}
}

/** The value and the write marker of a key, read together (`null`: absent). */
export type MarkedText = readonly [text: string | null, marker: string | null];

type Resolver = (result: string | null | MarkedText | L2Failure) => void;

/** L2 reads started in one tick, sent together. */
class GetBatch {
  readonly keys: string[] = [];
  /** Redis keys in `MGET` order: one per read, two (value, marker) for a marked read. */
  readonly rkeys: string[] = [];
  readonly marked: boolean[] = [];
  readonly resolvers: Resolver[] = [];
}

/** Marks a failed L2 command (its error is already reported). */
export class L2Failure {
  constructor(readonly error: unknown) {}
}

/** The L2 command path of one {@link TierCore}: breaker, command timeouts, read batching. */
export class L2Commands {
  readonly #core: TierCore;
  readonly #clock: Clock;
  readonly #commandTimeout: number;
  readonly #breaker: L2Breaker;
  #batch: GetBatch | undefined;
  readonly #pending = new Set<PendingCall>();
  #sweepTimer: TimerHandle | undefined;
  #sweepAt = INF;
  #probeTimer: TimerHandle | undefined;

  constructor(core: TierCore) {
    const s = core.s;
    this.#core = core;
    this.#clock = s.clock;
    this.#commandTimeout = s.commandTimeout;
    this.#breaker = new ConsecutiveL2Breaker(s.breakerThreshold, s.breakerOpenMs, s.clock, (state) => {
      this.#scheduleProbe(state, s.breakerOpenMs);
      core.onBreaker(state);
    });
  }

  /**
   * An open breaker is probed after `breakerOpenMs` even when no read reaches L2: in local mode every read may
   * be an L1 hit, and Redis coming back must still close the breaker (replaying queued writes, dropping
   * provisional versions). The probe is a `GET` of the global generation (`operation: 'probe'`).
   */
  #scheduleProbe(state: BreakerState, openMs: number): void {
    if (this.#probeTimer !== undefined) {
      this.#clock.clearTimeout(this.#probeTimer);
      this.#probeTimer = undefined;
    }
    if (state !== 'open' || this.#core.closed) return;
    this.#probeTimer = this.#clock.setTimeout(() => {
      this.#probeTimer = undefined;
      if (this.#core.closed || this.#breaker.state === 'closed') return;
      const core = this.#core;
      const key = core.tags.key(GEN);
      void this.call('probe', undefined, () => core.s.transport.get(key));
    }, openMs);
  }

  get breakerState(): BreakerState {
    return this.#breaker.state;
  }

  /** Runs one Redis command under the breaker and the command timeout; an `L2Failure` when it failed. */
  async call<T>(operation: string, key: string | undefined, run: () => Promise<T>): Promise<T | L2Failure> {
    const core = this.#core;
    if (core.closed) return new L2Failure(new TierClosedError());
    if (!this.#breaker.allow()) return this.failed(operation, key, new L2UnavailableError(), false);
    core.stats.l2Commands++;
    const started = performance.now();
    const pending = new PendingCall(this.#clock.now() + this.#commandTimeout, operation);
    try {
      const result = await new Promise<T>((resolve, reject) => {
        pending.reject = reject;
        this.#watch(pending);
        run().then(resolve, reject);
      });
      this.#breaker.success();
      const writes = core.writes;
      if (!writes.replaying && writes.size > 0) writes.maybeReplay();
      return result;
    } catch (error) {
      return this.failed(operation, key, error, true);
    } finally {
      this.#pending.delete(pending);
      core.requestDuration.record(performance.now() - started);
    }
  }

  /**
   * Command timeouts without a timer per command: calls in flight sit in one set, and a single timer, armed
   * for the earliest deadline, fails the overdue ones.
   */
  #watch(call: PendingCall): void {
    this.#pending.add(call);
    if (this.#sweepAt <= call.deadline) return;
    if (this.#sweepTimer !== undefined) this.#clock.clearTimeout(this.#sweepTimer);
    this.#armSweep(call.deadline);
  }

  #armSweep(at: number): void {
    this.#sweepAt = at;
    this.#sweepTimer = this.#clock.setTimeout(() => this.#sweep(), Math.max(0, at - this.#clock.now()));
  }

  #sweep(): void {
    this.#sweepTimer = undefined;
    this.#sweepAt = INF;
    const now = this.#clock.now();
    let next = INF;
    for (const call of this.#pending) {
      if (call.deadline <= now) {
        this.#pending.delete(call);
        const ms = this.#commandTimeout;
        call.reject(new TimeoutError(`Redis did not answer ${call.operation} within commandTimeout (${ms} ms)`, ms));
      } else if (call.deadline < next) next = call.deadline;
    }
    if (next !== INF) this.#armSweep(next);
  }

  /** Stops the sweep and probe timers (the tier is closing). */
  stop(): void {
    if (this.#sweepTimer !== undefined) this.#clock.clearTimeout(this.#sweepTimer);
    if (this.#probeTimer !== undefined) this.#clock.clearTimeout(this.#probeTimer);
    this.#probeTimer = undefined;
  }

  /** Counts and reports a failed command (`counted`: a failure for the breaker too). */
  failed(operation: string, key: string | undefined, error: unknown, counted: boolean): L2Failure {
    const core = this.#core;
    core.stats.l2Errors++;
    if (counted) this.#breaker.failure();
    if (core.emitter.wants('l2-error')) core.emitter.emit('l2-error', key === undefined ? { operation, error } : { operation, key, error });
    return new L2Failure(error);
  }

  /**
   * `GET` of one key, batched: reads started in the same tick go out as one `MGET` (one round trip, one
   * socket write), so concurrent L2 reads cost far fewer syscalls; a lone read stays a plain `GET`.
   */
  getText(key: string, rkey: string): Promise<string | null | L2Failure> {
    const batch = this.#batchNow();
    batch.keys.push(key);
    batch.rkeys.push(rkey);
    batch.marked.push(false);
    return new Promise((resolve) => batch.resolvers.push(resolve as Resolver));
  }

  /**
   * `GET` of a key together with its write marker (`markerKey`), in the same batch and round trip (an `MGET`):
   * the marker a load's guarded fill must find unchanged (see `_fill-leases.ts`).
   */
  getMarked(key: string, rkey: string, markerKey: string): Promise<MarkedText | L2Failure> {
    const batch = this.#batchNow();
    batch.keys.push(key);
    batch.rkeys.push(rkey, markerKey);
    batch.marked.push(true);
    return new Promise((resolve) => batch.resolvers.push(resolve as Resolver));
  }

  #batchNow(): GetBatch {
    let batch = this.#batch;
    if (batch === undefined) {
      batch = new GetBatch();
      this.#batch = batch;
      queueMicrotask(() => this.#flushBatch(batch as GetBatch));
    }
    return batch;
  }

  #flushBatch(batch: GetBatch): void {
    if (this.#batch === batch) this.#batch = undefined;
    const { rkeys, resolvers, marked } = batch;
    const transport = this.#core.s.transport;
    if (rkeys.length === 1) {
      const rkey = rkeys[0] as string;
      void this.call('get', batch.keys[0], () => transport.get(rkey)).then(resolvers[0]);
      return;
    }
    // A lone marked read is still the read of one key (`'get'` on `l2-error`), sent as an `MGET` of two.
    const lone = resolvers.length === 1;
    void this.call(lone ? 'get' : 'mget', lone ? batch.keys[0] : undefined, () => transport.mget(rkeys)).then((texts) => {
      let at = 0;
      for (let i = 0; i < resolvers.length; i++) {
        const resolve = resolvers[i] as Resolver;
        if (texts instanceof L2Failure) resolve(texts);
        else if (marked[i] === true) {
          resolve([texts[at] ?? null, texts[at + 1] ?? null]);
          at += 2;
        } else resolve(texts[at++] ?? null);
      }
    });
  }
}
