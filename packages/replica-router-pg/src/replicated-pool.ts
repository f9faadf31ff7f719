import { type Clock, ScalingError, systemClock } from '@scaling/core';
import { assertNonNegativeFinite, assertPositiveFinite, assertPositiveInteger, describeValue } from '@scaling/core/internal';
import type { HealthMonitor } from '@scaling/health';
import {
  type ReadYourWritesMode,
  type ReplicaBalancerFactory,
  type ReplicaEndpoint,
  ReplicaHealth,
  type ReplicaProbeResult,
  ReplicaRouter,
  type ReplicaSession,
  type ReplicaState,
  SqlClassifier,
  transactionEffect,
} from '@scaling/replica-router';
import type { Pool, PoolClient, PoolConfig, QueryConfig, QueryResult, QueryResultRow } from 'pg';
import pg from 'pg';
import { isConnectionError } from './_connection-error.js';
import { isBareTransactionControl } from './_transaction-control.js';
import { formatLsn, parseLsn } from './lsn.js';

/** A `pg` pool, a `pg` pool config, or a connection string. */
export type PoolSource = Pool | PoolConfig | string;

/** A replica: a pool source, or one with an explicit `id` (default `replica-<index>`) and `weight`. */
export type ReplicaSource = PoolSource | { id: string; pool: PoolSource; weight?: number };

/** A replica as the router sees it: its id and its pool. */
export interface PgReplica extends ReplicaEndpoint {
  /** The replica's `pg` pool. */
  readonly pool: Pool;
}

/** Options of {@link createReplicatedPool}. All times in milliseconds. */
export interface ReplicatedPoolOptions {
  /** The primary (a pool, a config or a connection string). Pools created here are ended by `end()`. */
  primary: PoolSource;
  /** The streaming replicas. May be empty. */
  replicas: readonly ReplicaSource[];
  /** Read-your-writes for {@link ReplicatedSession}s: `'position'` (default, WAL LSN), `'time'` or `'off'`. */
  readYourWrites?: ReadYourWritesMode;
  /** A replica whose replay lag exceeds this receives no reads. Default 10,000 ms. */
  maxLagMs?: number;
  /** A replica more than this many bytes of WAL behind the primary receives no reads. Default `Infinity`. */
  maxLagBytes?: number;
  /** `'time'` mode: reads stick to the primary this long after a session's write. Default 2,000 ms. */
  stickinessMs?: number;
  /** `'position'` mode: how long a session's read waits for a replica to replay its last write before using the primary. Default 0. */
  maxWaitMs?: number;
  /** No eligible replica: `'primary'` (default) or `'error'` (`ERR_NO_REPLICA`). */
  fallback?: 'primary' | 'error';
  /** Strategy among eligible replicas, e.g. `(rs) => new PeakEwma({ endpoints: rs })` from `@scaling/load-balancer`. Default: its `RoundRobin`. */
  balancer?: ReplicaBalancerFactory<PgReplica>;
  /** How often each replica's health and lag are checked. Default 1,000 ms. */
  checkIntervalMs?: number;
  /** A sample older than this counts as unknown. Default 3 × `checkIntervalMs` + 1,000 ms. */
  maxSampleAgeMs?: number;
  /** Consecutive passing checks before a replica that was down receives reads again. Default 1. */
  healthyThreshold?: number;
  /** Consecutive failing checks before the replica's check reports unhealthy in the monitor's health report (routing drops it at the first failed check or connection error). Default 1. */
  unhealthyThreshold?: number;
  /** Add the replica checks (`replica:<id>`) to this `@scaling/health` monitor, e.g. the application's, instead of a private one. */
  monitor?: HealthMonitor;
  /** A replica check running longer than this fails. Default 2,000 ms. */
  checkTimeoutMs?: number;
  /** While a read waits for a replica to catch up, re-check positions this often. Default 10 ms. */
  waitPollMs?: number;
  /** Time source. Default `systemClock`. */
  clock?: Clock;
}

/** Routing counters since creation. */
export interface ReplicatedPoolStats {
  /** Statements sent to the primary (writes, transactions, fallback reads). */
  primary: number;
  /** Reads served per replica id. */
  replicas: Record<string, number>;
  /** Reads retried elsewhere after a connection-level error on a replica. */
  retries: number;
}

