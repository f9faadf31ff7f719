import {
  BoundedLoadHash,
  type ConsistentHash,
  JumpHash,
  MaglevHash,
  MementoHash,
  MultiProbeHash,
  RendezvousHash,
  RingHash,
} from '@scaling/consistent-hash';
import PeerConsistentHash from 'consistent-hash';
import HashRing from 'hashring';
import { measure } from '../_lib/bench.js';
import type { AreaContext, AreaReport, Chart, Ratio, Table } from '../_lib/types.js';

/** Lookups per task call: tinybench costs ~40 ns per call, so each call loops over a batch. */
const BATCH = 1000;
/** Distinct keys cycled through; larger than hashring's 5,000-entry result cache so it measures real lookups. */
const POOL = 1 << 16;
const keys = Array.from({ length: POOL }, (_, i) => `user:${i}:session`);

interface Peer {
  getNode(key: string): string;
}

type Algo = { name: string; build: (nodes: string[]) => Peer; maxN?: number };

const ours = (create: () => ConsistentHash) => (nodes: string[]) => {
  const h = create();
  for (const n of nodes) h.addNode(n);
  h.getNode('warm'); // apply lazy rebuilds
  return h;
};

const algos: Algo[] = [
  { name: 'RingHash', build: ours(() => new RingHash()) },
  { name: 'RingHash ketama', build: ours(() => new RingHash({ hash: 'ketama' })) },
  { name: 'JumpHash', build: ours(() => new JumpHash()) },
  { name: 'MaglevHash', build: ours(() => new MaglevHash()) },
  { name: 'MementoHash', build: ours(() => new MementoHash()) },
  { name: 'MultiProbeHash', build: ours(() => new MultiProbeHash()) },
  { name: 'RendezvousHash', build: ours(() => new RendezvousHash()) },
  { name: 'BoundedLoadHash(Ring)', build: ours(() => new BoundedLoadHash(new RingHash())) },
  {
    name: 'hashring',
    build: (nodes) => {
      const ring = new HashRing(nodes);
      return { getNode: (k: string) => ring.get(k) as string };
    },
  },
  {
    // its default ring has 100,003 slots for 40 random points per node: adding 10,000 nodes throws
    name: 'consistent-hash',
    maxN: 1000,
    build: (nodes) => {
      const ring = new PeerConsistentHash();
      for (const n of nodes) ring.add(n);
      return { getNode: (k: string) => ring.get(k) as string };
    },
  },
];

const nodeNames = (n: number, prefix = 'node') => Array.from({ length: n }, (_, i) => `${prefix}-${i}.cache.internal:11211`);

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[s.length >> 1] as number;
}

function timeMs(repeat: number, fn: () => void): number {
  const t: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  return median(t);
}

/** Heap + ArrayBuffer bytes retained by what `build` returns. */
function retainedBytes(build: () => unknown): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('needs node --expose-gc (npm run bench passes it)');
  const used = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  gc();
  gc();
  const before = used();
  const keep = build();
  gc();
  gc();
  const after = used();
  if (keep === Symbol.for('never')) console.log(keep);
  return after - before;
}

