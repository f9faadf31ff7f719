/**
 * The fleet demo's driver: starts the private engines and every process, runs the load with its faults on
 * a timeline, keeps the ledgers (orders accepted, product versions written per session), scrapes every
 * process's `/stats`, and ends with the summary and the HTML report. Everything it started is torn down
 * at the end, on an error and on Ctrl-C.
 */
import { fork } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Agent, request } from 'undici';
import type { LoadDone, LoadProgress, LoadWorkerInput } from '../load-mix.js';
import { runReportPath } from '../report-path.js';
import { killUpstream, slowUpstream, startUpstreams, stopUpstreams, type UpstreamProcess } from '../upstreams.js';
import { sleep } from './common.js';
import { type Engines, freePort, isAlive, type Ledger, type PostgresPair, startEngines } from './engines.js';
import { bundleEntryPoints, type FleetProcess, killProcess, restartProcess, startProcess, stopAll } from './processes.js';
import { writeFleetReport } from './report.js';
import { cdnCounts, dbReads, dispatcherEndpoints, jobCounts, limiterCounts, num, tierCounts } from './stats.js';
import { type FleetSummary, type FleetTimelinePoint, formatFleetSummary } from './summary.js';

export interface FleetOptions {
  durationSeconds: number;
  connections: number;
  rate: number;
  serve: boolean;
  port?: number | undefined;
  report?: string | undefined;
  json?: string | undefined;
  pg: boolean;
  redis: boolean;
}

const WEBS = 3;
const WORKERS = 2;
const UPSTREAMS = 4;
const BUCKET_MS = 500;
const PRODUCTS = 2_000;
const tty = process.stdout.isTTY === true;

