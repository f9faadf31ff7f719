import type { ReplicaSession } from '@scaling/replica-router';
import type { PoolClient } from 'pg';
import { isConnectionError } from './_connection-error.js';
import type { Routing } from './_routing.js';

const noop = (): void => {};

/**
 * Whether `client` is inside a transaction block by the server's last ReadyForQuery status (`T` in a
 * transaction, `E` in a failed one); `false` when this `pg` version does not say.
 */
export function inTransactionBlock(client: PoolClient): boolean {
  const status = (client as { getTransactionStatus?: () => string | null }).getTransactionStatus?.();
  return status === 'T' || status === 'E';
}

/**
 * Gives a primary connection back: destroyed (so the server rolls back whatever it held) when `error`
 * is set or the connection is still inside a transaction block — a connection never goes back to the
 * pool idle in transaction.
 */
export function giveBack(client: PoolClient, error?: Error, release: PoolClient['release'] = client.release): void {
  client.removeListener('error', noop);
  if (error === undefined && inTransactionBlock(client)) {
    release.call(client, new Error('connection released inside a transaction block: closed so the server rolls the transaction back'));
  } else release.call(client, error);
}

/** A primary connection that ignores its own idle `'error'` while we hold it (the pool handles it afterwards). */
export async function takePrimary(routing: Routing): Promise<PoolClient> {
  const client = await routing.primary.connect();
  client.on('error', noop);
  return client;
}

/**
 * Runs `fn` inside `BEGIN`…`COMMIT` on one primary connection; `ROLLBACK` when `fn` throws; then raises
 * `token`, when given, to the commit's position.
 */
export async function runTransaction<T>(
  routing: Routing,
  fn: (client: PoolClient) => Promise<T>,
  token: ReplicaSession | undefined,
): Promise<T> {
  const client = await takePrimary(routing);
  routing.primaryCount++;
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
    giveBack(client, broken);
    throw e;
  }
  giveBack(client);
  if (token !== undefined) await routing.recordWrite(token);
  return result;
}
