// Profiling helper: `node --cpu-prof --import tsx benchmarks/queue/_profile.ts [ours|fastq]` runs the two queues
// interleaved in one process and prints the median same-run ratio per scenario.
import { Queue } from '@scaling/queue';
import fastq from 'fastq';

const noop = async (): Promise<void> => {};
const w = async (_: unknown): Promise<void> => {};
const only = process.argv[2];
const N = 1_000;
function make(which: string, mode: string, c: number): () => Promise<void> {
  if (which === 'ours') {
    const q = new Queue({ concurrency: c });
    return mode === 'one'
      ? async () => {
          for (let i = 0; i < N; i++) await q.add(noop);
        }
      : async () => {
          for (let i = 0; i < N; i++) void q.add(noop);
          await q.onIdle();
        };
  }
  const f = fastq.promise(w, c);
  return mode === 'one'
    ? async () => {
        for (let i = 0; i < N; i++) await f.push(i);
      }
    : async () => {
        for (let i = 0; i < N; i++) void f.push(i);
        await f.drained();
      };
}
async function time(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  for (let k = 0; k < 300; k++) await fn();
  return (300 * N) / (performance.now() - t0) / 1000;
}
for (const [mode, c] of [
  ['one', 1],
  ['all', 1],
  ['all', 16],
] as const) {
  const a = make('ours', mode, c),
    b = make('fastq', mode, c);
  const rs: number[] = [];
  let lastA = 0,
    lastB = 0;
  for (let r = 0; r < 7; r++) {
    if (only !== 'fastq') lastA = await time(a);
    if (only !== 'ours') lastB = await time(b);
    rs.push(lastA / lastB);
  }
  rs.sort((x, y) => x - y);
  console.log(mode, c, 'ours', lastA.toFixed(2), 'fastq', lastB.toFixed(2), 'M/s; median ratio', rs[3]?.toFixed(2));
}
