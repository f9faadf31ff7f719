export { assertBalanceFactor, boundedLoadCap, DEFAULT_BALANCE_FACTOR, MAX_BALANCE_FACTOR } from './bounded-load.js';
export { BoundedLoadHash, type BoundedLoadHashOptions } from './bounded-load-hash.js';
export type { ConsistentHash, HashKey } from './consistent-hash.js';
export { JumpHash, jumpConsistentHash } from './jump-hash.js';
export { MaglevHash, type MaglevHashOptions } from './maglev-hash.js';
export { MementoHash } from './memento-hash.js';
export { MultiProbeHash, type MultiProbeHashOptions } from './multi-probe-hash.js';
export { RendezvousHash } from './rendezvous-hash.js';
export { RingHash, type RingHashFunction, type RingHashOptions } from './ring-hash.js';
