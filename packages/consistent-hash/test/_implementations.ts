import {
  BoundedLoadHash,
  type ConsistentHash,
  JumpHash,
  MaglevHash,
  MementoHash,
  MultiProbeHash,
  RendezvousHash,
  RingHash,
} from '../src/index.js';

/** What the shared conformance suite may expect of one algorithm. */
export interface Implementation {
  name: string;
  create: () => ConsistentHash;
  /** 'proportional': weights honoured; 'rejected': weight must be 1; 'compat': accepted, not proportional-tested (ketama). */
  weights: 'proportional' | 'rejected' | 'compat';
  /** the mapping depends only on the (node, weight) set, not on the order of adds */
  orderIndependent: boolean;
  /** which nodes removeNode supports */
  removal: 'any' | 'last';
  /** 'minimal': only keys of the changed node move; otherwise the largest fraction allowed to move between survivors */
  disruption: 'minimal' | number;
  /** peak-to-mean key count bound for 10 equal nodes and 20,000 keys */
  balance: number;
}

export const implementations: Implementation[] = [
  {
    name: 'RingHash',
    create: () => new RingHash(),
    weights: 'proportional',
    orderIndependent: true,
    removal: 'any',
    disruption: 'minimal',
    balance: 1.3,
  },
  {
    name: 'RingHash (ketama)',
    create: () => new RingHash({ hash: 'ketama' }),
    weights: 'compat',
    orderIndependent: true,
    removal: 'any',
    disruption: 'minimal',
    balance: 1.35,
  },
  {
    name: 'JumpHash',
    create: () => new JumpHash(),
    weights: 'rejected',
    orderIndependent: false,
    removal: 'last',
    disruption: 'minimal',
    balance: 1.1,
  },
  {
    name: 'RendezvousHash',
    create: () => new RendezvousHash(),
    weights: 'proportional',
    orderIndependent: true,
    removal: 'any',
    disruption: 'minimal',
    balance: 1.1,
  },
  // a smaller prime table keeps the many rebuilds of the properties fast; maglev-table.test.ts covers the default
  {
    name: 'MaglevHash',
    create: () => new MaglevHash({ tableSize: 4099 }),
    weights: 'proportional',
    orderIndependent: true,
    removal: 'any',
    // Per case, Maglev's stray moves have a long tail with 3–4 nodes (a fast-check case with nodes
    // ["𑛄", "", " "] + "!" moved 15 %); the typical bound is checked statistically in maglev-table.test.ts.
    disruption: 0.25,
    balance: 1.1,
  },
  {
    name: 'MultiProbeHash',
    create: () => new MultiProbeHash(),
    weights: 'rejected',
    orderIndependent: true,
    removal: 'any',
    disruption: 'minimal',
    balance: 1.35,
  },
  {
    name: 'MementoHash',
    create: () => new MementoHash(),
    weights: 'rejected',
    orderIndependent: false,
    removal: 'any',
    disruption: 'minimal',
    balance: 1.1,
  },
  {
    name: 'BoundedLoadHash(RingHash)',
    create: () => new BoundedLoadHash(new RingHash()),
    weights: 'proportional',
    orderIndependent: true,
    removal: 'any',
    disruption: 'minimal',
    balance: 1.3,
  },
];
