// One attempt of a balanced request on one endpoint: the undici handler of that attempt, its lease, its
// attempt timeout, and what happens when it wins, loses to a hedged twin (drained or aborted) or fails.
import { TimeoutError } from '@scaling/core';
import type { Lease } from '@scaling/load-balancer';
import type { Dispatcher } from 'undici';
import type { Exchange } from './_exchange.js';
import type { Member, Shared } from './_shared.js';
import type { HttpEndpoint } from './types.js';

/**
 * One attempt on one endpoint: the handler the endpoint's undici Pool calls. It speaks undici's legacy
 * handler calls (raw header lists, no wrapper or header parse per request). Late calls after it was
 * abandoned are ignored.
 */
export class Attempt implements Dispatcher.DispatchHandler {
  readonly #x: Exchange;
  readonly #m: Member;
  readonly #lease: Lease<HttpEndpoint>;
  readonly #s: Shared;
  readonly #start = performance.now();
  readonly hedge: boolean;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stale = false;
  /** Lost to a hedged twin and let finish (body discarded) so its connection stays open. */
  #draining = false;
  #failureStatus = false;
  #reason: Error | undefined;
  #abort: ((reason?: Error) => void) | undefined;
  #resume: (() => void) | undefined;
  headersSent = false;

  constructor(x: Exchange, m: Member, lease: Lease<HttpEndpoint>, s: Shared, hedge: boolean) {
    this.#x = x;
    this.#m = m;
    this.#lease = lease;
    this.#s = s;
    this.hedge = hedge;
  }

  get origin(): string {
    return this.#m.endpoint.origin;
  }

  arm(ms: number | undefined): void {
    if (ms === undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#draining) this.#endDrain(new TimeoutError(`Attempt on ${this.#m.endpoint.origin} got no response within ${ms} ms`, ms));
      else if (!this.headersSent)
        this.fail(new TimeoutError(`Attempt on ${this.#m.endpoint.origin} got no response within ${ms} ms`, ms), true);
    }, ms);
  }

  /** Resumes a body the caller paused. */
  resume(): void {
    this.#resume?.();
  }

  #abortUpstream(reason: Error): void {
    const abort = this.#abort;
    if (abort !== undefined) {
      this.#abort = undefined;
      abort(reason);
    }
  }

  /** Ends the lease: `ok` true/false is an outcome (with the latency), `undefined` none (cancelled). */
  #release(ok: boolean | undefined, error?: Error): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    const m = this.#m;
    m.active--;
    if (ok === undefined) {
      this.#lease.release();
      this.#s.detector?.record(m.endpoint.id, {});
      return;
    }
    const latencyMs = performance.now() - this.#start;
    m.duration.record(latencyMs);
    if (!ok) m.failures++;
    const outcome = error === undefined ? { ok, latencyMs } : { ok, latencyMs, error };
    this.#lease.release(outcome);
    this.#s.detector?.record(m.endpoint.id, outcome);
  }

  /** The caller aborted: abandon without an outcome. */
  cancel(reason: Error): void {
    if (this.#stale) return;
    this.#stale = true;
    this.#reason = reason;
    this.#release(undefined);
    this.#abortUpstream(reason);
  }

  /**
   * A hedged twin answered first: abort. The balancer hears a success with the time taken so far (a lower
   * bound on this endpoint's latency, so Peak EWMA still learns it is slow); outlier detection hears no outcome.
   */
  lose(): void {
    if (this.#stale) return;
    this.#stale = true;
    if (this.#s.hedge?.loser === 'drain') {
      // Aborting an HTTP/1.1 response closes its connection (the next request pays a new handshake): let it
      // finish instead, discard its body and release the lease then, with its whole latency.
      this.#draining = true;
      this.#reason = new Error('A hedged attempt answered first');
      return;
    }
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#m.active--;
    const reason = new Error('A hedged attempt answered first');
    this.#reason = reason;
    this.#lease.release({ ok: true, latencyMs: performance.now() - this.#start });
    this.#s.detector?.record(this.#m.endpoint.id, {});
    this.#abortUpstream(reason);
  }

  /** Abandons the attempt as a failure; before the headers, lets the exchange retry (when `mayRetry`) or give up. */
  fail(error: Error, mayRetry: boolean): void {
    if (this.#stale) return;
    this.#stale = true;
    this.#reason = error;
    this.#release(false, error);
    this.#abortUpstream(error);
    if (this.headersSent) this.#x.bodyError(error);
    else this.#x.attemptFailed(this, error, mayRetry);
  }

  /**
   * Ends a drained loser: an outcome for the balancer (the latency so far; a failure on `error` when the
   * dispatcher counts it as one), none for outlier detection (the loser's response reached nobody).
   */
  #endDrain(error: Error | undefined): void {
    if (!this.#draining) return;
    this.#draining = false;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    const m = this.#m;
    m.active--;
    const latencyMs = performance.now() - this.#start;
    if (error === undefined) m.duration.record(latencyMs);
    if (error === undefined) this.#lease.release({ ok: !this.#failureStatus, latencyMs });
    else if (this.#s.isFailure({ error })) this.#lease.release({ ok: false, latencyMs, error });
    else this.#lease.release();
    this.#s.detector?.record(m.endpoint.id, {});
    if (error !== undefined) this.#abortUpstream(error);
  }

  onConnect(abort: (reason?: Error) => void): void {
    if (this.#draining) {
      this.#abort = abort;
      return;
    }
    if (this.#stale) {
      abort(this.#reason ?? new Error('Attempt abandoned'));
      return;
    }
    this.#abort = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusMessage: string): boolean {
    if (this.#draining) {
      if (statusCode >= 200) {
        this.#failureStatus = this.#s.isFailure({ statusCode });
        if (this.#timer !== undefined) clearTimeout(this.#timer);
        this.#timer = undefined;
      }
      return true;
    }
    if (this.#stale) return true;
    if (statusCode < 200) return true;
    this.#failureStatus = this.#s.isFailure({ statusCode });
    if (this.#failureStatus && this.#x.takesFailure(this)) {
      this.#stale = true;
      const err = new Error(`Upstream ${this.#m.endpoint.origin} answered ${statusCode}`);
      this.#release(false, err);
      this.#abortUpstream(err);
      this.#x.failureTaken(this, err);
      return true;
    }
    this.headersSent = true;
    this.#resume = resume;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const x = this.#x;
    x.win(this, statusCode, performance.now() - this.#start);
    x.user.headers(x.controller, statusCode, rawHeaders, statusMessage);
    return !x.paused;
  }

  onData(chunk: Buffer): boolean {
    if (this.#stale) return true;
    const x = this.#x;
    x.user.data(x.controller, chunk);
    return !x.paused;
  }

  onComplete(rawTrailers: string[] | null): void {
    if (this.#draining) {
      this.#endDrain(undefined);
      return;
    }
    if (this.#stale) return;
    this.#stale = true;
    this.#release(!this.#failureStatus);
    this.#x.end(rawTrailers as unknown as Buffer[] | null);
  }

  onError(error: Error): void {
    if (this.#draining) {
      this.#endDrain(error);
      return;
    }
    if (this.#stale) return;
    const failure = this.#s.isFailure({ error });
    if (!failure) {
      this.#stale = true;
      this.#release(undefined);
      if (this.headersSent) this.#x.bodyError(error);
      else this.#x.attemptFailed(this, error, false);
      return;
    }
    this.fail(error, true);
  }
}
