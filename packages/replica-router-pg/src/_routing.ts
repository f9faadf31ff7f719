import { tracingChannel } from 'node:diagnostics_channel';
import { type Clock, Histogram } from '@scaling/core';
import { describeValue, type Emitter } from '@scaling/core/internal';
import { type ReplicaRouter, type ReplicaSession, type SqlClassifier, transactionEffect } from '@scaling/replica-router';
import type { Pool, PoolClient, QueryConfig, QueryResult, QueryResultRow } from 'pg';
import { isConnectionError } from './_connection-error.js';
import type { PgReplica } from './_pool-source.js';
import { primaryPosition } from './_probe-sql.js';
import { TransactionNeedsSessionError } from './errors.js';
import type { ReplicatedPoolEvents } from './events.js';

/** A statement: text, or a `pg` query config (`{ text, values?, name?, rowMode?, types? }`). */
export type Statement = string | QueryConfig;

/** The SQL text of a statement. @throws {TypeError} when there is none. */
export function sqlOf(statement: Statement): string {
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

/** SQLSTATE 25006 read_only_sql_transaction: the statement wrote after all (e.g. an undeclared write function). */
function isReadOnlyViolation(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === '25006';
}

/**
 * Context of the tracing channel `scaling:replica-router-pg:query`, published around each statement sent to a
 * server by `ReplicatedPool.query` and `session.query` (a read retried elsewhere is traced once per server it
 * is sent to). The statement's parameters are never in it.
 */
export interface PgQueryContext {
  /** The SQL text. */
  sql: string;
  /** Where the statement went. */
  target: 'primary' | 'replica';
  /** The replica's id, when `target` is `'replica'`. */
  replica?: string;
  /** Set by the channel on `error`: the query's error. */
  error?: unknown;
  /** Set by the channel on `asyncEnd`: the `pg` result. */
  result?: unknown;
}

/** The tracing channel around routed statements (see {@link PgQueryContext}). @internal */
export const QUERY_CHANNEL = tracingChannel<unknown, PgQueryContext>('scaling:replica-router-pg:query');

/** Sends `text` to `pool`, traced when someone subscribes to `scaling:replica-router-pg:query`. */
function send<R extends QueryResultRow>(
  pool: Pool,
  text: Statement,
  values: unknown[] | undefined,
  sql: string,
  replica: string | undefined,
): Promise<QueryResult<R>> {
  if (!QUERY_CHANNEL.hasSubscribers) return pool.query<R>(text as string, values);
  const context: PgQueryContext = replica === undefined ? { sql, target: 'primary' } : { sql, target: 'replica', replica };
  return QUERY_CHANNEL.tracePromise(() => pool.query<R>(text as string, values), context);
}

/** Texts a replica refused as writes are remembered (up to this many) and sent to the primary from then on. */
const MAX_LEARNED = 1_024;

/**
 * The routing engine shared by a {@link ReplicatedPool} and its sessions: classification, the read path
 * with its retries, the write path with read-your-writes tokens, and the counters.
 * @internal
 */
export class Routing {
  readonly router: ReplicaRouter<Pool, PgReplica>;
  readonly primary: Pool;
  readonly replicas: readonly PgReplica[];
  readonly classifier: SqlClassifier;
  readonly events: Emitter<ReplicatedPoolEvents>;
  readonly #clock: Clock;
  readonly #readsByReplica: Float64Array;
  readonly #failuresByReplica: Float64Array;
  /** Duration of each statement routed by `run`/`read`/`write`, in ms. */
  readonly queryDuration = new Histogram();
  /** Statements routed by `run`/`read`/`write` (`ReplicatedPool.query`, `session.query` outside a transaction). */
  queries = 0;
  /** Those that rejected. */
  errors = 0;
  readonly #learned = new Set<string>();
  /** One reused outcome object handed to the balancer on release (it reads the fields during the call). */
  readonly #result = { ok: true, latencyMs: 0 };
  /** Primary connections pinned by sessions' open transactions (destroyed by `end()`). */
  readonly pinned = new Set<PoolClient>();
  primaryCount = 0;
  retries = 0;

  constructor(router: ReplicaRouter<Pool, PgReplica>, classifier: SqlClassifier, events: Emitter<ReplicatedPoolEvents>, clock: Clock) {
    this.router = router;
    this.primary = router.primary;
    this.replicas = router.replicas;
    this.classifier = classifier;
    this.events = events;
    this.#clock = clock;
    this.#readsByReplica = new Float64Array(router.replicas.length);
    this.#failuresByReplica = new Float64Array(router.replicas.length);
  }

  /** Whether `sql` may go to a replica. */
  isRead(sql: string): boolean {
    return this.classifier.classify(sql) === 'read' && (this.#learned.size === 0 || !this.#learned.has(sql));
  }

  /**
   * One statement outside any pinned transaction: a read to an eligible replica, anything else to the
   * primary (recording the write in `token`, when given).
   * @throws {TransactionNeedsSessionError} for a text that leaves a transaction open.
   */
  run<R extends QueryResultRow>(
    text: Statement,
    values: unknown[] | undefined,
    sql: string,
    token: ReplicaSession | undefined,
  ): Promise<QueryResult<R>> {
    // reads first: no transaction-control statement classifies as a read
    if (this.isRead(sql)) return this.read<R>(text, values, sql, token);
    if (transactionEffect(sql) === 'open') {
      return Promise.reject(
        new TransactionNeedsSessionError(
          'This text leaves a transaction open (BEGIN/START TRANSACTION without a COMMIT/ROLLBACK after it); through ReplicatedPool.query each later statement would run on a different connection and the open one would go back to the pool; use pool.transaction(fn), pool.connect() or a pool.session()',
        ),
      );
    }
    return this.write<R>(text, values, sql, token);
  }

  write<R extends QueryResultRow>(
    text: Statement,
    values: unknown[] | undefined,
    sql: string,
    token: ReplicaSession | undefined,
  ): Promise<QueryResult<R>> {
    return this.#measured(this.#write<R>(text, values, sql, token));
  }

  async #write<R extends QueryResultRow>(
    text: Statement,
    values: unknown[] | undefined,
    sql: string,
    token: ReplicaSession | undefined,
  ): Promise<QueryResult<R>> {
    this.primaryCount++;
    const r = await send<R>(this.primary, text, values, sql, undefined);
    if (token !== undefined) await this.recordWrite(token);
    return r;
  }

  /** Counts a routed statement and measures it until it settles. */
  async #measured<T>(work: Promise<T>): Promise<T> {
    this.queries++;
    const t0 = this.#clock.now();
    try {
      return await work;
    } catch (e) {
      this.errors++;
      throw e;
    } finally {
      this.queryDuration.record(this.#clock.now() - t0);
    }
  }

  /** Raise `token` after a write: the primary's WAL position (`'position'`), or the time (`'time'`). */
  async recordWrite(token: ReplicaSession): Promise<void> {
    const mode = this.router.readYourWrites;
    if (mode === 'off') return;
    if (mode === 'time') this.router.recordWrite(token);
    else this.router.recordWrite(token, await primaryPosition(this.primary));
  }

  read<R extends QueryResultRow>(
    text: Statement,
    values: unknown[] | undefined,
    sql: string,
    token: ReplicaSession | undefined,
  ): Promise<QueryResult<R>> {
    return this.#measured(this.#read<R>(text, values, sql, token));
  }

  async #read<R extends QueryResultRow>(
    text: Statement,
    values: unknown[] | undefined,
    sql: string,
    token: ReplicaSession | undefined,
  ): Promise<QueryResult<R>> {
    const router = this.router;
    for (let attempt = 0; ; attempt++) {
      const lease = token === undefined ? router.forRead() : await router.forReadAsync({ session: token });
      const node = lease.endpoint;
      if (node === this.primary) {
        lease.release();
        this.primaryCount++;
        return send<R>(this.primary, text, values, sql, undefined);
      }
      const replica = node as PgReplica;
      const t0 = this.#clock.now();
      try {
        const r = await send<R>(replica.pool, text, values, sql, replica.id);
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
        const i = this.replicas.indexOf(replica);
        this.#failuresByReplica[i] = (this.#failuresByReplica[i] as number) + 1;
        if (attempt < this.replicas.length && isConnectionError(e)) {
          router.markDown(replica.id, `connection error: ${e instanceof Error ? e.message : String(e)}`);
          this.#retried(replica.id, 'connection', e);
          continue;
        }
        const readOnly = isReadOnlyViolation(e);
        if (readOnly || isRecoveryConflict(e)) {
          if (readOnly) {
            if (this.#learned.size >= MAX_LEARNED) this.#learned.clear();
            this.#learned.add(sql);
          }
          this.#retried(replica.id, readOnly ? 'read-only' : 'recovery-conflict', e);
          this.primaryCount++;
          return send<R>(this.primary, text, values, sql, undefined);
        }
        throw e;
      }
    }
  }

  #retried(replica: string, reason: ReplicatedPoolEvents['read-retried']['reason'], error: unknown): void {
    this.retries++;
    if (this.events.wants('read-retried')) this.events.emit('read-retried', { replica, reason, error });
  }

  /** Reads served by replica `i`. */
  readsOf(i: number): number {
    return this.#readsByReplica[i] as number;
  }

  /** Reads that failed on replica `i` (retried elsewhere or rejected). */
  failuresOf(i: number): number {
    return this.#failuresByReplica[i] as number;
  }
}