/** A statement: text, or a `pg` query config. */
export type Statement = string | QueryConfig;

/** The SQL of the read-your-writes token: the primary's WAL insert position, or its replay position when it is itself a standby. */
const TOKEN_SQL =
  'SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_insert_lsn() END)::text AS lsn, pg_is_in_recovery() AS standby';
/** The primary's position that lag in bytes is measured against. */
const PRIMARY_LSN_SQL = 'SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)::text AS lsn';
/** One round trip per replica check: standby?, replayed position, byte lag and time since the last replayed commit. */
const REPLICA_SQL = `SELECT pg_is_in_recovery() AS standby,
  pg_last_wal_replay_lsn()::text AS replay,
  pg_wal_lsn_diff($1::pg_lsn, pg_last_wal_replay_lsn())::float8 AS lag_bytes,
  (extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()) * 1000)::float8 AS since_replay_ms`;

function toPool(source: PoolSource, name: string): { pool: Pool; owned: boolean } {
  if (source instanceof pg.Pool) return { pool: source, owned: false };
  if (typeof source === 'string') return { pool: new pg.Pool({ connectionString: source }), owned: true };
  if (typeof source === 'object' && source !== null) {
    // a pool from another copy of pg
    const maybe = source as { query?: unknown; connect?: unknown };
    if (typeof maybe.query === 'function' && typeof maybe.connect === 'function') return { pool: source as unknown as Pool, owned: false };
    return { pool: new pg.Pool(source as PoolConfig), owned: true };
  }
  throw new TypeError(`Expected \`${name}\` to be a pg Pool, a pool config or a connection string, got ${describeValue(source)}`);
}

function sqlOf(statement: Statement): string {
  if (typeof statement === 'string') return statement;
  if (typeof statement === 'object' && statement !== null && typeof statement.text === 'string') return statement.text;
  throw new TypeError(`Expected \`text\` to be a string or a query config with \`text\`, got ${describeValue(statement)}`);
}

/** SQLSTATE 40001 on a standby: "canceling statement due to conflict with recovery"; the primary can answer instead. */
function isRecoveryConflict(e: unknown): boolean {
  return (
    typeof e === 'object' && e !== null && (e as { code?: unknown }).code === '40001' && /recovery/i.test(String((e as Error).message))
  );
}

/**
 * A read-your-writes session over a {@link ReplicatedPool}: after each write (or transaction with a
 * write) it records the primary's WAL position, and its reads go only to replicas that have replayed
 * past it (or to the primary). An explicit `BEGIN` pins the session to one primary connection until
 * `COMMIT`/`ROLLBACK`.
 */
export class ReplicatedSession {
  /** The engine-neutral token: `position` is the WAL byte offset of the last write, `lastWriteAt` its time. */
  readonly token: ReplicaSession;
  /** @internal the pinned primary connection of an explicit transaction */
  _client: PoolClient | undefined = undefined;
  /** @internal whether the pinned transaction has written */
  _wrote = false;
  readonly #pool: ReplicatedPool;

  /** @internal use {@link ReplicatedPool.session}. */
  constructor(pool: ReplicatedPool, token: ReplicaSession) {
    this.#pool = pool;
    this.token = token;
  }

  /** The session's token as an LSN (`'0/0'` before any write). */
  get lsn(): string {
    return formatLsn(this.token.position);
  }

  /** Whether an explicit transaction holds a primary connection. */
  get inTransaction(): boolean {
    return this._client !== undefined;
  }

  /**
   * Run one statement (or a multi-statement text), routed by `classifySql` (from `@scaling/replica-router`)
   * and the session's token. A text that leaves a transaction open (`BEGIN`, `"BEGIN; INSERT …"`, by
   * `transactionEffect`) pins a primary connection for every statement until a text closes it
   * (`COMMIT`, `ROLLBACK`, `"…; COMMIT"`).
   */
  query<R extends QueryResultRow = QueryResultRow>(text: Statement, values?: unknown[]): Promise<QueryResult<R>> {
    return this.#pool._run<R>(text, values, this);
  }

  /** Run `fn` in a transaction on one primary connection, then record the write position. */
  transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.#pool._transaction(fn, this);
  }

  /** Roll back and release a transaction left open by an explicit `BEGIN` (no-op otherwise). */
  async close(): Promise<void> {
    const client = this._client;
    if (client === undefined) return;
    this._client = undefined;
    try {
      await client.query('ROLLBACK');
      client.release();
    } catch (e) {
      client.release(e as Error);
    }
  }
}

