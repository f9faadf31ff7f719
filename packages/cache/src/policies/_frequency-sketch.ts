/** Halve every 4-bit counter of a word at once. */
const HALF_MASK = 0x77777777;

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * A count-min sketch of 4-bit counters (eight per `Uint32Array` word, four rows hashed into one table) that
 * estimates how often a key hash was seen, with periodic halving ("reset") so that old popularity fades:
 * after 10 × capacity increments every counter is halved. After Caffeine's `FrequencySketch` (Ben Manes)
 * and TinyLFU (Einziger, Friedman, Manes, ACM ToS 2017).
 */
export class FrequencySketch {
  #table = new Uint32Array(0);
  #mask = 0;
  #additions = 0;
  #sampleSize = 0;
  #capacity = 0;

  constructor(capacity: number) {
    this.ensureCapacity(capacity);
  }

  /** Size the table for `capacity` entries (about 16 counters per entry); resizing forgets the counts. */
  ensureCapacity(capacity: number): void {
    if (capacity <= this.#capacity) return;
    const words = nextPowerOfTwo(Math.max(16, Math.min(capacity, 1 << 24)) * 2);
    this.#capacity = capacity;
    this.#table = new Uint32Array(words);
    this.#mask = words - 1;
    this.#sampleSize = 10 * Math.max(capacity, 16);
    this.#additions = 0;
  }

  /** The estimated count of `hash` (0 … 15). */
  frequency(hash: number): number {
    const table = this.#table;
    const mask = this.#mask;
    // Four rows by double hashing (Kirsch–Mitzenmacher): index_k = h1 + k·h2; nibble from the top bits.
    const h1 = Math.imul(hash, 0x9e3779b1);
    const h2 = Math.imul(hash ^ (hash >>> 15), 0x85ebca6b) | 1;
    let min = 15;
    for (let k = 0, x = h1; k < 4; k++, x = (x + h2) | 0) {
      const v = ((table[x & mask] as number) >>> ((x >>> 29) << 2)) & 15;
      if (v < min) min = v;
    }
    return min;
  }

  /** Count one occurrence of `hash`. */
  increment(hash: number): void {
    const table = this.#table;
    const mask = this.#mask;
    const h1 = Math.imul(hash, 0x9e3779b1);
    const h2 = Math.imul(hash ^ (hash >>> 15), 0x85ebca6b) | 1;
    let added = false;
    for (let k = 0, x = h1; k < 4; k++, x = (x + h2) | 0) {
      const shift = (x >>> 29) << 2;
      const w = x & mask;
      const word = table[w] as number;
      if (((word >>> shift) & 15) < 15) {
        table[w] = word + (1 << shift);
        added = true;
      }
    }
    if (added && ++this.#additions >= this.#sampleSize) this.#halve();
  }

  clear(): void {
    this.#table.fill(0);
    this.#additions = 0;
  }

  #halve(): void {
    const table = this.#table;
    for (let w = 0; w < table.length; w++) table[w] = ((table[w] as number) >>> 1) & HALF_MASK;
    this.#additions >>>= 1;
  }
}
