// Minimal types for the two peers (neither ships its own).
declare module 'hashring' {
  export default class HashRing {
    constructor(servers?: string[] | Record<string, number>, algorithm?: string, options?: Record<string, unknown>);
    get(key: string): string | undefined;
    add(servers: string | string[]): this;
    remove(server: string): this;
  }
}
declare module 'consistent-hash' {
  export default class ConsistentHash {
    constructor(options?: Record<string, unknown>);
    get(name: string): string | null;
    add(node: string, weight?: number): this;
    remove(node: string): this;
  }
}