/** Runs the fleet demo; resolves `'fallback'` (after printing why) when an engine is missing. */
export async function runFleet(o: FleetOptions): Promise<'done' | { fallback: string[] }> {
  const t0 = performance.now();
  const ledger: Ledger = { pids: [], dirs: [] };
  // The reaper tears everything down should this process die before its own teardown ran.
  const reaper = fork(new URL('./reaper.mjs', import.meta.url), [], {
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    execArgv: [],
  });
  if (reaper.pid !== undefined) ledger.pids.push(reaper.pid);
  const informReaper = (): void => {
    if (reaper.connected)
      reaper.send({ type: 'ledger', ledger: { pids: ledger.pids.filter((p) => p !== reaper.pid), dirs: ledger.dirs, pg: ledger.pg } });
  };
  const reaperTimer = setInterval(informReaper, 200);
  reaperTimer.unref();
  const reaperExited = new Promise((r) => reaper.once('exit', r));
  const processes: FleetProcess[] = [];
  let upstreams: UpstreamProcess[] = [];
  let engines: Engines | undefined;
  let tornDown = false;
  const teardownSync = (): void => {
    if (tornDown) return;
    tornDown = true;
    for (const p of processes) if (p.alive) p.child.kill('SIGKILL');
    for (const u of upstreams) if (u.alive) u.child.kill('SIGKILL');
    engines?.teardown();
    for (const d of ledger.dirs) rmSync(d, { recursive: true, force: true });
    clearInterval(reaperTimer);
    // Told it is done, the reaper exits without touching anything (after a hard exit it reaps, idempotently).
    if (reaper.connected) reaper.send({ type: 'done' }, () => reaper.connected && reaper.disconnect());
  };
  process.once('exit', teardownSync);
  // `on`, not `once`: Ctrl-C reaches this process twice (from the terminal and relayed by tsx), and a
  // signal without a listener would end the process before the teardown ran.
  const onSignal = (): void => {
    if (tornDown) return;
    console.log('\ninterrupted: tearing the fleet down');
    teardownSync();
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    console.log('scaling fleet demo — starting private engines');
    const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
    // The upstream services need no engine: they start meanwhile.
    const upstreamsStarting = startUpstreams(UPSTREAMS).then((u) => {
      upstreams = u;
      for (const x of u) if (x.child.pid) ledger.pids.push(x.child.pid);
      return u;
    });
    upstreamsStarting.catch(() => {});
    const [started, bundleDir] = await Promise.all([
      startEngines(ledger, (l) => console.log(`  ${l}`), { pg: o.pg, redis: o.redis }),
      bundleEntryPoints(repoRoot),
    ]);
    engines = started;
    if (bundleDir) ledger.dirs.push(bundleDir);
    informReaper();
    if ('skipped' in engines.pg || 'skipped' in engines.redis) {
      const lines = engines.describe();
      await upstreamsStarting.catch(() => {});
      teardownSync();
      await reaperExited;
      return { fallback: lines };
    }
    const pgPair = engines.pg;
    const redisPort = engines.redis.port;
    const tEngines = performance.now();
    // ── the processes (started together: each one's start-up is mostly loading its modules) ────────────
    await Promise.all([createSchema(pgPair), upstreamsStarting]);
    const webPorts = await Promise.all(Array.from({ length: WEBS }, () => freePort()));
    const edgePort = o.port ?? (o.serve ? 8080 : await freePort());
    const common = { REDIS_PORT: String(redisPort), PG_PRIMARY: pgPair.primaryUrl, PG_REPLICA: pgPair.replicaUrl };
    const [webs, workers, edge] = await Promise.all([
      Promise.all(
        webPorts.map((port, i) =>
          startProcess(ledger, `web-${i + 1}`, './web.ts', {
            ...common,
            WEB_ID: `web-${i + 1}`,
            PORT: String(port),
            UPSTREAMS: upstreams.map((u) => u.url).join(','),
          }),
        ),
      ),
      Promise.all(
        Array.from({ length: WORKERS }, (_, i) =>
          startProcess(ledger, `worker-${i + 1}`, './worker.ts', { ...common, WORKER_ID: `worker-${i + 1}` }),
        ),
      ),
      startProcess(ledger, 'edge', './edge.ts', {
        REDIS_PORT: String(redisPort),
        PORT: String(edgePort),
        WEBS: webPorts.map((port, i) => `web-${i + 1}=http://127.0.0.1:${port}`).join(','),
      }),
    ]);
    processes.push(...webs, ...workers, edge);
    const edgeUrl = `http://127.0.0.1:${edge.port}`;
    const tStarted = performance.now();
    console.log(
      `  edge ${edgeUrl} → ${webs.map((w) => `${w.name} :${w.port}`).join(', ')}; workers ${workers.map((w) => `${w.name} (pid ${w.pid})`).join(', ')}`,
    );
    console.log(`  upstream services ${upstreams.map((u) => `${u.id} :${u.port}`).join(', ')}`);
    console.log(
      `  up in ${((tStarted - t0) / 1000).toFixed(1)} s (engines ${((tEngines - t0) / 1000).toFixed(1)} s; processes ready after ${[...webs, ...workers, edge].map((p) => `${p.name} ${(p.startMs / 1000).toFixed(1)} s`).join(', ')})`,
    );

    if (o.serve) {
      serveInfo(edgeUrl, webs, workers, upstreams, pgPair, redisPort);
      await new Promise<never>(() => {}); // until Ctrl-C (the signal handler tears down)
    }

    const result = await loadRun(o, { edge, edgeUrl, webs, workers, upstreams, ledger, pgPair, redisPort, engines });
    result.timings.startupSeconds = round1((tStarted - t0) / 1000);

    // ── teardown ────────────────────────────────────────────────────────────────────────────────────
    const tTeardown = performance.now();
    await stopAll(processes);
    stopUpstreams(upstreams);
    await Promise.all(upstreams.map((u) => (u.alive ? new Promise((r) => u.child.once('exit', r)) : undefined)));
    teardownSync();
    await reaperExited;
    result.timings.teardownSeconds = round1((performance.now() - tTeardown) / 1000);
    result.timings.totalSeconds = round1((performance.now() - t0) / 1000);
    result.leftovers = {
      pids: ledger.pids.filter(isAlive),
      dirs: ledger.dirs.filter((d) => existsSync(d)),
    };
    result.ledger = { pids: [...ledger.pids], dirs: [...ledger.dirs] };
    result.checks.push({
      name: 'nothing left behind (processes by pid, temp directories)',
      ok: result.leftovers.pids.length === 0 && result.leftovers.dirs.length === 0,
    });

    console.log(formatFleetSummary(result));
    const reportPath = resolve(o.report ?? runReportPath('fleet'));
    await writeFleetReport(reportPath, result);
    console.log(`\nHTML report: ${reportPath}`);
    if (o.json) {
      writeFileSync(resolve(o.json), `${JSON.stringify(result, null, 2)}\n`);
      console.log(`JSON summary: ${resolve(o.json)}`);
    }
    if (!result.checks.every((c) => c.ok)) process.exitCode = 1;
    return 'done';
  } catch (error) {
    teardownSync();
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

async function createSchema(p: PostgresPair): Promise<void> {
  const client = new pg.Client({ connectionString: p.primaryUrl });
  await client.connect();
  await client.query(`
    CREATE TABLE products (id integer PRIMARY KEY, name text NOT NULL, price_cents integer NOT NULL, version integer NOT NULL DEFAULT 1);
    INSERT INTO products SELECT g, 'Product ' || g, 100 + (g * 7919) % 9900, 1 FROM generate_series(1, ${PRODUCTS}) AS g;
    CREATE TABLE orders (idempotency_key text PRIMARY KEY, sku integer NOT NULL, qty integer NOT NULL, worker text NOT NULL, stored_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE order_deliveries (idempotency_key text NOT NULL, worker text NOT NULL, attempt integer NOT NULL, at timestamptz NOT NULL DEFAULT now());
  `);
  await client.end();
}

function serveInfo(
  edgeUrl: string,
  webs: FleetProcess[],
  workers: FleetProcess[],
  upstreams: UpstreamProcess[],
  p: PostgresPair,
  redisPort: number,
): void {
  const w = webs.map((x) => `http://127.0.0.1:${x.port}`);
  console.log(`
The fleet is running. Try:
  curl -i ${edgeUrl}/products/42                      # x-cache: MISS, then HIT (edge); x-tier: load / l2 / l1 (shared cache)
  curl -i -X PUT ${edgeUrl}/products/42 -d '{"priceCents":999}'   # a write; answers version and x-session-lsn
  curl -i -X POST ${edgeUrl}/orders -H 'idempotency-key: demo-1' -d '{"sku":1}'   # 202: a job on BullMQ
  curl ${edgeUrl}/work ; curl ${edgeUrl}/users/7/cart  # through a web instance to the upstream services
  curl ${edgeUrl}/metrics                             # Prometheus: the edge
  ${w.map((u, i) => `curl ${u}/metrics   # ${webs[i]!.name}`).join('\n  ')}
  ${workers.map((x) => `curl http://127.0.0.1:${x.port}/metrics   # ${x.name}`).join('\n  ')}
  curl ${w[0]}/readyz                                 # application/health+json
  psql '${p.primaryUrl}' -c 'SELECT count(*) FROM orders'     # replica: ${p.replicaUrl}
  redis-cli -p ${redisPort} info clients
Upstream services: ${upstreams.map((u) => u.url).join(', ')}
Ctrl-C stops everything and deletes the temporary directory.`);
}

interface RunContext {
  edge: FleetProcess;
  edgeUrl: string;
  webs: FleetProcess[];
  workers: FleetProcess[];
  upstreams: UpstreamProcess[];
  ledger: Ledger;
  pgPair: PostgresPair;
  redisPort: number;
  engines: Engines;
}

type Json = Record<string, unknown>;

async function getJson(url: string, timeoutMs = 800): Promise<Json | undefined> {
  try {
    const r = await request(url, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs, dispatcher: scrapeAgent });
    if (r.statusCode !== 200) {
      await r.body.dump();
      return undefined;
    }
    return (await r.body.json()) as Json;
  } catch {
    return undefined;
  }
}
const scrapeAgent = new Agent({ connections: 16 });
const clientAgent = new Agent({ connections: 32, keepAliveTimeout: 5_000 });

interface Fault {
  at: number;
  label: string;
  injected: boolean;
  observed: boolean;
  detail: string;
}

async function loadRun(o: FleetOptions, ctx: RunContext): Promise<FleetSummary> {
  const { edgeUrl, webs, workers, upstreams, ledger } = ctx;
  const D = o.durationSeconds;
  const db = new pg.Pool({ connectionString: ctx.pgPair.primaryUrl, max: 2 });
  db.on('error', () => {});
  const admin = new Redis({ host: '127.0.0.1', port: ctx.redisPort, maxRetriesPerRequest: 1, connectionName: 'demo-driver' });

  // ── stats: the last snapshot of every process incarnation (a killed one keeps its last) ──────────
  const snaps = new Map<string, Json>();
  let edgeSnap: Json | undefined;
  const lbEvents: { t: number; label: string }[] = [];
  /** How many of the edge's rotation changes (it sends them all on every scrape) were read. */
  let lbEventsSeen = 0;
  const events: { t: number; label: string }[] = [];
  let startedAt = performance.now();
  let loadStarted = false;
  const elapsed = (): number => (performance.now() - startedAt) / 1000;
  const event = (label: string): void => {
    events.push({ t: round1(elapsed()), label });
  };
  let replicaIneligibleSeen = false;
  let pausing = false;
  async function scrape(): Promise<void> {
    const all = [...webs, ...workers];
    await Promise.all([
      ...all.map(async (p) => {
        if (!p.alive) return;
        const s = await getJson(`http://127.0.0.1:${p.port}/stats`);
        if (!s) return;
        snaps.set(`${p.name}#${p.pid}`, s);
        if (pausing && Array.isArray(s.replicas) && s.replicas.some((r: Json) => r.eligible === false)) replicaIneligibleSeen = true;
      }),
      (async () => {
        const s = await getJson(`${edgeUrl}/stats`);
        if (!s) return;
        edgeSnap = s;
        const all = (s.lbEvents as { t: number; label: string }[]) ?? [];
        const fresh = all.slice(lbEventsSeen);
        lbEventsSeen = all.length;
        for (const e of fresh) {
          const t = round1((e.t - (Date.now() - (performance.now() - startedAt))) / 1000);
          if (!loadStarted) continue; // start-up: instances joining the rotation
          lbEvents.push({ t, label: e.label });
          events.push({ t, label: `edge: ${e.label}` });
        }
      })(),
    ]);
  }
  const totals = () => {
    let l1 = 0;
    let l2 = 0;
    let loads = 0;
    let primary = 0;
    let replica = 0;
    let busReconnects = 0;
    let breakerEvents = 0;
    let enqueued = 0;
    let enqDuplicates = 0;
    let stored = 0;
    let absorbed = 0;
    let upstreamEjections = 0;
    const perUpstream: Record<string, number> = {};
    const upstreamFailures: Record<string, number> = {};
    for (const [key, s] of snaps) {
      if (key.startsWith('web-')) {
        const t = tierCounts(s.tier);
        l1 += t.l1;
        l2 += t.l2;
        loads += t.misses;
        busReconnects += t.busReconnects;
        const r = dbReads(s.db);
        primary += r.primary;
        replica += r.replicas;
        breakerEvents += num(s.web, 'breakerEvents');
        const j = jobCounts(s.jobs);
        enqueued += j.enqueued;
        enqDuplicates += j.duplicates;
        for (const [id, e] of Object.entries(dispatcherEndpoints(s.upstreams))) {
          perUpstream[id] = (perUpstream[id] ?? 0) + e.requests;
          upstreamFailures[id] = (upstreamFailures[id] ?? 0) + e.failures;
          upstreamEjections += e.ejections;
        }
      } else {
        stored += num(s.worker, 'stored');
        absorbed += num(s.worker, 'duplicatesAbsorbed');
      }
    }
    const lb = dispatcherEndpoints(edgeSnap?.lb);
    const edge = (edgeSnap?.edge ?? {}) as Json;
    const cdn = cdnCounts(edgeSnap?.cdn);
    return {
      l1,
      l2,
      loads,
      primary,
      replica,
      busReconnects,
      breakerEvents,
      enqueued,
      enqDuplicates,
      stored,
      absorbed,
      perUpstream,
      upstreamFailures,
      upstreamEjections,
      perWeb: Object.fromEntries(Object.entries(lb).map(([k, v]) => [k, v.requests])),
      webEjections: Object.values(lb).reduce((a, e) => a + e.ejections, 0),
      lbRetries: Object.values(lb).reduce((a, e) => a + e.retries, 0),
      edgeRequests: num(edge, 'requests'),
      originRequests: cdn.originRequests,
      rateLimited: num(edge, 'rateLimited'),
      hits: cdn.hits,
      misses: cdn.misses,
      pass: cdn.passes,
      ordersStored: 0,
    };
  };

  // ── the clients with ledgers ─────────────────────────────────────────────────────────────────────
  const client = { requests: 0, errors: 0, rateLimited: 0 };
  const errorSamples: string[] = [];
  const noteError = (what: string): void => {
    client.errors++;
    if (errorSamples.length < 10) errorSamples.push(`${elapsed().toFixed(1)} s ${what}`);
  };
  let running = true;

  // Orders: each with its own idempotency key, retried with the same key until accepted.
  const accepted = new Set<string>();
  let orderRetries = 0;
  let orderSeq = 0;
  /** Posts one order, retrying with the same key until it is accepted (or the run ends). */
  async function postOrder(key: string, who: string): Promise<void> {
    for (let attempt = 0; attempt < 20 && running; attempt++) {
      if (attempt > 0) orderRetries++;
      client.requests++;
      try {
        const r = await request(`${edgeUrl}/orders`, {
          method: 'POST',
          dispatcher: clientAgent,
          headers: { 'content-type': 'application/json', 'idempotency-key': key, 'x-client-id': who },
          body: JSON.stringify({ sku: 1 + (orderSeq % 500), qty: 1 + (orderSeq % 3) }),
          headersTimeout: 20_000,
        });
        await r.body.dump();
        if (r.statusCode === 202) {
          accepted.add(key);
          return;
        }
        if (r.statusCode === 429) client.rateLimited++;
        else noteError(`POST /orders → ${r.statusCode}`);
      } catch (error) {
        noteError(`POST /orders: ${String(error)}`);
      }
      await sleep(100);
    }
  }
  async function orderClient(k: number): Promise<void> {
    while (running) {
      await postOrder(`order-${k}-${orderSeq++}`, `orders-${k}`);
      await sleep(90);
    }
  }

  // Sessions: write a product, then read it back through the same session token; the ledger checks versions.
  let writes = 0;
  let sessionReads = 0;
  let staleReads = 0;
  const staleSamples: string[] = [];
  async function sessionClient(k: number): Promise<void> {
    const written = new Map<number, number>();
    let lsn = '0';
    const ids = Array.from({ length: 8 }, (_, i) => 1 + ((k * 8 + i) % 40));
    const headers = (extra: Record<string, string> = {}) => ({ 'x-client-id': `session-${k}`, 'x-session-lsn': lsn, ...extra });
    while (running) {
      const id = ids[Math.floor(Math.random() * ids.length)]!;
      try {
        client.requests++;
        const w = await request(`${edgeUrl}/products/${id}`, {
          method: 'PUT',
          dispatcher: clientAgent,
          headers: headers({ 'content-type': 'application/json' }),
          body: JSON.stringify({ priceCents: 100 + Math.floor(Math.random() * 9_900) }),
          headersTimeout: 20_000,
        });
        const body = (await w.body.json()) as { version?: number; reason?: string; error?: string };
        if (w.statusCode === 200 && typeof body.version === 'number') {
          writes++;
          written.set(id, Math.max(written.get(id) ?? 0, body.version));
          const l = w.headers['x-session-lsn'];
          if (typeof l === 'string') lsn = l;
        } else if (w.statusCode === 429) client.rateLimited++;
        else noteError(`PUT /products/${id} → ${w.statusCode} ${body.reason ?? body.error ?? ''}`);
        for (const readId of [id, ids[Math.floor(Math.random() * ids.length)]!]) {
          client.requests++;
          const r = await request(`${edgeUrl}/products/${readId}`, {
            dispatcher: clientAgent,
            headers: headers({ 'cache-control': 'no-cache' }),
            headersTimeout: 20_000,
          });
          const p = (await r.body.json()) as { version?: number };
          if (r.statusCode === 429) {
            client.rateLimited++;
            continue;
          }
          if (r.statusCode !== 200 || typeof p.version !== 'number') {
            noteError(`GET /products/${readId} (session) → ${r.statusCode}`);
            continue;
          }
          sessionReads++;
          const mine = written.get(readId) ?? 0;
          if (p.version < mine) {
            staleReads++;
            if (staleSamples.length < 5) staleSamples.push(`product ${readId}: read version ${p.version} after writing ${mine}`);
          }
        }
      } catch (error) {
        noteError(`session ${k}: ${String(error)}`);
      }
      await sleep(60);
    }
  }

  // A greedy client: bursts of 120 requests at once on one client id, over its per-client limit (a burst of
  // 20): the edge answers the excess 429 whatever the machine's speed.
  let greedyRefused = 0;
  async function greedyClient(): Promise<void> {
    while (running) {
      await Promise.all(
        Array.from({ length: 120 }, async () => {
          client.requests++;
          try {
            const r = await request(`${edgeUrl}/products/1`, { dispatcher: clientAgent, headers: { 'x-client-id': 'greedy' } });
            await r.body.dump();
            if (r.statusCode === 429) {
              client.rateLimited++;
              greedyRefused++;
            } else if (r.statusCode >= 500) noteError(`greedy GET → ${r.statusCode}`);
          } catch (error) {
            noteError(`greedy: ${String(error)}`);
          }
        }),
      );
      await sleep(1_000);
    }
  }

  // ── the load worker (autocannon) ───────────────────────────────────────────────────────────────────
  const input: LoadWorkerInput = {
    url: edgeUrl,
    connections: o.connections,
    durationSeconds: D,
    rate: o.rate,
    mix: 'fleet',
    timeoutSeconds: 20,
  };
  const worker = new Worker(new URL('../load-worker.mjs', import.meta.url), { workerData: input });
  let progress: LoadProgress = { type: 'progress', responses: 0, byStatus: {}, errors: 0, timeouts: 0 };
  let onStarted: () => void = () => {};
  const started = new Promise<void>((r) => {
    onStarted = r;
  });
  const done = new Promise<LoadDone>((resolveDone, reject) => {
    worker.on('message', (m: LoadProgress | LoadDone | { type: 'started' }) => {
      if (m.type === 'progress') progress = m;
      else if (m.type === 'started') onStarted();
      else resolveDone(m);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`load worker exited (code ${code}) before it finished`)));
  });
  await Promise.race([started, done]);
  await scrape(); // drains the start-up's rotation events
  startedAt = performance.now();
  loadStarted = true;
  console.log(
    `\nLoad run: ${D} s through the edge, ${o.connections} connections${o.rate > 0 ? ` at ${o.rate} req/s` : ''}, plus order, session and greedy clients.\n`,
  );
  const clients = [orderClient(1), orderClient(2), sessionClient(1), sessionClient(2), sessionClient(3), sessionClient(4), greedyClient()];

  // ── faults on the timeline ────────────────────────────────────────────────────────────────────────
  const faults: Fault[] = [];
  const fault = (at: number, label: string, run: (f: Fault) => Promise<void>): Promise<void> => {
    const f: Fault = { at: round1(at * D), label, injected: false, observed: false, detail: '' };
    faults.push(f);
    return (async () => {
      await sleep(f.at * 1000);
      if (!running) return;
      try {
        await run(f);
      } catch (error) {
        f.detail = `failed: ${String(error)}`;
      }
    })();
  };
  const [victim, laggard] = [upstreams[2]!, upstreams[1]!];
  const [killedWeb, restartedWeb] = [webs[0]!, webs[1]!];
  const killedWorker = workers[0]!;
  let redisKilled = 0;
  let busReconnectsBefore = 0;
  let workerRunningAtKill = 0;
  let keysAtKill: string[] = [];
  let restartExit: { code: number | null; signal: string | null } | undefined;
  const faultRuns = [
    fault(0.12, `upstream ${victim.id} killed (SIGKILL)`, async (f) => {
      killUpstream(victim);
      f.injected = true;
      event(f.label);
    }),
    fault(0.18, `upstream ${laggard.id} made 10× slower`, async (f) => {
      await slowUpstream(laggard, 10);
      f.injected = true;
      f.observed = true;
      f.detail = 'its control endpoint confirmed the slow-down';
      event(f.label);
    }),
    fault(0.25, `${killedWeb.name} killed (SIGKILL)`, async (f) => {
      killProcess(killedWeb);
      f.injected = true;
      event(f.label);
    }),
    fault(0.35, `${killedWorker.name} killed mid-job (SIGKILL), restarted 1 s later`, async (f) => {
      // A burst of orders, so that the worker is surely in the middle of one.
      const burst = Array.from({ length: 8 }, (_, i) => postOrder(`order-burst-${i}`, `orders-burst-${i}`));
      const deadline = performance.now() + 5_000;
      for (;;) {
        const s = await getJson(`http://127.0.0.1:${killedWorker.port}/stats`, 300);
        workerRunningAtKill = num(s?.worker, 'running');
        keysAtKill = Array.isArray(s?.runningKeys) ? (s.runningKeys as string[]) : [];
        if (keysAtKill.length > 0 || performance.now() > deadline) break;
        await sleep(20);
      }
      killProcess(killedWorker);
      f.injected = true;
      void Promise.all(burst);
      event(`${killedWorker.name} killed (SIGKILL) with ${workerRunningAtKill} job(s) running`);
      await killedWorker.exited;
      await sleep(1_000);
      await restartProcess(ledger, killedWorker);
      event(`${killedWorker.name} started again`);
    }),
    fault(0.58, 'replica replay paused (pg_wal_replay_pause), resumed after 15 % of the run (at least 3 s)', async (f) => {
      const replica = new pg.Client({ connectionString: ctx.pgPair.replicaUrl });
      await replica.connect();
      try {
        await replica.query('SELECT pg_wal_replay_pause()');
        pausing = true;
        f.injected = true;
        event('replica replay paused');
        // Watch the web instances' view of the replica while it is paused (the sampler may be slow on a busy machine).
        const until = performance.now() + Math.max(3_000, 0.15 * D * 1000);
        while (performance.now() < until && !replicaIneligibleSeen) {
          await Promise.all(
            webs.map(async (w) => {
              if (!w.alive) return;
              const st = await getJson(`http://127.0.0.1:${w.port}/stats`, 1_000);
              if (Array.isArray(st?.replicas) && st.replicas.some((r: Json) => r.eligible === false)) replicaIneligibleSeen = true;
            }),
          );
          await sleep(200);
        }
        await sleep(until - performance.now());
        await replica.query('SELECT pg_wal_replay_resume()');
        pausing = false;
        event('replica replay resumed');
      } finally {
        await replica.end();
      }
    }),
    fault(0.42, `${restartedWeb.name} rolling restart (SIGTERM → drain → start)`, async (f) => {
      restartedWeb.child.kill('SIGTERM');
      f.injected = true;
      event(`${restartedWeb.name} SIGTERM (graceful shutdown)`);
      restartExit = await restartedWeb.exited;
      event(`${restartedWeb.name} exited (code ${restartExit.code}), starting again`);
      await restartProcess(ledger, restartedWeb);
      event(`${restartedWeb.name} started again`);
    }),
    fault(0.72, 'Redis client connections killed (CLIENT KILL TYPE normal / pubsub)', async (f) => {
      busReconnectsBefore = totals().busReconnects;
      const normal = Number(await admin.call('CLIENT', 'KILL', 'TYPE', 'normal'));
      const pubsub = Number(await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub'));
      redisKilled = normal + pubsub;
      f.injected = redisKilled > 0;
      event(`Redis: ${normal} normal + ${pubsub} pub/sub connections killed`);
    }),
  ];

  // ── the timeline ──────────────────────────────────────────────────────────────────────────────────
  const timeline: FleetTimelinePoint[] = [];
  let prev = totals();
  let prevProgress = { ok: 0, errors: 0 };
  let prevT = 0;
  let lastPrinted = 0;
  let sampling: Promise<void> = Promise.resolve();
  const sampler = setInterval(() => {
    sampling = sampling.then(async () => {
      await scrape();
      const now = totals();
      let ordersStored = 0;
      try {
        ordersStored = Number((await db.query('SELECT count(*) AS n FROM orders')).rows[0].n);
      } catch {
        // the point keeps 0
      }
      const t = round1(elapsed());
      // Rates over the time since the previous sample (a busy machine stretches the interval).
      const perS = 1 / Math.max(0.1, elapsed() - prevT);
      prevT = elapsed();
      const d = (a: number, b: number): number => Math.max(0, a - b) * perS;
      const w = (edgeSnap?.window ?? {}) as Json;
      let ok = 0;
      for (const [code, n] of Object.entries(progress.byStatus)) if (Number(code) < 400) ok += n;
      const errs = progress.errors + Object.entries(progress.byStatus).reduce((a, [c, n]) => (Number(c) >= 500 ? a + n : a), 0);
      timeline.push({
        t,
        edgeRps: d(now.edgeRequests, prev.edgeRequests),
        cdnHits: d(now.hits, prev.hits),
        cdnMisses: d(now.misses + now.pass, prev.misses + prev.pass),
        rateLimited: d(now.rateLimited, prev.rateLimited),
        p50: num(w, 'p50'),
        p99: num(w, 'p99'),
        perWeb: Object.fromEntries(Object.entries(now.perWeb).map(([k, v]) => [k, d(v, prev.perWeb[k] ?? 0)])),
        l1: d(now.l1, prev.l1),
        l2: d(now.l2, prev.l2),
        loads: d(now.loads, prev.loads),
        primaryReads: d(now.primary, prev.primary),
        replicaReads: d(now.replica, prev.replica),
        ordersAccepted: accepted.size,
        ordersStored,
        perUpstream: Object.fromEntries(Object.entries(now.perUpstream).map(([k, v]) => [k, d(v, prev.perUpstream[k] ?? 0)])),
        clientErrors: Math.max(0, errs - prevProgress.errors),
      });
      prevProgress = { ok, errors: errs };
      prev = now;
      const line = `${t.toFixed(1).padStart(5)} s · edge ${Math.round(timeline.at(-1)!.edgeRps)} req/s · p99 ${num(w, 'p99').toFixed(0)} ms · CDN hits ${Math.round(timeline.at(-1)!.cdnHits)}/s · ${client.errors + errs} errors · ${now.rateLimited} × 429 · orders ${accepted.size} accepted / ${ordersStored} stored · stale ${staleReads}`;
      if (tty) process.stdout.write(`\r\x1b[K${line}`);
      else if (t - lastPrinted >= 5) {
        lastPrinted = t;
        console.log(line);
      }
    });
  }, BUCKET_MS);

  const loadResult = await done;
  running = false;
  await worker.terminate();
  await Promise.all([...clients, ...faultRuns]);
  // Every process serves Prometheus text on /metrics: count the scaling_* series of each.
  const metricsSeries: Record<string, number> = {};
  await Promise.all(
    [ctx.edge, ...webs, ...workers].map(async (p) => {
      if (!p.alive) return;
      try {
        const r = await request(`http://127.0.0.1:${p.port}/metrics`, { dispatcher: scrapeAgent, headersTimeout: 3_000 });
        const text = await r.body.text();
        metricsSeries[p.name] = text.split('\n').filter((l) => l.startsWith('scaling_')).length;
      } catch {
        metricsSeries[p.name] = 0;
      }
    }),
  );
  if (tty) process.stdout.write('\r\x1b[K');
  event('load stopped');

  // ── let the accepted orders finish, then check the ledgers against the database ───────────────────
  const drainStart = performance.now();
  let stored = new Set<string>();
  for (;;) {
    const { rows } = await db.query<{ idempotency_key: string }>('SELECT idempotency_key FROM orders');
    stored = new Set(rows.map((r) => r.idempotency_key));
    let missing = 0;
    for (const k of accepted) if (!stored.has(k)) missing++;
    if (missing === 0 || performance.now() - drainStart > 15_000) break;
    await sleep(250);
  }
  const drainSeconds = round1((performance.now() - drainStart) / 1000);
  // The restarted instance back in the edge's rotation (its start-up may end after the load).
  for (let i = 0; i < 20 && !lbEvents.some((e) => e.label === `${restartedWeb.name} back in rotation`); i++) {
    await sleep(250);
    await scrape();
  }
  clearInterval(sampler);
  await sampling;
  await scrape();

  // The shared cache after the faults: once the replica has caught up, every product the sessions wrote,
  // read anonymously through each live web instance (its tiered cache), must be the primary's version.
  const sweep = { reads: 0, stale: 0, samples: [] as string[] };
  {
    const replica = new pg.Client({ connectionString: ctx.pgPair.replicaUrl });
    await replica.connect();
    const { rows: lsn } = await db.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
    for (let i = 0; i < 50; i++) {
      const { rows } = await replica.query<{ ok: boolean }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [lsn[0]!.lsn]);
      if (rows[0]?.ok) break;
      await sleep(100);
    }
    await replica.end();
    const { rows: truth } = await db.query<{ id: number; version: number }>('SELECT id, version FROM products WHERE version > 1');
    for (const w of webs) {
      if (!w.alive) continue;
      for (const p of truth) {
        const r = await getJson(`http://127.0.0.1:${w.port}/products/${p.id}`, 3_000);
        sweep.reads++;
        if (typeof r?.version !== 'number' || r.version !== p.version) {
          sweep.stale++;
          if (sweep.samples.length < 5)
            sweep.samples.push(`${w.name} product ${p.id}: cache answered version ${String(r?.version)}, primary has ${p.version}`);
        }
      }
    }
  }
  const lost = [...accepted].filter((k) => !stored.has(k));
  const { rows: delivery } = await db.query<{ deliveries: string; keys: string; redelivered: string }>(
    `SELECT count(*) AS deliveries, count(DISTINCT idempotency_key) AS keys,
            (SELECT count(DISTINCT idempotency_key) FROM order_deliveries WHERE attempt > 1) AS redelivered
       FROM order_deliveries`,
  );
  const deliveries = Number(delivery[0]!.deliveries);
  const redelivered = Number(delivery[0]!.redelivered);
  // The jobs the killed worker was running: each delivered again (a later attempt) and stored once.
  const { rows: killedWorkerRows } = await db.query<{ n: string }>(
    `SELECT count(DISTINCT d.idempotency_key) AS n FROM order_deliveries d
      WHERE d.idempotency_key = ANY($1) AND d.attempt > 1
        AND EXISTS (SELECT 1 FROM orders o WHERE o.idempotency_key = d.idempotency_key)`,
    [keysAtKill],
  );
  const redeliveredFromKilled = Number(killedWorkerRows[0]!.n);
  await db.end();
  admin.disconnect();

  const end = totals();
  const edge = (edgeSnap?.edge ?? {}) as Json;
  const rd = (edge.requestDuration ?? {}) as Json;
  const limiter = limiterCounts(edgeSnap?.limiter);
  const byStatus = progress.byStatus;
  const loadErrors = progress.errors + Object.entries(byStatus).reduce((a, [c, n]) => (Number(c) >= 500 ? a + n : a), 0);
  const loadRequests = progress.responses + progress.errors;
  const totalRequests = loadRequests + client.requests;
  const totalErrors = loadErrors + client.errors;
  const webEvents = lbEvents.map((e) => e.label);

  // ── what each fault did ───────────────────────────────────────────────────────────────────────────
  const fv = faults;
  fv[0]!.observed = (end.upstreamFailures[victim.id] ?? 0) > 0;
  fv[0]!.detail = `web instances saw ${end.upstreamFailures[victim.id] ?? 0} failed attempts on ${victim.id} (retried elsewhere), ${end.upstreamEjections} outlier ejection(s) of upstreams`;
  fv[2]!.observed = webEvents.includes(`${killedWeb.name} out of rotation`);
  fv[2]!.detail = fv[2]!.observed ? `the edge took ${killedWeb.name} out of rotation (its /readyz failed)` : 'the edge never noticed';
  fv[3]!.observed = redeliveredFromKilled > 0;
  fv[3]!.detail = `${keysAtKill.length} job(s) running at the kill; ${redeliveredFromKilled} of them seen redelivered (a later attempt) and stored once`;
  fv[4]!.observed = replicaIneligibleSeen;
  fv[4]!.detail = replicaIneligibleSeen
    ? 'web instances saw the replica fall behind and read from the primary'
    : 'no web instance saw the replica lag';
  fv[5]!.observed =
    restartExit?.code === 0 &&
    webEvents.includes(`${restartedWeb.name} out of rotation`) &&
    webEvents.includes(`${restartedWeb.name} back in rotation`);
  fv[5]!.detail = `exit code ${restartExit?.code ?? '?'} after draining; edge: ${webEvents.filter((e) => e.startsWith(restartedWeb.name)).join(', ') || 'no change seen'}`;
  fv[6]!.observed = redisKilled > 0 && end.busReconnects > busReconnectsBefore;
  fv[6]!.detail = `${redisKilled} connections killed; the tiered caches reconnected their buses ${end.busReconnects - busReconnectsBefore} time(s) (L1 flushed each time)`;

  const checks = [
    { name: 'error rate under 1 %', ok: totalRequests > 0 && totalErrors / totalRequests < 0.01 },
    { name: 'every accepted order stored exactly once (0 lost)', ok: lost.length === 0 && accepted.size > 0 },
    { name: '0 stale reads (each session read its own writes)', ok: staleReads === 0 && sessionReads > 0 },
    {
      name: `the shared cache holds no stale entry after the faults (${sweep.reads} reads of the written products through every web instance)`,
      ok: sweep.reads > 0 && sweep.stale === 0,
    },
    {
      name: `every process serves /metrics (${Object.entries(metricsSeries)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')} scaling_* series)`,
      ok: Object.keys(metricsSeries).length > 0 && Object.values(metricsSeries).every((n) => n > 0),
    },
    { name: `the per-client rate limit refused the greedy client (${greedyRefused} × 429)`, ok: greedyRefused > 0 },
    ...faults.map((f) => ({ name: `fault injected and observed: ${f.label}`, ok: f.injected && f.observed })),
  ];

  return {
    durationSeconds: D,
    engines: ctx.engines.describe(),
    edge: {
      requests: end.edgeRequests,
      p50: round1(num(rd, 'p50')),
      p99: round1(num(rd, 'p99')),
      cdnHits: end.hits,
      cdnMisses: end.misses,
      cdnPass: end.pass,
      cdnHitRatio: end.hits + end.misses > 0 ? end.hits / (end.hits + end.misses) : 0,
      originRequests: end.originRequests,
      originOffload: end.edgeRequests > 0 ? 1 - end.originRequests / (end.edgeRequests - end.rateLimited) : 0,
      rateLimited: end.rateLimited,
      limiter,
      perWeb: end.perWeb,
      webEjections: end.webEjections,
      lbRetries: end.lbRetries,
      lbFailures: ((edgeSnap?.lbFailures as string[]) ?? []).slice(0, 10),
      rotationChanges: lbEvents,
    },
    client: {
      requests: totalRequests,
      errors: totalErrors,
      errorRate: totalRequests > 0 ? totalErrors / totalRequests : 0,
      rateLimited: client.rateLimited + (byStatus['429'] ?? 0),
      p50: loadResult.latency.p50,
      p99: loadResult.latency.p99,
      errorSamples,
    },
    cache: {
      l1Hits: end.l1,
      l2Hits: end.l2,
      loads: end.loads,
      l1Ratio: ratio(end.l1, end.l1 + end.l2 + end.loads),
      l2Ratio: ratio(end.l2, end.l1 + end.l2 + end.loads),
      busReconnects: end.busReconnects,
      breakerEvents: end.breakerEvents,
    },
    db: {
      replicaReads: end.replica,
      primaryReads: end.primary,
      writes,
      sessionReads,
      staleReads,
      staleSamples,
      cacheSweep: sweep,
    },
    jobs: {
      accepted: accepted.size,
      stored: [...accepted].filter((k) => stored.has(k)).length,
      lost: lost.length,
      enqueuedDuplicates: end.enqDuplicates,
      clientRetries: orderRetries,
      deliveries,
      redelivered,
      duplicatesAbsorbed: end.absorbed,
      drainSeconds,
    },
    upstreams: { requests: end.perUpstream, failures: end.upstreamFailures, ejections: end.upstreamEjections },
    faults,
    events: events.sort((a, b) => a.t - b.t),
    checks,
    timeline,
    metricsSeries,
    timings: { startupSeconds: 0, loadSeconds: round1(D), drainSeconds, teardownSeconds: 0, totalSeconds: 0 },
    leftovers: { pids: [], dirs: [] },
    ledger: { pids: [], dirs: [] },
  };
}

const ratio = (a: number, b: number): number => (b > 0 ? a / b : 0);