const noop = (): void => {};

/**
 * A read/write-splitting front over `pg` pools: one PostgreSQL primary and its streaming replicas.
 * Create it with {@link createReplicatedPool}.
 */
export class ReplicatedPool {
  /** The engine-neutral router deciding where each read goes. */
  readonly router: ReplicaRouter<Pool, PgReplica>;
  /** The primary's pool. */
  readonly primary: Pool;
  /** The replicas. */
  readonly replicas: readonly PgReplica[];

  readonly #owned: Pool[] = [];
  readonly #classifier = new SqlClassifier();
  /** The `@scaling/health` checks tracking each replica's health and lag. */
  readonly health: ReplicaHealth<PgReplica>;
  readonly #clock: Clock;
  readonly #waitPollMs: number;
  readonly #readsByReplica: Float64Array;
  /** One reused outcome object handed to the balancer on release (it reads the fields during the call). */
  readonly #result = { ok: true, latencyMs: 0 };
  #primaryCount = 0;
  #retries = 0;
  #polling = false;
  #checking: Promise<ReplicaState[]> | undefined;
  #ended = false;
  readonly #firstCheck: Promise<ReplicaState[]>;

  /** @internal use {@link createReplicatedPool}. */
  constructor(options: ReplicatedPoolOptions) {
    if (typeof options !== 'object' || options === null)
      throw new TypeError(`Expected \`options\` to be an object, got ${describeValue(options)}`);
    const { checkIntervalMs = 1_000, waitPollMs = 10, healthyThreshold = 1, unhealthyThreshold = 1, clock = systemClock } = options;
    assertPositiveFinite('checkIntervalMs', checkIntervalMs);
    assertPositiveFinite('waitPollMs', waitPollMs);
    assertPositiveInteger('healthyThreshold', healthyThreshold);
    assertPositiveInteger('unhealthyThreshold', unhealthyThreshold);
    const maxSampleAgeMs = options.maxSampleAgeMs ?? 3 * checkIntervalMs + 1_000;
    assertNonNegativeFinite('maxSampleAgeMs', maxSampleAgeMs);
    if (!Array.isArray(options.replicas))
      throw new TypeError(`Expected \`replicas\` to be an array, got ${describeValue(options.replicas)}`);

    const primary = toPool(options.primary, 'primary');
    if (primary.owned) this.#owned.push(primary.pool);
    this.primary = primary.pool;
    this.replicas = options.replicas.map((source, i): PgReplica => {
      const named = typeof source === 'object' && source !== null && 'pool' in source && typeof source.id === 'string';
      const p = toPool(named ? source.pool : (source as PoolSource), `replicas[${i}]`);
      if (p.owned) this.#owned.push(p.pool);
      return named ? { id: source.id, pool: p.pool, weight: source.weight ?? 1 } : { id: `replica-${i}`, pool: p.pool };
    });
    this.#clock = clock;
    this.#waitPollMs = waitPollMs;
    this.#readsByReplica = new Float64Array(this.replicas.length);
    this.router = new ReplicaRouter<Pool, PgReplica>({
      primary: this.primary,
      replicas: this.replicas,
      readYourWrites: options.readYourWrites ?? 'position',
      maxLagMs: options.maxLagMs ?? 10_000,
      maxLagBytes: options.maxLagBytes ?? Number.POSITIVE_INFINITY,
      maxSampleAgeMs,
      stickinessMs: options.stickinessMs ?? 2_000,
      maxWaitMs: options.maxWaitMs ?? 0,
      fallback: options.fallback ?? 'primary',
      ...(options.balancer ? { balancer: options.balancer } : {}),
      onWait: () => this.#pollWhileWaiting(),
      clock,
    });
    // An idle client whose server goes away emits 'error' on its pool; unhandled, it would crash the process.
    this.primary.on('error', noop);
    this.replicas.forEach((r, i) => {
      r.pool.on('error', () => this.#down(i));
    });
    this.health = new ReplicaHealth<PgReplica>(this.router, {
      probe: (replica) => this.#probe(replica),
      intervalMs: checkIntervalMs,
      timeoutMs: options.checkTimeoutMs ?? 2_000,
      healthyThreshold,
      unhealthyThreshold,
      clock,
      ...(options.monitor ? { monitor: options.monitor } : {}),
    });
    this.#firstCheck = this.checkReplicas();
    this.health.start();
  }

  /** Resolves once the first health/lag check of every replica has finished (reads before that go to the primary). */
  ready(): Promise<ReplicaState[]> {
    return this.#firstCheck;
  }

  /** A new read-your-writes session. */
  session(): ReplicatedSession {
    return new ReplicatedSession(this, this.router.session());
  }

  /**
   * Run one statement: reads (by `classifySql` from `@scaling/replica-router`) on an eligible replica, writes on the primary. A
   * read that fails at connection level marks that replica down and is retried on another replica or
   * the primary. For read-your-writes, use a {@link ReplicatedPool.session}.
   *
   * @throws `ScalingError` `ERR_TRANSACTION_NEEDS_SESSION` for a text that leaves a transaction open:
   * `BEGIN`/`START TRANSACTION`, also as part of a multi-statement text like `"BEGIN; INSERT …"` (see
   * `transactionEffect` from `@scaling/replica-router`; each pool query may run on a different connection:
   * use {@link ReplicatedPool.transaction} or a session). `"BEGIN; …; COMMIT"` in one text is accepted.
   */
  query<R extends QueryResultRow = QueryResultRow>(text: Statement, values?: unknown[]): Promise<QueryResult<R>> {
    return this._run<R>(text, values, undefined);
  }

  /**
   * Run `fn` inside `BEGIN`…`COMMIT` on one primary connection (every statement, reads included, sees
   * the transaction's own writes); `ROLLBACK` when `fn` throws.
   */
  transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    return this._transaction(fn, undefined);
  }

