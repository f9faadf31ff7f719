import { FREE, Job } from './_job.js';

/** Free records kept for reuse; beyond this many, released records are left to the garbage collector. */
const POOL_MAX = 4096;

/**
 * The free list of task records (fastq's design): `acquire` reuses a record released earlier, so the steady state
 * allocates nothing but the caller's promise. Records are linked through their own `next` field, so the pool
 * itself allocates nothing either.
 * @internal
 */
export class JobPool {
  #free: Job | undefined = undefined;
  #count = 0;

  /** A free record (reused, or new when none is free). */
  acquire(): Job {
    const job = this.#free;
    if (job === undefined) return new Job();
    this.#free = job.next;
    job.next = undefined;
    this.#count--;
    return job;
  }

  /** Resets `job` (every field the next task must not see) and keeps it for reuse. The caller has already taken it out of every list and signal group. */
  release(job: Job): void {
    // the reset is written out here rather than called: this runs once per task, at the end of a deep call chain
    const x = job.ext;
    if (x !== undefined) {
      x.timeoutMs = Number.POSITIVE_INFINITY;
      x.controller = undefined;
      x.aborted = false;
      x.abortReason = undefined;
    }
    job.state = FREE;
    job.fn = undefined;
    job.resolve = undefined;
    job.attempt = 0;
    if (this.#count < POOL_MAX) {
      job.prev = undefined;
      job.next = this.#free;
      this.#free = job;
      this.#count++;
    }
  }
}
