// Fake pg pools for unit tests: a primary whose clients track their transaction state as PostgreSQL
// would (from each text's transaction effect), and replicas that answer the health probe.
import { transactionEffect } from '@scaling/replica-router';
import type { Pool } from 'pg';

export interface FakeClient {
  id: number;
  log: string[];
  /** 'I' idle, 'T' in a transaction block (as pg's getTransactionStatus). */
  status: 'I' | 'T';
  released: boolean;
  destroyed: boolean;
  /** Released back to the pool while still in a transaction block: a backend idle in transaction. */
  releasedInTransaction: boolean;
}

export interface FakePoolOptions {
  standby: boolean;
  /** Awaited before every query and connect settles (fc.scheduler hooks in here). */
  delay?: () => Promise<void>;
  /** An error to throw for a statement text, if any. */
  failWhen?: (sql: string) => Error | undefined;
}

export interface FakePool {
  log: string[];
  clients: FakeClient[];
  replayLsn: string;
  fail: ((sql: string) => Error | undefined) | undefined;
  probeFail: Error | undefined;
  errorListeners: Array<(e: Error) => void>;
  ended: boolean;
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  asPool(): Pool;
}

const isProbe = (sql: string) => sql.includes('pg_last_xact_replay_timestamp') || sql.includes('pg_current_wal');

export function fakePool(name: string, options: FakePoolOptions): FakePool {
  const { standby, delay } = options;
  const pool: FakePool = {
    log: [],
    clients: [],
    replayLsn: '0/100',
    fail: options.failWhen,
    probeFail: undefined,
    errorListeners: [],
    ended: false,
    totalCount: 2,
    idleCount: 1,
    waitingCount: 0,
    asPool: () => api as unknown as Pool,
  };
  const probe = (sql: string) => {
    if (sql.includes('pg_last_xact_replay_timestamp')) {
      if (pool.probeFail) throw pool.probeFail;
      return { rows: [{ standby, replay: pool.replayLsn, lag_bytes: 0, since_replay_ms: 5 }] };
    }
    return { rows: [{ lsn: '0/200', standby }] };
  };
  const api = {
    async query(text: string | { text: string }) {
      const sql = typeof text === 'string' ? text : text.text;
      if (isProbe(sql)) return probe(sql);
      if (delay) await delay();
      pool.log.push(sql);
      const e = pool.fail?.(sql);
      if (e) throw e;
      return { rows: [{ served: name }], command: 'SELECT', rowCount: 1, fields: [], oid: 0 };
    },
    async connect() {
      if (delay) await delay();
      const c: FakeClient = {
        id: pool.clients.length,
        log: [],
        status: 'I',
        released: false,
        destroyed: false,
        releasedInTransaction: false,
      };
      pool.clients.push(c);
      return {
        async query(t: string | { text: string }) {
          const sql = typeof t === 'string' ? t : t.text;
          if (isProbe(sql)) return probe(sql);
          if (c.released) throw new Error(`client ${c.id} used after release`);
          if (delay) await delay();
          c.log.push(sql);
          const e = pool.fail?.(sql);
          const effect = transactionEffect(sql);
          if (e) {
            // a failed text inside a transaction leaves it (aborted) open; a failed COMMIT ends it
            if (effect === 'close') c.status = 'I';
            throw e;
          }
          if (effect === 'open') c.status = 'T';
          else if (effect === 'close') c.status = 'I';
          return { rows: [{ served: name }], command: 'SELECT', rowCount: 1, fields: [], oid: 0 };
        },
        release(err?: Error | boolean) {
          if (c.released) throw new Error('Release called on client which has already been released to the pool.');
          c.released = true;
          c.destroyed = err !== undefined && err !== false;
          if (!c.destroyed && c.status === 'T') c.releasedInTransaction = true;
        },
        getTransactionStatus: () => c.status,
        on() {},
        removeListener() {},
      };
    },
    on(event: string, listener: (e: Error) => void) {
      if (event === 'error') pool.errorListeners.push(listener);
      return api;
    },
    async end() {
      pool.ended = true;
    },
    get totalCount() {
      return pool.totalCount;
    },
    get idleCount() {
      return pool.idleCount;
    },
    get waitingCount() {
      return pool.waitingCount;
    },
  };
  return pool;
}
