import { isTransactionControlOnly, type ReplicaSession, transactionEffect } from '@scaling/replica-router';
import type { PoolClient, QueryResult, QueryResultRow } from 'pg';
import { isConnectionError } from './_connection-error.js';
import { type Routing, type Statement, sqlOf } from './_routing.js';
import { giveBack, runTransaction, takePrimary } from './_transaction.js';
import { TransactionOpenError } from './errors.js';
import { formatLsn } from './lsn.js';

const noop = (): void => {};

/**
 * A read-your-writes session over a {@link ReplicatedPool}: after each write (or transaction with a
 * write) it records the primary's WAL position, and its reads go only to replicas that have replayed
 * past it (or to the primary). A text that leaves a transaction open (`BEGIN`, `"BEGIN; INSERT …"`)
 * pins the session to one primary connection until a text closes it (`COMMIT`, `ROLLBACK`).
 *
 * Concurrent calls on one session are safe: statements that control a transaction, and every
 * statement while a transaction is pinned or about to be, run one at a time in call order (two racing
 * `BEGIN`s pin one connection, the second `BEGIN` runs inside it and PostgreSQL warns; a `COMMIT` racing
 * a query runs after it if called after it). Other statements run concurrently. No connection is ever
 * leaked or given back to the pool inside a transaction.
 */
export class ReplicatedSession {
  /** The engine-neutral token: `position` is the WAL byte offset of the last write, `lastWriteAt` its time. */
  readonly token: ReplicaSession;
  readonly #routing: Routing;
  /** The pinned primary connection of an open transaction. */
  #client: PoolClient | undefined = undefined;
  /** Whether the pinned transaction has done work beyond transaction control. */
  #wrote = false;
  /** The end of the one-at-a-time lane, and how many calls are in it. */
  #tail: Promise<void> | undefined = undefined;
  #queued = 0;

  /** Sessions come from {@link ReplicatedPool.session}. */
  private constructor(routing: Routing) {
    this.#routing = routing;
    this.token = routing.router.session();
  }

  /** The session's token as an LSN (`'0/0'` before any write). */
  get lsn(): string {
    return formatLsn(this.token.position);
  }

  /** Whether an explicit transaction holds a primary connection. */
  get inTransaction(): boolean {
    return this.#client !== undefined;
  }

  /**
   * Run one statement (or a multi-statement text), routed by `classifySql` (from `@scaling/replica-router`)
   * and the session's token; inside a pinned transaction, on its connection.
   */
  query<R extends QueryResultRow = QueryResultRow>(text: Statement, values?: unknown[]): Promise<QueryResult<R>> {
    let sql: string;
    try {
      sql = sqlOf(text);
    } catch (e) {
      return Promise.reject(e);
    }
    const routing = this.#routing;
    if (this.#client === undefined && this.#queued === 0) {
      if (routing.isRead(sql)) return routing.read<R>(text, values, sql, this.token);
      if (transactionEffect(sql) === 'none') return routing.write<R>(text, values, sql, this.token);
    }
    return this.#enqueue(() => this.#serial<R>(text, values, sql));
  }

  /**
   * Run `fn` in a transaction on one primary connection, then record the write position.
   * @throws (rejects) {@link TransactionOpenError} while the session holds a transaction opened by `BEGIN`.
   */
  transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    if (typeof fn !== 'function') return Promise.reject(new TypeError(`Expected \`fn\` to be a function, got ${typeof fn}`));
    return this.#enqueue(async () => {
      if (this.#client !== undefined)
        throw new TransactionOpenError('The session already has an open transaction (explicit BEGIN); COMMIT or ROLLBACK it first');
    }).then(() => runTransaction(this.#routing, fn, this.token));
  }

  /** Roll back and release a transaction left open by an explicit `BEGIN` (no-op otherwise), after the calls before it. */
  close(): Promise<void> {
    return this.#enqueue(async () => {
      const client = this.#client;
      if (client === undefined) return;
      this.#unpinned(client);
      try {
        await client.query('ROLLBACK');
        giveBack(client);
      } catch (e) {
        giveBack(client, e as Error);
      }
    });
  }

  #enqueue<T>(op: () => Promise<T>): Promise<T> {
    this.#queued++;
    const run = (this.#tail ?? Promise.resolve()).then(op);
    const tail: Promise<void> = run.then(noop, noop).then(() => {
      this.#queued--;
      if (this.#tail === tail) this.#tail = undefined;
    });
    this.#tail = tail;
    return run;
  }

  async #serial<R extends QueryResultRow>(text: Statement, values: unknown[] | undefined, sql: string): Promise<QueryResult<R>> {
    const routing = this.#routing;
    const pinned = this.#client;
    if (pinned !== undefined) return this.#inTransaction<R>(pinned, text, values, sql);
    if (routing.isRead(sql)) return routing.read<R>(text, values, sql, this.token);
    if (transactionEffect(sql) !== 'open') return routing.write<R>(text, values, sql, this.token);
    // this text leaves a transaction open: it and what follows run on one primary connection
    const client = await takePrimary(routing);
    try {
      const r = await client.query<R>(text as string, values);
      this.#client = client;
      routing.pinned.add(client);
      this.#wrote = !isTransactionControlOnly(sql);
      routing.primaryCount++;
      return r;
    } catch (e) {
      giveBack(client, e as Error);
      throw e;
    }
  }

  async #inTransaction<R extends QueryResultRow>(
    client: PoolClient,
    text: Statement,
    values: unknown[] | undefined,
    sql: string,
  ): Promise<QueryResult<R>> {
    const routing = this.#routing;
    const effect = transactionEffect(sql);
    if (!this.#wrote && !isTransactionControlOnly(sql) && !routing.isRead(sql)) this.#wrote = true;
    routing.primaryCount++;
    let r: QueryResult<R>;
    try {
      r = await client.query<R>(text as string, values);
    } catch (e) {
      if (isConnectionError(e)) {
        this.#unpinned(client);
        giveBack(client, e as Error);
      } else if (effect === 'close') {
        // a failed COMMIT ends the transaction too; giveBack destroys the connection if it did not
        this.#unpinned(client);
        giveBack(client);
      }
      throw e;
    }
    if (effect === 'close') {
      const wrote = this.#wrote;
      this.#unpinned(client);
      giveBack(client);
      if (wrote) await routing.recordWrite(this.token);
    }
    return r;
  }

  #unpinned(client: PoolClient): void {
    this.#client = undefined;
    this.#wrote = false;
    this.#routing.pinned.delete(client);
  }
}

/** A new session over `routing`. @internal */
export function createSession(routing: Routing): ReplicatedSession {
  return new (ReplicatedSession as unknown as new (routing: Routing) => ReplicatedSession)(routing);
}
