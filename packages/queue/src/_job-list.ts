import type { Job } from './_job.js';

/** Intrusive doubly linked list of jobs: O(1) push, shift and removal of any member. @internal */
export class JobList {
  head: Job | undefined = undefined;
  tail: Job | undefined = undefined;
  length = 0;

  push(job: Job): void {
    job.next = undefined;
    const tail = this.tail;
    job.prev = tail;
    if (tail === undefined) this.head = job;
    else tail.next = job;
    this.tail = job;
    this.length++;
  }

  shift(): Job | undefined {
    const job = this.head;
    if (job === undefined) return undefined;
    const next = job.next;
    this.head = next;
    if (next === undefined) this.tail = undefined;
    else next.prev = undefined;
    job.next = undefined;
    this.length--;
    return job;
  }

  remove(job: Job): void {
    const { prev, next } = job;
    if (prev === undefined) this.head = next;
    else prev.next = next;
    if (next === undefined) this.tail = prev;
    else next.prev = prev;
    job.prev = undefined;
    job.next = undefined;
    this.length--;
  }
}
