import type { Job, JobExt } from './_job.js';

/** The listener parameter type of `AbortSignal.addEventListener` (a {@link SignalGroup} has `handleEvent`). */
type AbortListener = Parameters<AbortSignal['addEventListener']>[1];

/**
 * Every unsettled job sharing one caller `AbortSignal`, behind a single `abort` listener. Node's `EventTarget`
 * scans its listener list on every add (O(n)) and warns past 10 listeners, so one listener per job would make
 * 100,000 tasks under one request's signal quadratic; a group keeps add and removal O(1).
 * @internal
 */
export class SignalGroup {
  readonly signal: AbortSignal;
  head: Job | undefined = undefined;
  count = 0;
  /** The `abort` listener (an `EventListener` object): hands the group to the registry's callback. */
  readonly handleEvent: () => void;
  constructor(signal: AbortSignal, onAbort: (group: SignalGroup) => void) {
    this.signal = signal;
    this.handleEvent = () => onAbort(this);
  }

  add(job: Job, x: JobExt): void {
    x.group = this;
    x.sigPrev = undefined;
    x.sigNext = this.head;
    if (this.head !== undefined) (this.head.ext as JobExt).sigPrev = job;
    this.head = job;
    this.count++;
  }

  /** Unlinks `x`'s job; returns true when the group became empty. */
  delete(x: JobExt): boolean {
    const { sigPrev, sigNext } = x;
    if (sigPrev === undefined) this.head = sigNext;
    else (sigPrev.ext as JobExt).sigNext = sigNext;
    if (sigNext !== undefined) (sigNext.ext as JobExt).sigPrev = sigPrev;
    x.group = undefined;
    x.sigPrev = undefined;
    x.sigNext = undefined;
    return --this.count === 0;
  }

  /**
   * The members at this moment, as an array: what the abort handler walks, so that whatever a member's settlement
   * or a running task's abort listener does to the group meanwhile (re-entrant `clear()`, `add`) cannot cut the walk
   * short. Aborts are the slow path; the copy is allocated only then.
   */
  members(): Job[] {
    const out: Job[] = [];
    for (let job = this.head; job !== undefined; job = (job.ext as JobExt).sigNext) out.push(job);
    return out;
  }
}

/**
 * The signal groups of one queue, by signal. A job joins the group of its caller's signal when accepted and leaves
 * it when it settles; the group's single listener is removed with its last member.
 * @internal
 */
export class SignalGroups {
  readonly #groups = new Map<AbortSignal, SignalGroup>();
  readonly #onAbort: (group: SignalGroup) => void;

  /** @param onAbort - called (once per abort) with the group whose signal aborted. */
  constructor(onAbort: (group: SignalGroup) => void) {
    this.#onAbort = onAbort;
  }

  /** Adds `job` (whose extension is `x`) to the group of `signal`, creating it and its listener on first use. */
  listen(job: Job, x: JobExt, signal: AbortSignal): void {
    x.userSignal = signal;
    let group = this.#groups.get(signal);
    if (group === undefined) {
      group = new SignalGroup(signal, this.#onAbort);
      this.#groups.set(signal, group);
      signal.addEventListener('abort', group as unknown as AbortListener);
    }
    group.add(job, x);
  }

  /** Takes `x`'s job out of its group; the last member out removes the listener. */
  unlisten(x: JobExt): void {
    const group = x.group as SignalGroup;
    if (group.delete(x)) {
      group.signal.removeEventListener('abort', group as unknown as AbortListener);
      this.#groups.delete(group.signal);
    }
    x.userSignal = undefined;
  }
}
