import type { Job } from './_job.js';
import { JobList } from './_job-list.js';
import type { PriorityQueue } from './priority-queue.js';

/** One priority level: a FIFO of jobs with the same priority. @internal */
class Level extends JobList {
  readonly priority: number;
  constructor(priority: number) {
    super();
    this.priority = priority;
  }
}

/** Levels kept before empty ones are dropped, so a queue that saw many distinct priorities does not scan them all. */
const PRUNE_AT = 16;

/**
 * The default {@link PriorityQueue}: one intrusive FIFO per priority, levels sorted highest first. Enqueue is O(1)
 * for the priority used last (the common case: one priority) and O(levels) for a new one; removal is O(1) (a job
 * links itself); dequeue scans from the highest level to the first non-empty one.
 * @internal
 */
export class PriorityLevels implements PriorityQueue {
  /** Sorted by priority, highest first. Level 0 always exists (the default priority never pays a lookup). */
  readonly #levels: Level[];
  readonly #byPriority = new Map<number, Level>();
  /** The level used last: a run of tasks with one priority never touches the map. */
  #last: Level;

  constructor() {
    this.#last = new Level(0);
    this.#levels = [this.#last];
    this.#byPriority.set(0, this.#last);
  }

  enqueue(job: Job): void {
    let level = this.#last;
    if (level.priority !== job.priority) level = this.#levelFor(job.priority);
    level.push(job);
  }

  dequeue(): Job | undefined {
    const levels = this.#levels;
    for (let i = 0; i < levels.length; i++) {
      const job = (levels[i] as Level).shift();
      if (job !== undefined) return job;
    }
    return undefined;
  }

  remove(job: Job): void {
    this.#levelFor(job.priority).remove(job);
  }

  #levelFor(priority: number): Level {
    let level = this.#byPriority.get(priority);
    if (level === undefined) {
      level = new Level(priority);
      const levels = this.#levels;
      // keep the scan short: drop empty levels first when there are many
      if (levels.length >= PRUNE_AT) this.#prune();
      let i = 0;
      while (i < levels.length && (levels[i] as Level).priority > priority) i++;
      levels.splice(i, 0, level);
      this.#byPriority.set(priority, level);
    }
    this.#last = level;
    return level;
  }

  #prune(): void {
    const keep = this.#levels.filter((l) => l.length > 0 || l.priority === 0);
    this.#levels.length = 0;
    this.#levels.push(...keep);
    this.#byPriority.clear();
    for (const l of keep) this.#byPriority.set(l.priority, l);
    if (!this.#byPriority.has(this.#last.priority)) this.#last = this.#byPriority.get(0) as Level;
  }
}
