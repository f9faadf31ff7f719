/**
 * A/B of pick() → release() cost across builds of @scaling/load-balancer, in one process, interleaved.
 * Not part of `npm run bench` (it needs other builds on disk). Usage:
 *
 *   node --import tsx benchmarks/load-balancer/ab-old-new.ts \
 *     old=/tmp/lb-old/packages/load-balancer/dist/index.js main=/tmp/lb-main/packages/load-balancer/dist/index.js \
 *     [new=packages/load-balancer/dist/index.js] [--rounds 15] [--ops 200000] [--only RoundRobin,PeakEwma] [--n 3,10]
 *
 * A build may carry extra constructor options after a `#`, as JSON, to measure an option's cost against the
 * same build without it: `hist='packages/load-balancer/dist/index.js#{"latencyHistogram":true}'`.
 *
 * Every (build, strategy, n) gets its own loop function (compiled from its own source text, so every call
 * site sees one class, as in an application that uses one strategy). A round measures each loop once, the
 * builds in a rotating order; the CPU time (user + system) of `ops` pick → release pairs is divided by
 * `ops`. Reported: the median over the rounds, in ns per pick + release, and each build's ratio to the first.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

interface Endpoint {
  id: string;
  weight?: number;
}
interface LeaseLike {
  endpoint: Endpoint;
  release(o?: object): void;
}
interface BalancerLike {
  pick(): LeaseLike;
}
type Ctor = new (o: object) => BalancerLike;

const args = process.argv.slice(2);
const builds: Array<[string, string, object]> = [];
let rounds = 15;
let ops = 200_000;
let only: string[] | undefined;
let sizes = [3, 10, 100];
for (let i = 0; i < args.length; i++) {
  const a = args[i] as string;
  if (a === '--rounds') rounds = Number(args[++i]);
  else if (a === '--ops') ops = Number(args[++i]);
  else if (a === '--only') only = (args[++i] as string).split(',');
  else if (a === '--n') sizes = (args[++i] as string).split(',').map(Number);
  else if (a.includes('=')) {
    const [name, spec] = a.split(/=(.*)/s) as [string, string];
    const [path, extra] = spec.split('#') as [string, string | undefined];
    builds.push([name, path, extra === undefined ? {} : (JSON.parse(extra) as object)]);
  } else throw new Error(`unknown argument ${a}`);
}
if (!builds.some(([name]) => name === 'new')) builds.push(['new', 'packages/load-balancer/dist/index.js', {}]);

const STRATEGIES = ['RoundRobin', 'PowerOfTwoChoices', 'LeastConnections', 'PeakEwma', 'WeightedRoundRobin'];
const strategies = only ?? STRATEGIES;
/** Peak EWMA is fed a latency, as in the package benchmark; the others release without an outcome. */
const RELEASE_ARG: Record<string, string> = { PeakEwma: 'result' };

const mods: Array<[string, Record<string, Ctor>, object]> = [];
for (const [name, path, extra] of builds)
  mods.push([name, (await import(pathToFileURL(resolve(path)).href)) as Record<string, Ctor>, extra]);

interface Case {
  build: string;
  strategy: string;
  n: number;
  run: (count: number) => number;
  samples: number[];
}

const cases: Case[] = [];
const result = { ok: true, latencyMs: 5 };
for (const strategy of strategies) {
  for (const n of sizes) {
    const eps: Endpoint[] = Array.from({ length: n }, (_, i) => ({ id: `endpoint-${i}`, weight: 1 }));
    for (const [build, mod, extra] of mods) {
      const C = mod[strategy];
      if (C === undefined) throw new Error(`${build} has no ${strategy}`);
      const lb = new C({ endpoints: eps, ...extra });
      const arg = RELEASE_ARG[strategy] ?? '';
      // Own source text per case (the comment), so V8 keeps separate type feedback for each.
      const loop = new Function(
        'lb',
        'result',
        'count',
        `// ${build} ${strategy} ${n}\nlet sink = 0;\nfor (let k = 0; k < count; k++) { const l = lb.pick(); sink ^= l.endpoint.id.length; l.release(${arg}); }\nreturn sink;`,
      ) as (lb: BalancerLike, r: object, count: number) => number;
      cases.push({ build, strategy, n, run: (count) => loop(lb, result, count), samples: [] });
    }
  }
}

for (const c of cases) for (let w = 0; w < 5; w++) c.run(ops / 5);

const cpuNs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
};
let sink = 0;
for (let r = 0; r < rounds; r++) {
  for (let i = 0; i < cases.length; i += mods.length) {
    for (let j = 0; j < mods.length; j++) {
      const c = cases[i + ((j + r) % mods.length)] as Case;
      const t0 = cpuNs();
      sink ^= c.run(ops);
      c.samples.push((cpuNs() - t0) / ops);
    }
  }
}
if (sink === 0.5) console.log(sink);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const names = mods.map(([name]) => name);
const load = (await import('node:os')).loadavg().map((x) => x.toFixed(2));
console.log(`rounds ${rounds} × ${ops} pick→release, CPU time, median ns/op; load average ${load.join(' ')}`);
console.log(['strategy', 'n', ...names, ...names.slice(1).map((b) => `${b}/${names[0]}`)].join('\t'));
for (let i = 0; i < cases.length; i += mods.length) {
  const row = cases.slice(i, i + mods.length);
  const med = row.map((c) => median(c.samples));
  const first = row[0] as Case;
  console.log(
    [first.strategy, first.n, ...med.map((m) => m.toFixed(1)), ...med.slice(1).map((m) => (m / (med[0] as number)).toFixed(3))].join('\t'),
  );
}
