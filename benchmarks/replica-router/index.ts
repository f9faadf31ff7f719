import { classifySql, ReplicaRouter, SqlClassifier } from '@scaling/replica-router';
import { createReplicatedPool } from '@scaling/replica-router-pg';
import pg from 'pg';
import { measure } from '../_lib/bench.js';
import type { AreaContext, AreaReport, Ratio, Table } from '../_lib/types.js';

/** Typical application statements, read and write, with the comments ORMs and tracers add. */
const QUERIES = [
  'SELECT id, name, email FROM users WHERE id = $1',
  '/* controller:users,action:show */ SELECT u.*, o.total FROM users u JOIN orders o ON o.user_id = u.id WHERE u.id = $1 ORDER BY o.created_at DESC LIMIT 20',
  'INSERT INTO events (user_id, kind, payload) VALUES ($1, $2, $3) RETURNING id',
  'UPDATE users SET last_seen_at = now() WHERE id = $1',
  "WITH recent AS (SELECT * FROM orders WHERE created_at > now() - interval '1 day') SELECT count(*) FROM recent",
  'SELECT * FROM jobs WHERE state = $1 ORDER BY priority LIMIT 10 FOR UPDATE SKIP LOCKED',
  'select count(*) from sessions where expires_at > $1',
  'DELETE FROM sessions WHERE expires_at < $1',
];
const BATCH = 1_000;

/**
 * The primary and streaming replica to measure against: PRIMARY_URL / REPLICA_URL when set, else (full
 * runs only) the private pair scripts/integration/replica-router-pg.mjs creates — never the machine's own
 * server. `stop` removes a pair this run created.
 */
