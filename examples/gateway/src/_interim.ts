// TEMPORARY stand-ins with the DESIGN.md shapes, used only until the @scaling packages land on main.
export interface Endpoint {
  id: string;
  weight?: number;
}
export interface Lease<E> {
  endpoint: E;
  release(result?: { ok: boolean; latencyMs?: number }): void;
}
export class InterimBalancer<E extends Endpoint> {
  #healthy = new Set<string>();
  #i = 0;
  constructor(readonly endpoints: E[]) {
    for (const e of endpoints) this.#healthy.add(e.id);
  }
  pick(options?: { key?: string; exclude?: ReadonlySet<string> }): Lease<E> {
    for (let n = 0; n < this.endpoints.length; n++) {
      const e = this.endpoints[this.#i++ % this.endpoints.length]!;
      if (this.#healthy.has(e.id) && !options?.exclude?.has(e.id)) return { endpoint: e, release() {} };
    }
    throw Object.assign(new Error('no endpoints'), { code: 'ERR_NO_ENDPOINTS' });
  }
  setHealthy(id: string, healthy: boolean): void {
    if (healthy) this.#healthy.add(id);
    else this.#healthy.delete(id);
  }
}

export class InterimCache<V> {
  #map = new Map<string, { value: V; at: number }>();
  #inflight = new Map<string, Promise<V>>();
  hits = 0;
  misses = 0;
  constructor(readonly options: { max: number; ttl: number; staleWhileRevalidate: number }) {}
  getOrLoad(key: string, loader: () => Promise<V>): Promise<V> {
    const e = this.#map.get(key);
    const now = performance.now();
    if (e && now - e.at < this.options.ttl + this.options.staleWhileRevalidate) {
      this.hits++;
      if (now - e.at >= this.options.ttl && !this.#inflight.has(key)) this.#load(key, loader).catch(() => {});
      return Promise.resolve(e.value);
    }
    this.misses++;
    return this.#inflight.get(key) ?? this.#load(key, loader);
  }
  #load(key: string, loader: () => Promise<V>): Promise<V> {
    const p = loader().then(
      (v) => {
        this.#map.set(key, { value: v, at: performance.now() });
        this.#inflight.delete(key);
        return v;
      },
      (e: unknown) => {
        this.#inflight.delete(key);
        throw e;
      },
    );
    this.#inflight.set(key, p);
    return p;
  }
  stats() {
    return { hits: this.hits, misses: this.misses, hitRatio: this.hits / Math.max(1, this.hits + this.misses) };
  }
}

export class InterimHash {
  #nodes: string[] = [];
  addNode(n: string): void {
    this.#nodes.push(n);
    this.#nodes.sort();
  }
  removeNode(n: string): boolean {
    const i = this.#nodes.indexOf(n);
    if (i >= 0) this.#nodes.splice(i, 1);
    return i >= 0;
  }
  getNodes(key: string, count: number): string[] {
    let h = 0;
    for (let i = 0; i < key.length; i++) h = (Math.imul(h, 31) + key.charCodeAt(i)) >>> 0;
    const out: string[] = [];
    for (let i = 0; i < Math.min(count, this.#nodes.length); i++) out.push(this.#nodes[(h + i) % this.#nodes.length]!);
    return out;
  }
}

export class InterimQueue {
  #waiting: (() => void)[] = [];
  pending = 0;
  constructor(readonly options: { concurrency: number; maxQueued: number }) {}
  get size(): number {
    return this.#waiting.length;
  }
  add<T>(task: () => Promise<T>): Promise<T> {
    if (this.#waiting.length >= this.options.maxQueued) return Promise.reject(Object.assign(new Error('full'), { code: 'ERR_QUEUE_FULL' }));
    return new Promise<T>((resolve, reject) => {
      const run = (): void => {
        this.pending++;
        task()
          .then(resolve, reject)
          .finally(() => {
            this.pending--;
            this.#waiting.shift()?.();
          });
      };
      if (this.pending < this.options.concurrency) run();
      else this.#waiting.push(run);
    });
  }
}
