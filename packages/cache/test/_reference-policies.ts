// Tiny reference simulators of SIEVE and S3-FIFO written straight from the papers' pseudo-code, with plain
// arrays: `access(key)` returns whether it hit, and the evicted keys are collected in order.

export interface Simulator {
  access(key: number): boolean;
  readonly evicted: number[];
}

/** SIEVE (Zhang et al., NSDI 2024): a FIFO (index 0 = oldest), a visited bit, and a hand. */
export function sieveSimulator(capacity: number): Simulator {
  const queue: Array<{ key: number; visited: boolean }> = [];
  let hand: number | null = null;
  const evicted: number[] = [];
  return {
    evicted,
    access(key) {
      const found = queue.find((e) => e.key === key);
      if (found) {
        found.visited = true;
        return true;
      }
      if (queue.length === capacity) {
        let h = hand ?? 0;
        while (queue[h]?.visited) {
          (queue[h] as { visited: boolean }).visited = false;
          h = (h + 1) % queue.length;
        }
        evicted.push((queue[h] as { key: number }).key);
        queue.splice(h, 1);
        hand = h < queue.length ? h : null;
      }
      queue.push({ key, visited: false });
      return false;
    },
  };
}

/**
 * S3-FIFO (Yang et al., SOSP 2023): small queue S (10 % of the capacity, at least 1), main queue M, ghost G
 * of the last `capacity − |S target|` (at least 16) keys evicted from S; 2-bit frequencies.
 */
export function s3fifoSimulator(capacity: number): Simulator {
  const small: number[] = [];
  const main: number[] = [];
  const freq = new Map<number, number>();
  const sTarget = Math.max(1, Math.floor(capacity * 0.1));
  const ghostCapacity = Math.max(16, capacity - sTarget);
  const ghostLog: number[] = [];
  const ghostAt = new Map<number, number>();
  const evicted: number[] = [];
  const inGhost = (k: number): boolean => ghostAt.has(k) && (ghostAt.get(k) as number) >= ghostLog.length - ghostCapacity;
  const evict = (): void => {
    for (;;) {
      if (small.length > 0 && (small.length >= sTarget || main.length === 0)) {
        const t = small.shift() as number;
        if ((freq.get(t) as number) > 0) {
          freq.set(t, 0);
          main.push(t);
          continue;
        }
        ghostAt.set(t, ghostLog.length);
        ghostLog.push(t);
        freq.delete(t);
        evicted.push(t);
        return;
      }
      const t = main.shift() as number;
      const f = freq.get(t) as number;
      if (f > 0) {
        freq.set(t, f - 1);
        main.push(t);
        continue;
      }
      freq.delete(t);
      evicted.push(t);
      return;
    }
  };
  return {
    evicted,
    access(key) {
      if (freq.has(key)) {
        freq.set(key, Math.min(3, (freq.get(key) as number) + 1));
        return true;
      }
      if (small.length + main.length === capacity) evict();
      if (inGhost(key)) {
        ghostAt.delete(key);
        main.push(key);
      } else {
        small.push(key);
      }
      freq.set(key, 0);
      return false;
    },
  };
}
