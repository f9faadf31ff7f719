import type { Clock, TimerHandle } from '@scaling/core';
import { Emitter } from '@scaling/core/internal';
import { ReplicaHealth, ReplicaRouter, type ReplicaState, type ReplicaStats, SqlClassifier } from '@scaling/replica-router';
import type { Pool, PoolClient, QueryResult, QueryResultRow } from 'pg';
import { type PgReplica, toPool, toReplicas } from './_pool-source.js';
import { PING_SQL, primaryPosition, probeReplica } from './_probe-sql.js';
import { Routing, type Statement, sqlOf } from './_routing.js';
import { giveBack, runTransaction, takePrimary } from './_transaction.js';
import { PrimaryUnreachableError } from './errors.js';
import { REPLICATED_POOL_EVENTS, type ReplicatedPoolEvents } from './events.js';
import { type ReplicatedPoolOptions, resolvePoolOptions } from './replicated-pool-options.js';
import type { ReplicatedPoolReplicaStats, ReplicatedPoolStats } from './replicated-pool-stats.js';
import { createSession, type ReplicatedSession } from './replicated-session.js';

/** A `pg` query callback, as `pg.Pool.query(text, values, callback)` takes. */
export type QueryCallback<R extends QueryResultRow> = (error: Error | null, result: QueryResult<R> | undefined) => void;

const noop = (): void => {};

/**
 * A read/write-splitting front over `pg` pools — one PostgreSQL primary and its streaming replicas —
 * with the `pg.Pool` surface applications use: `query(text, values?)`, `query(config)`, a callback as
 * last argument, `connect()`, `on('error', …)`, `end()`, `totalCount`/`idleCount`/`waitingCount`.
 * Create it with `new ReplicatedPool(options)` or {@link createReplicatedPool}.
 *
 * Events: see {@link ReplicatedPoolEvents}. A throwing listener never breaks the pool (its error is
 * rethrown on `process.nextTick`); listeners may call any method of the pool.
 *
 * @throws {TypeError}/{@link RangeError} on a bad or unknown option, naming it (with a hint for
 * pgpool-II and `pg.Pool` option names).
 */
export class ReplicatedPool {
  /** The engine-neutral router deciding where each read goes. */
  readonly router: ReplicaRouter<Pool, PgReplica>;
  /** The primary's pool. */
  readonly primary: Pool;
  /** The replicas. */
  readonly replicas: readonly PgReplica[];
  /** The `@scaling/health` checks tracking each replica's health and lag. */
  readonly health: ReplicaHealth<PgReplica>;

  readonly #routing: Routing;
  readonly #events: Emitter<ReplicatedPoolEvents>;
  readonly #pools: readonly Pool[];
  readonly #clock: Clock;
  readonly #checkTimeoutMs: number;
  readonly #waitPollMs: number;
  readonly #firstCheck: Promise<ReplicaState[]>;
  #ready: Promise<ReplicaState[]> | undefined;
  #checking: Promise<ReplicaState[]> | undefined;
  #polling = false;
  #ended = false;

