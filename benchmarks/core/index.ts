import { fnv1a64, xxHash32 } from '@scaling/core';
import { measure } from '../_lib/bench.js';
import type { AreaContext, AreaReport } from '../_lib/types.js';

/** Hash throughput on short keys, against a baseline that only reads the string's length. */
export default async function run(ctx: AreaContext): Promise<AreaReport> {
  const keys = Array.from({ length: 1024 }, (_, i) => `user:${i}:session`);
  const out = new Uint32Array(2);
  let i = 0;
  let sink = 0;
  ctx.progress('hashing 16-byte keys');
  const r = await measure(
    {
      'baseline (length)': () => {
        sink ^= (keys[i++ & 1023] as string).length;
      },
      xxHash32: () => {
        sink ^= xxHash32(keys[i++ & 1023] as string);
      },
      fnv1a64: () => {
        sink ^= fnv1a64(keys[i++ & 1023] as string, out)[1] as number;
      },
    },
    ctx,
  );
  if (sink === 0.5) console.log(sink);
  return {
    area: 'core',
    title: 'core: hashing',
    ratios: [],
    tables: [
      {
        title: 'Hashes on 16-byte string keys',
        columns: ['hash', 'ops/s', 'ns/op'],
        rows: Object.entries(r).map(([k, v]) => [k, v.hz, v.meanNs]),
      },
    ],
    charts: [
      {
        id: 'hash-ops',
        title: 'Hash throughput (16-byte keys)',
        kind: 'bar',
        xLabel: 'hash',
        yLabel: 'ops/s',
        data: Object.entries(r).map(([k, v]) => ({ series: 'ops/s', x: k, y: v.hz })),
      },
    ],
  };
}