export default async function run(ctx: AreaContext): Promise<AreaReport> {
  const quick = ctx.quick;
  const sizes = quick ? [10, 1000] : [10, 100, 1000, 10_000];
  const tables: Table[] = [];
  const ratios: Ratio[] = [];
  const charts: Chart[] = [];
  let sink = 0;

  // ---- lookups ----------------------------------------------------------------------------------
  const lookup = new Map<string, Map<number, number>>(); // algo → N → lookups/s
  for (const n of sizes) {
    ctx.progress(`lookups at N = ${n}`);
    const nodes = nodeNames(n);
    const tasks: Record<string, () => void> = {};
    for (const a of algos) {
      if (a.maxN !== undefined && n > a.maxN) continue;
      const h = a.build(nodes);
      let i = 0;
      tasks[a.name] = () => {
        for (let j = 0; j < BATCH; j++) sink ^= h.getNode(keys[i++ & (POOL - 1)] as string).length;
      };
    }
    const r = await measure(tasks, { quick, timeMs: n >= 10_000 ? 600 : 500 });
    for (const [name, m] of Object.entries(r)) {
      if (!lookup.has(name)) lookup.set(name, new Map());
      (lookup.get(name) as Map<number, number>).set(n, m.hz * BATCH);
    }
  }
  tables.push({
    title: 'Lookups per second (getNode, 20-byte string keys, 65,536 distinct keys)',
    columns: ['algorithm', ...sizes.map((n) => `N = ${n.toLocaleString('en-US')}`)],
    rows: [...lookup].map(([name, byN]) => [name, ...sizes.map((n) => byN.get(n) ?? 'fails')]),
    note: 'consistent-hash (npm) throws "unable to find an unused control point" when 10,000 nodes are added to its default ring.',
  });
  charts.push({
    id: 'lookup',
    title: 'getNode lookups/s by number of nodes',
    kind: 'line',
    xLabel: 'nodes',
    yLabel: 'lookups/s',
    logX: true,
    logY: true,
    data: [...lookup].flatMap(([series, byN]) => [...byN].map(([x, y]) => ({ series, x, y }))),
  });
  const at = (name: string, n: number) => lookup.get(name)?.get(n) ?? Number.NaN;
  const nRef = 1000;
  ratios.push(
    {
      name: `RingHash lookups/s vs hashring at N = ${nRef}`,
      ours: 'RingHash',
      peer: 'hashring',
      value: at('RingHash', nRef) / at('hashring', nRef),
      target: { op: '>=', value: 35 },
      headline: true,
    },
    {
      name: `RingHash lookups/s vs consistent-hash (npm) at N = ${nRef}`,
      ours: 'RingHash',
      peer: 'consistent-hash',
      value: at('RingHash', nRef) / at('consistent-hash', nRef),
    },
    {
      name: `RingHash ketama lookups/s vs hashring (both libketama-compatible) at N = ${nRef}`,
      ours: 'RingHash ketama',
      peer: 'hashring',
      value: at('RingHash ketama', nRef) / at('hashring', nRef),
    },
    {
      name: `MaglevHash lookups/s vs RingHash at N = ${nRef}`,
      ours: 'MaglevHash',
      peer: 'RingHash',
      value: at('MaglevHash', nRef) / at('RingHash', nRef),
      target: { op: '>=', value: 1 },
    },
    {
      name: `JumpHash lookups/s vs RingHash at N = ${nRef}`,
      ours: 'JumpHash',
      peer: 'RingHash',
      value: at('JumpHash', nRef) / at('RingHash', nRef),
      target: { op: '>=', value: 1 },
    },
  );

  // ---- build and change costs ---------------------------------------------------------------------
  ctx.progress('build and add/remove times');
  const nBuild = quick ? 100 : 1000;
  const buildRows: Table['rows'] = [];
  const nodes1k = nodeNames(nBuild);
  const repeat = quick ? 1 : 5;
  const changeable: Array<{ name: string; create: () => { add(n: string): void; remove(n: string): void; get(k: string): string } }> = [
    ...(
      [
        ['RingHash', () => new RingHash()],
        ['RingHash ketama', () => new RingHash({ hash: 'ketama' })],
        ['JumpHash', () => new JumpHash()],
        ['MaglevHash', () => new MaglevHash()],
        ['MementoHash', () => new MementoHash()],
        ['MultiProbeHash', () => new MultiProbeHash()],
        ['RendezvousHash', () => new RendezvousHash()],
        ['BoundedLoadHash(Ring)', () => new BoundedLoadHash(new RingHash())],
      ] as Array<[string, () => ConsistentHash]>
    ).map(([name, create]) => ({
      name,
      create: () => {
        const h = create();
        return { add: (n: string) => h.addNode(n), remove: (n: string) => void h.removeNode(n), get: (k: string) => h.getNode(k) };
      },
    })),
    {
      // hashring rebuilds its whole continuum on every add: build it the way its users do, from the full list
      name: 'hashring',
      create: () => {
        let r = new HashRing([]);
        const pending: string[] = [];
        return {
          add: (n: string) => {
            if (pending.length < nBuild && pending.push(n) < nBuild) return;
            if (pending.length === nBuild && r.get('k') === undefined) r = new HashRing(pending);
            else r.add(n);
          },
          remove: (n: string) => void r.remove(n),
          get: (k: string) => r.get(k) as string,
        };
      },
    },
    {
      name: 'consistent-hash',
      create: () => {
        const r = new PeerConsistentHash();
        return { add: (n: string) => void r.add(n), remove: (n: string) => void r.remove(n), get: (k: string) => r.get(k) as string };
      },
    },
  ];
  const changeMs = new Map<string, { build: number; add: number; remove: number }>();
  for (const c of changeable) {
    const buildMs = timeMs(repeat, () => {
      const h = c.create();
      for (const n of nodes1k) h.add(n);
      sink ^= h.get('k').length;
    });
    const h = c.create();
    for (const n of nodes1k) h.add(n);
    sink ^= h.get('k').length;
    // add one node then remove it again (the last one, so jump can too), each followed by a lookup
    const rounds = quick ? 2 : 7;
    const addT: number[] = [];
    const remT: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const extra = `extra-${i}`;
      let t0 = performance.now();
      h.add(extra);
      sink ^= h.get('k').length;
      addT.push(performance.now() - t0);
      t0 = performance.now();
      h.remove(extra);
      sink ^= h.get('k').length;
      remT.push(performance.now() - t0);
    }
    changeMs.set(c.name, { build: buildMs, add: median(addT), remove: median(remT) });
    buildRows.push([c.name, buildMs, median(addT), median(remT)]);
  }
  tables.push({
    title: `Build and change costs at N = ${nBuild} (ms, median; each followed by one lookup, which applies lazy rebuilds)`,
    columns: ['algorithm', 'build 1,000 nodes', 'add 1 node', 'remove 1 node'],
    rows: buildRows,
  });
  const hrAdd = changeMs.get('hashring')?.add ?? Number.NaN;
  ratios.push({
    name: `hashring add-node time / RingHash add-node time at N = ${nBuild}`,
    ours: 'RingHash',
    peer: 'hashring',
    value: hrAdd / (changeMs.get('RingHash')?.add ?? Number.NaN),
  });

  // ---- memory -------------------------------------------------------------------------------------
  ctx.progress('memory');
  const memRows: Table['rows'] = [];
  let ringPointBytes = Number.NaN;
  for (const a of algos) {
    if (a.name === 'BoundedLoadHash(Ring)') continue;
    let pointCount = 0;
    const bytes = retainedBytes(() => {
      const h = a.build(nodes1k);
      if (h instanceof RingHash) pointCount = h.pointCount;
      return h;
    });
    if (a.name === 'RingHash') ringPointBytes = bytes / pointCount;
    memRows.push([a.name, bytes / nBuild, pointCount > 0 ? bytes / pointCount : '']);
  }
  tables.push({
    title: `Memory at N = ${nBuild} (heap + ArrayBuffers retained, node names included)`,
    columns: ['algorithm', 'bytes per node', 'bytes per ring point'],
    rows: memRows,
  });
  ratios.push({
    name: 'RingHash bytes per ring point (all memory / points)',
    ours: 'RingHash',
    peer: '',
    value: ringPointBytes,
    target: { op: '<=', value: 8 },
  });

  // ---- balance --------------------------------------------------------------------------------------
  ctx.progress('balance: 10⁶ keys over 1,000 nodes');
  const nBal = quick ? 100 : 1000;
  const nKeys = quick ? 20_000 : 1_000_000;
  const balKeys = (i: number) => `key:${i}`;
  const balRows: Table['rows'] = [];
  const peakOf = (counts: Map<string, number>, n: number, total: number) => Math.max(...counts.values()) / (total / n);
  const balance = new Map<string, number>();
  for (const [name, create] of [
    ['RingHash', () => new RingHash()],
    ['JumpHash', () => new JumpHash()],
    ['MaglevHash', () => new MaglevHash()],
    ['MementoHash', () => new MementoHash()],
    ['MultiProbeHash', () => new MultiProbeHash()],
    ['RendezvousHash', () => new RendezvousHash()],
  ] as Array<[string, () => ConsistentHash]>) {
    const h = create();
    for (const n of nodes1k) h.addNode(n);
    const counts = new Map<string, number>();
    // rendezvous is O(N) per key: a tenth of the keys keeps the run short (its noise is noted in the table)
    const keysHere = name === 'RendezvousHash' ? nKeys / 10 : nKeys;
    for (let i = 0; i < keysHere; i++) {
      const o = h.getNode(balKeys(i));
      counts.set(o, (counts.get(o) ?? 0) + 1);
    }
    const p = peakOf(counts, nBal, keysHere);
    balance.set(name, p);
    let share = '';
    if (h instanceof RingHash) {
      share = (Math.max(...h.shares().values()) * nBal).toFixed(4);
      balance.set('RingHash share', Number(share));
    }
    if (h instanceof MaglevHash) {
      const e = h.entriesPerNode();
      share = (Math.max(...e.values()) / (h.tableSize / nBal)).toFixed(4);
      balance.set('MaglevHash share', Number(share));
    }
    balRows.push([name === 'RendezvousHash' ? `RendezvousHash (${keysHere.toLocaleString('en-US')} keys)` : name, p, share]);
  }
  {
    const lb = new BoundedLoadHash(new RingHash());
    for (const n of nodes1k) lb.addNode(n);
    for (let i = 0; i < nKeys; i++) lb.acquire(balKeys(i));
    const peak = Math.max(...nodes1k.map((n) => lb.loadOf(n)));
    const cap = Math.ceil((1.25 * nKeys) / nBal);
    balance.set('bounded', peak / cap);
    balRows.push(['BoundedLoadHash(Ring), c = 1.25 (acquire)', peak / (nKeys / nBal), `peak ${peak} ≤ cap ${cap}`]);
  }
  const uniformIdeal = 1 + 3.1 / Math.sqrt(nKeys / nBal);
  tables.push({
    title: `Peak-to-mean load, ${nKeys.toLocaleString('en-US')} keys over ${nBal} nodes`,
    columns: ['algorithm', 'peak-to-mean (keys)', 'peak-to-mean (share of hash space)'],
    rows: balRows,
    note: `Even a perfect split shows sampling noise: with ${nKeys / nBal} keys per node the expected peak of 1,000 nodes is about ${uniformIdeal.toFixed(2)} × mean. Maglev's ≤ 1.02 target is therefore checked on its share of the lookup table.`,
  });
  ratios.push(
    {
      name: 'RingHash (160 vnodes) peak-to-mean, 10⁶ keys, N = 1000',
      ours: 'RingHash',
      peer: '',
      value: balance.get('RingHash') ?? Number.NaN,
      target: { op: '<=', value: 1.3 },
    },
    {
      name: 'RingHash (160 vnodes) peak-to-mean of hash-space share, N = 1000',
      ours: 'RingHash',
      peer: '',
      value: balance.get('RingHash share') ?? Number.NaN,
    },
    {
      name: 'MaglevHash peak-to-mean of table share, N = 1000',
      ours: 'MaglevHash',
      peer: '',
      value: balance.get('MaglevHash share') ?? Number.NaN,
      target: { op: '<=', value: 1.02 },
    },
    {
      name: 'BoundedLoadHash peak / ⌈1.25 × mean⌉, 10⁶ keys, N = 1000',
      ours: 'BoundedLoadHash',
      peer: '',
      value: balance.get('bounded') ?? Number.NaN,
      target: { op: '<=', value: 1 },
    },
  );
  charts.push({
    id: 'balance',
    title: `Peak-to-mean load (${nKeys.toLocaleString('en-US')} keys, 1,000 nodes; lower is better)`,
    kind: 'bar',
    xLabel: 'algorithm',
    yLabel: 'peak / mean',
    data: balRows.map((r) => ({ series: 'peak-to-mean', x: String(r[0]), y: Number(r[1]) })),
  });

  // ---- disruption ---------------------------------------------------------------------------------
  ctx.progress('keys moved on add/remove');
  const nMove = 100;
  const moveKeys = Array.from({ length: quick ? 10_000 : 100_000 }, (_, i) => `move:${i}`);
  const trials = quick ? 1 : 6;
  const moveRows: Table['rows'] = [];
  for (const [name, create, lastOnly] of [
    ['RingHash', () => new RingHash(), false],
    ['RingHash ketama', () => new RingHash({ hash: 'ketama' }), false],
    ['JumpHash', () => new JumpHash(), true],
    ['MaglevHash', () => new MaglevHash(), false],
    ['MementoHash', () => new MementoHash(), false],
    ['MultiProbeHash', () => new MultiProbeHash(), false],
    ['RendezvousHash', () => new RendezvousHash(), false],
  ] as Array<[string, () => ConsistentHash, boolean]>) {
    let addMoved = 0;
    let addStray = 0;
    let remMoved = 0;
    let remStray = 0;
    for (let t = 0; t < trials; t++) {
      const h = create();
      for (const n of nodeNames(nMove)) h.addNode(n);
      const before = moveKeys.map((k) => h.getNode(k));
      const extra = `joiner-${t}`;
      h.addNode(extra);
      const after = moveKeys.map((k) => h.getNode(k));
      for (let i = 0; i < after.length; i++) {
        if (after[i] === before[i]) continue;
        addMoved++;
        if (after[i] !== extra) addStray++;
      }
      const victim = lastOnly ? extra : (h.nodes()[(t * 37) % h.size] as string);
      h.removeNode(victim);
      const afterRemove = moveKeys.map((k) => h.getNode(k));
      for (let i = 0; i < after.length; i++) {
        if (afterRemove[i] === after[i]) continue;
        remMoved++;
        if (after[i] !== victim) remStray++;
      }
    }
    const total = moveKeys.length * trials;
    const addFrac = addMoved / total;
    const remFrac = remMoved / total;
    const ideal = 1 / (nMove + 1);
    moveRows.push([name, addFrac / ideal, remFrac / ideal, (addStray + remStray) / total]);
    if (name !== 'MaglevHash')
      ratios.push({
        name: `${name}: deviation of moved fraction from ideal 1/N, worst of add and remove, N = ${nMove}`,
        ours: name,
        peer: 'ideal',
        value: Math.max(Math.abs(addFrac / ideal - 1), Math.abs(remFrac / ideal - 1)),
        target: { op: '<=', value: 0.1 },
      });
    ratios.push({
      name: `${name}: fraction of keys moved between unaffected nodes`,
      ours: name,
      peer: '',
      value: (addStray + remStray) / total,
      ...(name === 'MaglevHash' ? {} : { target: { op: '<=' as const, value: 0 } }),
    });
  }
  tables.push({
    title: `Keys moved when one node joins or leaves ${nMove} nodes (${moveKeys.length.toLocaleString('en-US')} keys, mean of ${trials} trials)`,
    columns: ['algorithm', 'moved on add / ideal', 'moved on remove / ideal', 'moved between unaffected nodes'],
    rows: moveRows,
    note: 'ideal = 1/(N+1): the share of the joining (or leaving) node. JumpHash removes its last node; the others a node in the middle.',
  });

  if (sink === 0.5) console.log(sink);
  return {
    area: 'consistent-hash',
    title: 'consistent-hash: lookups, build cost, memory, balance and disruption',
    tables,
    ratios,
    charts,
    notes: [
      'hashring keeps a 5,000-entry LRU of results; lookups cycle through 65,536 keys so both sides do real work. consistent-hash (npm) places its points with Math.random, so two processes disagree.',
      'The machine has 2 cores shared with other engineers building at the same time: absolute figures are noisy, ratios are same-run.',
    ],
  };
}