async function servers(quick: boolean): Promise<{ primary: string; replica: string; stop: () => Promise<void> } | string> {
  if (process.env.PRIMARY_URL && process.env.REPLICA_URL)
    return { primary: process.env.PRIMARY_URL, replica: process.env.REPLICA_URL, stop: async () => {} };
  if (quick) return 'quick run: no PRIMARY_URL/REPLICA_URL given, the routed-vs-direct comparison was skipped';
  try {
    const script = new URL('../../scripts/integration/replica-router-pg.mjs', import.meta.url).href;
    const mod = (await import(script)) as { setup(): Promise<Record<string, string>>; teardown(): Promise<void> };
    const env = await mod.setup();
    return { primary: env.PRIMARY_URL as string, replica: env.REPLICA_URL as string, stop: () => mod.teardown() };
  } catch (e) {
    return `no private primary and streaming replica could be started (${e instanceof Error ? e.message : String(e)}): the routed-vs-direct comparison was skipped`;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

async function replicaAvailable(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  try {
    await c.connect();
    const r = await c.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
    return r.rows[0]?.standby === true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

/**
 * Routing overhead per query: classification + replica choice in process, and a routed `query()` against
 * a direct `pg.Pool.query()` on the same streaming replica (a private one, see {@link servers}).
 */
export default async function run(ctx: AreaContext): Promise<AreaReport> {
  const n = QUERIES.length;
  let i = 0;
  let sink = 0;
  const router = new ReplicaRouter<string>({ primary: 'primary', replicas: [{ id: 'r1' }, { id: 'r2' }], readYourWrites: 'position' });
  router.report('r1', { healthy: true, lagMs: 0, lagBytes: 0, position: 1_000 });
  router.report('r2', { healthy: true, lagMs: 0, lagBytes: 0, position: 2_000 });
  const session = router.session();
  router.recordWrite(session, 1_500);
  const options = { session };
  const classifier = new SqlClassifier();

  ctx.progress('in-process routing decision');
  const local = await measure(
    {
      'baseline (sql.length)': () => {
        for (let k = 0; k < BATCH; k++) sink ^= (QUERIES[i++ % n] as string).length;
      },
      classifySql: () => {
        for (let k = 0; k < BATCH; k++) sink ^= classifySql(QUERIES[i++ % n] as string) === 'read' ? 1 : 2;
      },
      'SqlClassifier.classify (remembered texts)': () => {
        for (let k = 0; k < BATCH; k++) sink ^= classifier.classify(QUERIES[i++ % n] as string) === 'read' ? 1 : 2;
      },
      'forRead (2 replicas, session token)': () => {
        for (let k = 0; k < BATCH; k++) sink ^= router.forRead(options).endpoint === 'primary' ? 1 : 2;
      },
      'classifySql + forRead': () => {
        for (let k = 0; k < BATCH; k++) {
          const sql = QUERIES[i++ % n] as string;
          sink ^= classifySql(sql) === 'read' ? (router.forRead(options).endpoint === 'primary' ? 1 : 2) : 3;
        }
      },
      'SqlClassifier + forRead (what the pg pool does)': () => {
        for (let k = 0; k < BATCH; k++) {
          const sql = QUERIES[i++ % n] as string;
          sink ^= classifier.classify(sql) === 'read' ? (router.forRead(options).endpoint === 'primary' ? 1 : 2) : 3;
        }
      },
    },
    ctx,
  );
  const nsPerOp = (name: string) => 1e9 / ((local[name]?.hz ?? 0) * BATCH);
  const tables: Table[] = [
    {
      title: 'Routing decision in process (8 typical statements, 2 replicas)',
      columns: ['task', 'ops/s', 'ns/op'],
      rows: Object.entries(local).map(([k, v]) => [k, v.hz * BATCH, 1e9 / (v.hz * BATCH)]),
    },
  ];
  const charts: AreaReport['charts'] = [
    {
      id: 'routing-decision',
      title: 'Routing decision (ops/s, in process)',
      kind: 'bar',
      xLabel: 'task',
      yLabel: 'ops/s',
      logY: true,
      data: Object.entries(local).map(([k, v]) => ({ series: 'ops/s', x: k, y: v.hz * BATCH })),
    },
  ];
  const ratios: Ratio[] = [];
  const notes: string[] = [];

  // The adapter alone: ReplicatedPool.query over pools that answer at once, against such a pool itself.
  ctx.progress('adapter overhead over instant pools');
  const instant = { rows: [] as unknown[] };
  const instantPool = (standby: boolean) => ({
    async query(text: string) {
      if (text.includes('pg_last_xact_replay_timestamp')) return { rows: [{ standby, replay: '0/100', lag_bytes: 0, since_replay_ms: 0 }] };
      if (text.includes('pg_current_wal')) return { rows: [{ lsn: '0/100', standby }] };
      return instant;
    },
    async connect(): Promise<never> {
      throw new Error('not used');
    },
    on() {},
    async end() {},
  });
  const bare = instantPool(true);
  const overPool = createReplicatedPool({
    primary: instantPool(false) as unknown as pg.Pool,
    replicas: [{ id: 'r1', pool: instantPool(true) as unknown as pg.Pool }],
  });
  await overPool.ready();
  const readSql = QUERIES[0] as string;
  const readValues = [1];
  const adapter = await measure(
    {
      'instant pool.query': async () => {
        for (let k = 0; k < BATCH; k++) await bare.query(readSql);
      },
      'ReplicatedPool.query over instant pools': async () => {
        for (let k = 0; k < BATCH; k++) await overPool.query(readSql, readValues);
      },
    },
    ctx,
  );
  await overPool.end();
  const adapterNs =
    1e9 / ((adapter['ReplicatedPool.query over instant pools']?.hz ?? 0) * BATCH) -
    1e9 / ((adapter['instant pool.query']?.hz ?? 0) * BATCH);
  tables.push({
    title: 'Adapter overhead: ReplicatedPool.query over pools that answer at once',
    columns: ['task', 'ops/s', 'ns/op'],
    rows: Object.entries(adapter).map(([k, v]) => [k, v.hz * BATCH, 1e9 / (v.hz * BATCH)]),
    note: `Adapter overhead per read: ${adapterNs.toFixed(0)} ns (classification, choice, lease, counters, one extra promise).`,
  });

  const pair = await servers(ctx.quick);
  if (typeof pair !== 'string' && (await replicaAvailable(pair.replica))) {
    const PRIMARY_URL = pair.primary;
    const REPLICA_URL = pair.replica;
    ctx.progress('routed query vs direct pg.Pool.query on the replica');
    const direct = new pg.Pool({ connectionString: REPLICA_URL, max: 8 });
    const routed = createReplicatedPool({
      primary: { connectionString: PRIMARY_URL, max: 8 },
      replicas: [{ id: 'r1', pool: { connectionString: REPLICA_URL, max: 8 } }],
      maxLagMs: 60_000,
    });
    await routed.ready();
    const e2eBatch = ctx.quick ? 64 : 512;
    const concurrency = 8;
    const sql = 'SELECT id, name FROM (VALUES (1, $1::text)) AS u(id, name) WHERE id = 1';
    const drive = async (q: (text: string, values: unknown[]) => Promise<unknown>) => {
      let left = e2eBatch;
      const worker = async () => {
        while (left > 0) {
          left--;
          await q(sql, ['x']);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
    };
    await drive((t, v) => direct.query(t, v));
    await drive((t, v) => routed.query(t, v));
    // The machine is shared: alternate the order over several rounds and take the median of each side.
    const rounds = ctx.quick ? 1 : 5;
    const directHz: number[] = [];
    const routedHz: number[] = [];
    const ratiosByRound: number[] = [];
    for (let round = 0; round < rounds; round++) {
      ctx.progress(`routed vs direct, round ${round + 1}/${rounds}`);
      const directTask = () => drive((t, v) => direct.query(t, v));
      const routedTask = () => drive((t, v) => routed.query(t, v));
      const tasks: Record<string, () => Promise<void>> =
        round % 2 === 0 ? { direct: directTask, routed: routedTask } : { routed: routedTask, direct: directTask };
      const m = await measure(tasks, { quick: ctx.quick, timeMs: 1_000 });
      const dHz = (m.direct?.hz ?? 0) * e2eBatch;
      const rHz = (m.routed?.hz ?? 0) * e2eBatch;
      directHz.push(dHz);
      routedHz.push(rHz);
      ratiosByRound.push(rHz / dHz);
    }
    const served = routed.stats();
    await Promise.all([direct.end(), routed.end()]);
    await pair.stop();
    const d = median(directHz);
    const r = median(routedHz);
    tables.push({
      title: `Queries against the streaming replica (${concurrency} in flight, loopback)`,
      columns: ['client', 'queries/s', 'µs/query'],
      rows: [
        ['pg.Pool.query (direct, replica)', d, 1e6 / d],
        ['ReplicatedPool.query (routed to replica)', r, 1e6 / r],
      ],
      note: `Median of ${rounds} alternating rounds; per-round ratios ${ratiosByRound.map((x) => x.toFixed(2)).join(', ')}. The routed pool served ${served.replicas.r1?.reads ?? 0} reads from the replica and ${served.primary} from the primary.`,
    });
    charts.push({
      id: 'routed-vs-direct',
      title: 'Queries/s: routed vs direct pool call (replica, loopback)',
      kind: 'bar',
      xLabel: 'client',
      yLabel: 'queries/s',
      data: [
        { series: 'queries/s', x: 'pg.Pool.query (direct)', y: d },
        { series: 'queries/s', x: 'ReplicatedPool.query', y: r },
      ],
    });
    ratios.push(
      {
        name: 'routed query throughput vs direct pg.Pool.query (same replica)',
        ours: 'ReplicatedPool.query',
        peer: 'pg.Pool.query',
        value: median(ratiosByRound),
        target: { op: '>=', value: 0.9 },
        headline: true,
      },
      {
        name: 'routing decision cost / direct pool call cost (per query)',
        ours: 'classifySql + forRead',
        peer: 'pg.Pool.query',
        value: nsPerOp('classifySql + forRead') / (1e9 / d),
        target: { op: '<=', value: 0.05 },
      },
      {
        name: 'routing decision cost with remembered texts / direct pool call cost (per query)',
        ours: 'SqlClassifier + forRead',
        peer: 'pg.Pool.query',
        value: nsPerOp('SqlClassifier + forRead (what the pg pool does)') / (1e9 / d),
        target: { op: '<=', value: 0.05 },
      },
      {
        name: 'whole adapter overhead per read / direct pool call cost',
        ours: 'ReplicatedPool.query − instant pool.query',
        peer: 'pg.Pool.query',
        value: adapterNs / (1e9 / d),
        target: { op: '<=', value: 0.05 },
      },
    );
  } else {
    notes.push(
      typeof pair === 'string' ? pair : `No streaming replica answered at ${pair.replica}: the routed-vs-direct comparison was skipped.`,
    );
    if (typeof pair !== 'string') await pair.stop();
  }
  if (sink === 0.5) console.log(sink);
  return { area: 'replica-router', title: 'replica-router: routing overhead per query', tables, ratios, charts, notes };
}