  /**
   * The primary's current WAL position as a byte offset: `pg_current_wal_insert_lsn()`, or
   * `pg_last_wal_replay_lsn()` when the configured primary is itself in recovery.
   *
   * @throws `ScalingError` `ERR_NO_POSITION` when the server reports no position (a standby that has
   * replayed nothing yet).
   */
  async primaryPosition(): Promise<number> {
    const r = await this.primary.query<{ lsn: string | null; standby: boolean }>(TOKEN_SQL);
    const row = r.rows[0];
    if (row === undefined || row.lsn === null) {
      throw new ScalingError(
        'ERR_NO_POSITION',
        `The primary reported no WAL position${row?.standby ? ' (it is a standby in recovery that has not replayed any WAL yet)' : ''}; read-your-writes tokens cannot be taken from it`,
      );
    }
    return parseLsn(row.lsn);
  }

  /** Check every replica now (health, replayed position, lag in bytes and ms) and report to the router. */
  checkReplicas(): Promise<ReplicaState[]> {
    if (this.#checking === undefined) {
      this.#checking = this.health.checkNow().finally(() => {
        this.#checking = undefined;
      });
    }
    return this.#checking;
  }

  /** Routing counters since creation. */
  stats(): ReplicatedPoolStats {
    const replicas: Record<string, number> = {};
    this.replicas.forEach((r, i) => {
      replicas[r.id] = this.#readsByReplica[i] as number;
    });
    return { primary: this.#primaryCount, replicas, retries: this.#retries };
  }

  /** Stop the checks and end every pool this object created (and the ones passed in). */
  async end(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    this.health.stop();
    this.router.close();
    await this.#checking?.catch(noop);
    const pools = new Set<Pool>([this.primary, ...this.replicas.map((r) => r.pool)]);
    await Promise.all([...pools].map((p) => p.end().catch(noop)));
  }

  /** @internal shared by the pool and its sessions */
  _run<R extends QueryResultRow>(
    text: Statement,
    values: unknown[] | undefined,
    session: ReplicatedSession | undefined,
  ): Promise<QueryResult<R>> {
    let sql: string;
    try {
      sql = sqlOf(text);
    } catch (e) {
      return Promise.reject(e);
    }
    if (session?._client !== undefined) return this.#inTransaction<R>(session, session._client, text, values, sql);
    // reads first: no transaction-control statement classifies as a read
    if (this.#classifier.classify(sql) === 'read') return this.#read<R>(text, values, session);
    return this.#write<R>(text, values, session, sql);
  }

  async #write<R extends QueryResultRow>(
    text: Statement,
    values: unknown[] | undefined,
    session: ReplicatedSession | undefined,
    sql: string,
  ): Promise<QueryResult<R>> {
    // a text whose last transaction-control statement opens a transaction ("BEGIN", "BEGIN; INSERT …")
    // leaves its connection inside it: only a session can keep that connection for what follows
    if (transactionEffect(sql) === 'open') {
      if (session === undefined) {
        throw new ScalingError(
          'ERR_TRANSACTION_NEEDS_SESSION',
          'This text leaves a transaction open (BEGIN/START TRANSACTION without a COMMIT/ROLLBACK after it); through ReplicatedPool.query each later statement would run on a different connection and the open one would go back to the pool; use pool.transaction(fn) or a pool.session()',
        );
      }
      const client = await this.primary.connect();
      client.on('error', noop);
      try {
        const r = await client.query<R>(text as string, values);
        session._client = client;
        session._wrote = !isBareTransactionControl(sql) && this.#classifier.classify(sql) === 'write';
        this.#primaryCount++;
        return r;
      } catch (e) {
        client.removeListener('error', noop);
        client.release(e as Error);
        throw e;
      }
    }
    this.#primaryCount++;
    const r = await this.primary.query<R>(text as string, values);
    if (session !== undefined) await this.#recordWrite(session);
    return r;
  }

  /** @internal */
  async _transaction<T>(fn: (client: PoolClient) => Promise<T>, session: ReplicatedSession | undefined): Promise<T> {
    if (typeof fn !== 'function') throw new TypeError(`Expected \`fn\` to be a function, got ${describeValue(fn)}`);
    if (session?._client !== undefined)
      throw new ScalingError(
        'ERR_TRANSACTION_OPEN',
        'The session already has an open transaction (explicit BEGIN); COMMIT or ROLLBACK it first',
      );
    const client = await this.primary.connect();
    client.on('error', noop);
    this.#primaryCount++;
    let result: T;
    try {
      await client.query('BEGIN');
      result = await fn(client);
      await client.query('COMMIT');
    } catch (e) {
      let broken: Error | undefined = isConnectionError(e) ? (e as Error) : undefined;
      if (broken === undefined) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackError) {
          broken = rollbackError as Error;
        }
      }
      client.removeListener('error', noop);
      client.release(broken);
      throw e;
    }
    client.removeListener('error', noop);
    client.release();
    if (session !== undefined) await this.#recordWrite(session);
    return result;
  }

  async #inTransaction<R extends QueryResultRow>(
    session: ReplicatedSession,
    client: PoolClient,
    text: Statement,
    values: unknown[] | undefined,
    sql: string,
  ): Promise<QueryResult<R>> {
    const effect = transactionEffect(sql);
    if (!session._wrote && !isBareTransactionControl(sql) && this.#classifier.classify(sql) === 'write') session._wrote = true;
    this.#primaryCount++;
    let r: QueryResult<R>;
    try {
      r = await client.query<R>(text as string, values);
    } catch (e) {
      if (isConnectionError(e)) {
        session._client = undefined;
        client.removeListener('error', noop);
        client.release(e as Error);
      }
      throw e;
    }
    if (effect === 'close') {
      session._client = undefined;
      client.removeListener('error', noop);
      client.release();
      if (session._wrote) await this.#recordWrite(session);
    }
    return r;
  }

  async #recordWrite(session: ReplicatedSession): Promise<void> {
    const mode = this.router.readYourWrites;
    if (mode === 'off') return;
    if (mode === 'time') this.router.recordWrite(session.token);
    else this.router.recordWrite(session.token, await this.primaryPosition());
  }

  async #read<R extends QueryResultRow>(
    text: Statement,
    values: unknown[] | undefined,
    session: ReplicatedSession | undefined,
  ): Promise<QueryResult<R>> {
    const router = this.router;
    for (let attempt = 0; ; attempt++) {
      const lease = session === undefined ? router.forRead() : await router.forReadAsync({ session: session.token });
      const node = lease.endpoint;
      if (node === this.primary) {
        lease.release();
        this.#primaryCount++;
        return this.primary.query<R>(text as string, values);
      }
      const replica = node as PgReplica;
      const t0 = this.#clock.now();
      try {
        const r = await replica.pool.query<R>(text as string, values);
        const result = this.#result;
        result.ok = true;
        result.latencyMs = this.#clock.now() - t0;
        lease.release(result);
        const i = this.replicas.indexOf(replica);
        this.#readsByReplica[i] = (this.#readsByReplica[i] as number) + 1;
        return r;
      } catch (e) {
        const result = this.#result;
        result.ok = false;
        result.latencyMs = this.#clock.now() - t0;
        lease.release(result);
        if (attempt < this.replicas.length && isConnectionError(e)) {
          this.#down(this.replicas.indexOf(replica));
          this.#retries++;
          continue;
        }
        if (isRecoveryConflict(e)) {
          this.#retries++;
          this.#primaryCount++;
          return this.primary.query<R>(text as string, values);
        }
        throw e;
      }
    }
  }

  #down(i: number): void {
    const r = this.replicas[i];
    if (r !== undefined) this.router.markDown(r.id);
  }

  /** One probe: the primary's position, then one round trip to the replica. Throws when it cannot serve reads. */
  async #probe(replica: PgReplica): Promise<ReplicaProbeResult> {
    let primaryLsn: string | null = null;
    try {
      primaryLsn = (await this.primary.query<{ lsn: string | null }>(PRIMARY_LSN_SQL)).rows[0]?.lsn ?? null;
    } catch {
      // lag in bytes is unknown this round (the replica stays out while a byte limit is set)
    }
    const row = (
      await replica.pool.query<{ standby: boolean; replay: string | null; lag_bytes: number | null; since_replay_ms: number | null }>(
        REPLICA_SQL,
        [primaryLsn],
      )
    ).rows[0];
    if (row === undefined) throw new Error(`replica ${replica.id} returned no row`);
    if (!row.standby) throw new Error(`replica ${replica.id} is not in recovery (promoted, or not a standby)`);
    const lagBytes = row.lag_bytes === null ? undefined : Math.max(0, row.lag_bytes);
    // caught up → no lag, whatever the age of the last replayed commit (an idle primary commits nothing)
    const lagMs = lagBytes === 0 ? 0 : row.since_replay_ms === null ? undefined : Math.max(0, row.since_replay_ms);
    return {
      ...(lagMs === undefined ? {} : { lagMs }),
      ...(lagBytes === undefined ? {} : { lagBytes }),
      ...(row.replay === null ? {} : { position: parseLsn(row.replay) }),
    };
  }

  #pollWhileWaiting(): void {
    if (this.#polling || this.#ended) return;
    this.#polling = true;
    const tick = (): void => {
      this.checkReplicas().finally(() => {
        if (this.router.waiting > 0 && !this.#ended) this.#clock.setTimeout(tick, this.#waitPollMs);
        else this.#polling = false;
      });
    };
    tick();
  }
}