  constructor(options: ReplicatedPoolOptions) {
    const o = resolvePoolOptions(options);
    const { clock } = o;
    const primary = toPool(options.primary, 'primary').pool;
    const replicas = toReplicas(o.replicas);
    const classifier = new SqlClassifier(options.writeFunctions === undefined ? {} : { writeFunctions: options.writeFunctions });
    this.router = new ReplicaRouter<Pool, PgReplica>({
      primary,
      replicas,
      readYourWrites: options.readYourWrites ?? 'position',
      maxLagMs: options.maxLagMs ?? 10_000,
      maxLagBytes: options.maxLagBytes ?? Number.POSITIVE_INFINITY,
      maxSampleAgeMs: o.maxSampleAgeMs,
      stickinessMs: options.stickinessMs ?? 2_000,
      maxWaitMs: options.maxWaitMs ?? 0,
      fallback: options.fallback ?? 'primary',
      ...(options.balancer ? { balancer: options.balancer } : {}),
      onWait: () => this.#pollWhileWaiting(),
      clock,
    });
    this.primary = primary;
    this.replicas = this.router.replicas;
    this.#clock = clock;
    this.#checkTimeoutMs = o.checkTimeoutMs;
    this.#waitPollMs = o.waitPollMs;
    this.#events = new Emitter<ReplicatedPoolEvents>('replica-router-pg', REPLICATED_POOL_EVENTS, this);
    this.#routing = new Routing(this.router, classifier, this.#events, clock);
    this.#pools = [...new Set<Pool>([primary, ...this.replicas.map((r) => r.pool)])];
    // An idle client whose server goes away emits 'error' on its pool; unhandled, it would crash the process.
    primary.on('error', (e: Error) => this.#idleError(e));
    this.replicas.forEach((r) => {
      r.pool.on('error', (e: Error) => {
        this.router.markDown(r.id, `idle connection error: ${e.message}`);
        this.#idleError(e);
      });
    });
    this.health = new ReplicaHealth<PgReplica>(this.router, {
      probe: (replica) => probeReplica(primary, replica.id, replica.pool),
      intervalMs: o.checkIntervalMs,
      timeoutMs: o.checkTimeoutMs,
      healthyThreshold: o.healthyThreshold,
      unhealthyThreshold: o.unhealthyThreshold,
      clock,
      ...(options.monitor ? { monitor: options.monitor } : {}),
    });
    this.#firstCheck = this.checkReplicas();
    this.health.start();
  }

  /**
   * Subscribe to an event (see {@link ReplicatedPoolEvents}); returns the unsubscribe function.
   * @throws {TypeError} for an unknown event or a listener that is not a function.
   */
  on<K extends keyof ReplicatedPoolEvents>(event: K, listener: (payload: ReplicatedPoolEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /** Remove a listener added with {@link ReplicatedPool.on}. */
  off<K extends keyof ReplicatedPoolEvents>(event: K, listener: (payload: ReplicatedPoolEvents[K]) => void): void {
    this.#events.off(event, listener);
  }

  /**
   * Resolves once the first health/lag check of every replica has finished (reads before that go to
   * the primary) and the primary has answered; settles within `checkTimeoutMs` (plus scheduling) even
   * when a server accepts connections and never answers.
   *
   * @throws (rejects) {@link PrimaryUnreachableError} when the primary fails or does not answer within
   * `checkTimeoutMs`; the next call checks it again.
   */
  ready(): Promise<ReplicaState[]> {
    if (this.#ready === undefined) {
      const primary = this.#bounded(this.primary.query(PING_SQL), 'primary').then(
        () => undefined,
        (cause: unknown) => {
          throw new PrimaryUnreachableError(`The primary did not answer: ${cause instanceof Error ? cause.message : String(cause)}`, {
            cause,
          });
        },
      );
      const ready = Promise.all([this.#firstCheck, primary]).then(
        ([states]) => states,
        (e: unknown) => {
          if (this.#ready === ready) this.#ready = undefined; // the next call checks the primary again
          throw e;
        },
      );
      this.#ready = ready;
    }
    return this.#ready;
  }

  /** A new read-your-writes session. */
  session(): ReplicatedSession {
    return createSession(this.#routing);
  }

  /**
   * Run one statement, as `pg.Pool.query`: `query(text, values?)`, `query(config)` (with `name`,
   * `rowMode`, `types`…), optionally with a callback as last argument (then nothing is returned). Reads
   * (by `classifySql` from `@scaling/replica-router`, plus `writeFunctions`) go to an eligible replica,
   * writes to the primary. A read that fails at connection level marks that replica down and is retried
   * on another replica or the primary; one refused as a write (SQLSTATE 25006) or cancelled by a
   * recovery conflict (40001) is retried once on the primary. For read-your-writes use a
   * {@link ReplicatedPool.session}.
   *
   * @throws (rejects) {@link TransactionNeedsSessionError} for a text that leaves a transaction open:
   * `BEGIN`/`START TRANSACTION`, also as part of a multi-statement text like `"BEGIN; INSERT …"` (each
   * pool query may run on a different connection: use {@link ReplicatedPool.transaction},
   * {@link ReplicatedPool.connect} or a session). `"BEGIN; …; COMMIT"` in one text is accepted.
   */
  query<R extends QueryResultRow = QueryResultRow>(text: Statement, values?: unknown[]): Promise<QueryResult<R>>;
  query<R extends QueryResultRow = QueryResultRow>(text: Statement, callback: QueryCallback<R>): void;
  query<R extends QueryResultRow = QueryResultRow>(text: Statement, values: unknown[] | undefined, callback: QueryCallback<R>): void;
  query<R extends QueryResultRow = QueryResultRow>(
    text: Statement,
    values?: unknown[] | QueryCallback<R>,
    callback?: QueryCallback<R>,
  ): Promise<QueryResult<R>> | undefined {
    if (typeof values === 'function') {
      this.query<R>(text, undefined, values);
      return undefined;
    }
    let result: Promise<QueryResult<R>>;
    try {
      result = this.#routing.run<R>(text, values, sqlOf(text), undefined);
    } catch (e) {
      result = Promise.reject(e);
    }
    if (callback === undefined) return result;
    result.then(
      (r) => callback(null, r),
      (e: Error) => callback(e, undefined),
    );
    return undefined;
  }

  /**
   * A primary connection for the caller's own statements (as `pg.Pool.connect()`). Call `release()`
   * when done — once; later calls are ignored. A connection released inside a transaction block
   * (`BEGIN` without `COMMIT`/`ROLLBACK`) is closed instead of pooled, so the server rolls it back and
   * no backend is left idle in transaction (needs `pg` ≥ 8.16 for `getTransactionStatus`).
   */
  async connect(): Promise<PoolClient> {
    const client = await takePrimary(this.#routing);
    this.#routing.primaryCount++;
    const original = client.release;
    let released = false;
    client.release = (error?: Error | boolean): void => {
      if (released) return;
      released = true;
      giveBack(client, error === true ? new Error('released with an error') : error instanceof Error ? error : undefined, original);
    };
    return client;
  }

  /**
   * Run `fn` inside `BEGIN`…`COMMIT` on one primary connection (every statement, reads included, sees
   * the transaction's own writes); `ROLLBACK` when `fn` throws.
   */
  transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    if (typeof fn !== 'function') return Promise.reject(new TypeError(`Expected \`fn\` to be a function, got ${typeof fn}`));
    return runTransaction(this.#routing, fn, undefined);
  }

  /**
   * The primary's current WAL position as a byte offset: `pg_current_wal_insert_lsn()`, or
   * `pg_last_wal_replay_lsn()` when the configured primary is itself in recovery.
   *
   * @throws (rejects) {@link NoPositionError} when the server reports no position (a standby that has
   * replayed nothing yet).
   */
  primaryPosition(): Promise<number> {
    return primaryPosition(this.primary);
  }

  /**
   * Check every replica now (health, replayed position, lag in bytes and ms) and report to the router.
   * Settles within `checkTimeoutMs` (plus scheduling) even when a replica never answers.
   */
  checkReplicas(): Promise<ReplicaState[]> {
    if (this.#checking === undefined) {
      const checking = this.health.checkNow().finally(() => {
        if (this.#checking === checking) this.#checking = undefined;
      });
      this.#checking = checking;
    }
    return this.#checking;
  }

  /** A snapshot of counters, gauges and replicas (see {@link ReplicatedPoolStats}); emits nothing. */
  stats(): ReplicatedPoolStats {
    const r = this.#routing;
    const routed = this.router.stats().replicas;
    const replicas: Record<string, ReplicatedPoolReplicaStats> = {};
    let replicaReads = 0;
    this.replicas.forEach((replica, i) => {
      const reads = r.readsOf(i);
      replicaReads += reads;
      replicas[replica.id] = { reads, failures: r.failuresOf(i), ...(routed[replica.id] as ReplicaStats) };
    });
    return {
      queries: r.queries,
      errors: r.errors,
      primary: r.primaryCount,
      replicaReads,
      retries: r.retries,
      connections: this.totalCount,
      idleConnections: this.idleCount,
      waitingClients: this.waitingCount,
      queryDuration: r.queryDuration.clone(),
      replicas,
    };
  }

  /** Connections open in the primary's and the replicas' pools (as `pg.Pool.totalCount`). */
  get totalCount(): number {
    return this.#sum('totalCount');
  }

  /** Idle connections in the primary's and the replicas' pools (as `pg.Pool.idleCount`). */
  get idleCount(): number {
    return this.#sum('idleCount');
  }

  /** Queries and `connect()` calls waiting for a connection in any of the pools (as `pg.Pool.waitingCount`). */
  get waitingCount(): number {
    return this.#sum('waitingCount');
  }

  /** Whether `end()` was called. */
  get ended(): boolean {
    return this.#ended;
  }

  /**
   * Stop the checks, close the connections pinned by sessions' open transactions (the server rolls
   * them back), and end every pool — the ones created here and the ones passed in. Idempotent.
   */
  async end(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    this.health.stop();
    this.router.close();
    for (const client of this.#routing.pinned) giveBack(client, new Error('pool ended with the transaction open'));
    this.#routing.pinned.clear();
    await this.#checking?.catch(noop);
    await Promise.all(this.#pools.map((p) => p.end().catch(noop)));
  }

  #sum(counter: 'totalCount' | 'idleCount' | 'waitingCount'): number {
    let n = 0;
    for (const p of this.#pools) n += typeof p[counter] === 'number' ? p[counter] : 0;
    return n;
  }

  #idleError(e: Error): void {
    if (this.#events.wants('error')) this.#events.emit('error', e);
  }

  /** `promise`, or a rejection after `checkTimeoutMs`, whichever comes first. */
  #bounded<T>(promise: Promise<T>, what: string): Promise<T> {
    const timeoutMs = this.#checkTimeoutMs;
    return new Promise<T>((resolve, reject) => {
      const timer: TimerHandle = this.#clock.setTimeout(
        () => reject(new Error(`${what} did not answer within checkTimeoutMs (${timeoutMs} ms)`)),
        timeoutMs,
      );
      promise.then(
        (v) => {
          this.#clock.clearTimeout(timer);
          resolve(v);
        },
        (e: unknown) => {
          this.#clock.clearTimeout(timer);
          reject(e);
        },
      );
    });
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
 * @throws {TypeError}/{@link RangeError} on a bad or unknown option, naming it.
 * @example
 * ```ts
 * import { createReplicatedPool } from '@scaling/replica-router-pg';
 *
 * const db = createReplicatedPool({
 *   primary: 'postgres://app@127.0.0.1:5432/app',
 *   replicas: ['postgres://app@127.0.0.1:5433/app'],
 *   maxLagBytes: 16 * 1024 * 1024,
 *   writeFunctions: ['app_enqueue', /^audit_/],
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
