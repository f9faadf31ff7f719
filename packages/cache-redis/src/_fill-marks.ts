/**
 * In-flight fills of L1: reads and loads of a key share a mark, and an invalidation of the key (a write here, a
 * bus message, a tag bump) marks it dirty, so their late results are not stored.
 */

/** In-flight reads/loads of one key: an invalidation of the key marks them dirty, so their results are not stored. */
class FillMark {
  count = 0;
  dirty = false;
}

/** A fill in progress: the key's mark and the bus epoch it started in. */
export interface Fill {
  mark: FillMark;
  epoch: number;
}

/** The marks of the keys being filled in one tier. */
export class FillMarks {
  readonly #fills = new Map<string, FillMark>();

  /** Starts a fill of `key` in bus epoch `epoch`. */
  begin(key: string, epoch: number): Fill {
    let mark = this.#fills.get(key);
    if (mark === undefined) {
      mark = new FillMark();
      this.#fills.set(key, mark);
    }
    mark.count++;
    return { mark, epoch };
  }

  /** Ends a fill; true when nothing invalidated the key meanwhile and the bus epoch is still `epoch`. */
  end(key: string, fill: Fill, epoch: number): boolean {
    const { mark } = fill;
    if (--mark.count === 0) this.#fills.delete(key);
    return !mark.dirty && fill.epoch === epoch;
  }

  /** The key was invalidated: fills in flight must not store their results. */
  invalidate(key: string): void {
    const mark = this.#fills.get(key);
    if (mark !== undefined) mark.dirty = true;
  }

  /** Everything was invalidated. */
  invalidateAll(): void {
    for (const mark of this.#fills.values()) mark.dirty = true;
  }
}