/**
 * Creates a read/write-splitting pool over a PostgreSQL primary and its streaming replicas.
 *
 * Reads go to a replica that is up, within `maxLagMs`/`maxLagBytes`, and — for a session in `'position'`
 * mode — has replayed past the session's last write (`pg_last_wal_replay_lsn()` ≥ the
 * `pg_current_wal_insert_lsn()` taken after the write); otherwise to the primary. Replica health and lag
 * are checked every `checkIntervalMs` and the limits are re-applied to every read. The approach follows
 * GitLab's database load balancer (LSN-based sticky reads, lag limits, fallback to the primary).
 *
 * @throws {TypeError}/{@link RangeError} on a bad option, naming it.
 * @example
 * ```ts
 * import { createReplicatedPool } from '@scaling/replica-router-pg';
 *
 * const db = createReplicatedPool({
 *   primary: 'postgres://app@127.0.0.1:5432/app',
 *   replicas: ['postgres://app@127.0.0.1:5433/app'],
 *   maxLagBytes: 16 * 1024 * 1024,
 * });
 * await db.ready();
 * const session = db.session();
 * await session.query('INSERT INTO notes (body) VALUES ($1)', ['hi']);
 * const { rows } = await session.query('SELECT count(*) FROM notes'); // sees the insert
 * await db.end();
 * ```
 */
export function createReplicatedPool(options: ReplicatedPoolOptions): ReplicatedPool {
  return new ReplicatedPool(options);
}
