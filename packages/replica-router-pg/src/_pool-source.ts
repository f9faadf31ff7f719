import { describeValue } from '@scaling/core/internal';
import type { ReplicaEndpoint } from '@scaling/replica-router';
import type { Pool, PoolConfig } from 'pg';
import pg from 'pg';

/** A `pg` pool, a `pg` pool config, or a connection string. */
export type PoolSource = Pool | PoolConfig | string;

/** A replica: a pool source, or one with an explicit `id` (default `replica-<index>`) and `weight`. */
export type ReplicaSource =
  | PoolSource
  | {
      /** The replica's id in the router (for stats, events and health marking). */
      id: string;
      /** The replica's pool: a `pg` pool, a pool config, or a connection string. */
      pool: PoolSource;
      /** The replica's relative share of reads (default 1). */
      weight?: number;
    };

/** A replica as the router sees it: its id and its pool. */
export interface PgReplica extends ReplicaEndpoint {
  /** The replica's `pg` pool. */
  readonly pool: Pool;
}

/**
 * A `pg` pool for `source`: the pool itself (not owned), or a new one from a config or a connection
 * string (owned: ended by `end()`).
 * @throws {TypeError} naming `name` for anything else.
 */
export function toPool(source: PoolSource, name: string): { pool: Pool; owned: boolean } {
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

/** The replicas as the router sees them, with their pools. @throws {TypeError} naming a bad entry. */
export function toReplicas(sources: readonly ReplicaSource[]): PgReplica[] {
  return sources.map((source, i): PgReplica => {
    const named = typeof source === 'object' && source !== null && 'pool' in source && typeof source.id === 'string';
    const p = toPool(named ? source.pool : (source as PoolSource), `replicas[${i}]`);
    return named ? { id: source.id, pool: p.pool, weight: source.weight ?? 1 } : { id: `replica-${i}`, pool: p.pool };
  });
}
