/**
 * The per-call context every policy passes down. One object per call (plus one per attempt scope that needs
 * its own abort: an attempt timeout, a hedged attempt). The `AbortSignal` is created only when the callee reads
 * `signal`; aborts travel down through our own hook lists, so a long-lived parent signal gets exactly one
 * listener per `execute` (removed when it settles) however many attempts run (cockatiel #81, #69).
 */
import type { Clock } from '@scaling/core';

/** Something told when a context is aborted (a child context, a retry sleep, a bulkhead waiter). */
export interface AbortHook {
  onAbort(reason: unknown): void;
}

/** Marks "not aborted" (a reason may legitimately be `undefined`). */
export const NOT_ABORTED: unique symbol = Symbol('not aborted');

export class CallContext implements AbortHook {
  readonly parent: CallContext | undefined;
  /** Absolute deadline on `clock` (Infinity: none). */
  deadline: number;
  /** The clock `deadline` is measured on. */
  clock: Clock | undefined;
  /** The timeout that set `deadline`, in ms (for error messages). */
  timeoutMs: number;
  /** Attempt number (1 for the first), set by `retry`. */
  attempt: number;
  /** Hedged attempt index (0 for the primary), set by `hedge`. */
  hedge: number;
  /** The error of the last failed attempt in this scope (read by the total timeout for `cause`). */
  lastError: unknown = undefined;
  /** The caller's signal, on the root context only. */
  external: AbortSignal | undefined = undefined;
  #reason: unknown = NOT_ABORTED;
  #controller: AbortController | undefined = undefined;
  #hooks: AbortHook[] | undefined = undefined;
  #registered = false;

  constructor(parent: CallContext | undefined) {
    this.parent = parent;
    if (parent === undefined) {
      this.deadline = Number.POSITIVE_INFINITY;
      this.clock = undefined;
      this.timeoutMs = 0;
      this.attempt = 1;
      this.hedge = 0;
    } else {
      this.deadline = parent.deadline;
      this.clock = parent.clock;
      this.timeoutMs = parent.timeoutMs;
      this.attempt = parent.attempt;
      this.hedge = parent.hedge;
    }
  }

  /** The abort reason of this scope or the nearest aborted ancestor, or {@link NOT_ABORTED}. */
  get reason(): unknown {
    let c: CallContext | undefined = this;
    while (c !== undefined) {
      if (c.#reason !== NOT_ABORTED) return c.#reason;
      if (c.external?.aborted === true) return c.external.reason;
      c = c.parent;
    }
    return NOT_ABORTED;
  }

  get aborted(): boolean {
    return this.reason !== NOT_ABORTED;
  }

  /** Lazily created: reading it costs an `AbortController` and a hook on the parent; not reading it costs nothing. */
  get signal(): AbortSignal {
    let c = this.#controller;
    if (c === undefined) {
      c = new AbortController();
      this.#controller = c;
      const r = this.reason;
      if (r !== NOT_ABORTED) c.abort(r);
      else this.#register();
    }
    return c.signal;
  }

  /** Milliseconds left before the deadline (Infinity without one, never negative). */
  get remainingMs(): number {
    const d = this.deadline;
    if (d === Number.POSITIVE_INFINITY) return d;
    const left = d - (this.clock as Clock).now();
    return Math.max(left, 0);
  }

  /** Aborts this scope and everything registered under it. Idempotent. */
  onAbort(reason: unknown): void {
    if (this.#reason !== NOT_ABORTED) return;
    this.#reason = reason;
    this.#controller?.abort(reason);
    const hooks = this.#hooks;
    this.#hooks = undefined;
    if (hooks !== undefined) for (const h of hooks) h.onAbort(reason);
  }

  /** The caller's signal fired (`addEventListener('abort', ctx)` uses this, so no closure per call). */
  handleEvent(): void {
    this.onAbort((this.external as AbortSignal).reason);
  }

  /** Tells `hook` when this scope aborts (call {@link removeHook} when no longer interested). */
  addHook(hook: AbortHook): void {
    const hooks = this.#hooks;
    if (hooks === undefined) this.#hooks = [hook];
    else hooks.push(hook);
    this.#register();
  }

  removeHook(hook: AbortHook): void {
    const hooks = this.#hooks;
    if (hooks === undefined) return;
    const i = hooks.indexOf(hook);
    if (i < 0) return;
    if (hooks.length === 1) this.#hooks = undefined;
    else hooks.splice(i, 1);
  }

  /** The scope ended: stop listening to the parent (no leak on long-lived parents). */
  finish(): void {
    if (this.#registered) {
      this.#registered = false;
      this.parent?.removeHook(this);
    }
  }

  #register(): void {
    if (this.#registered || this.parent === undefined) return;
    this.#registered = true;
    this.parent.addHook(this);
  }
}
