/**
 * Optional replica routing: when DATABASE_URL (the primary) is set — with REPLICA_URLS, comma-separated —
 * product reads go to PostgreSQL through @scaling/replica-router-pg: each read to a streaming replica that is
 * up and within the lag limit, else to the primary. Without DATABASE_URL this part is off and the gateway
 * reads products from the upstream services.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
 *   REPLICA_URLS=postgres://postgres@127.0.0.1:5433/postgres npm run demo
 */

/** A product row as the gateway serves it. */
export interface ProductRow {
  id: number;
  name: string;
  priceCents: number;
}

/** Where product reads go when replica routing is on. */
export interface ProductSource {
  product(id: number): Promise<ProductRow | undefined>;
  /** One line: the replicas and how many reads each database served so far. */
  describe(): string;
  close(): Promise<void>;
}

const TABLE = 'scaling_demo_products';

export async function startReplicaRouting(
  databaseUrl: string | undefined,
  replicaUrls: string[] | undefined,
  log: (line: string) => void,
): Promise<ProductSource | undefined> {
  if (!databaseUrl) return undefined;
  // Loaded only when asked for, so the demo runs without `pg` or a database.
  const { createReplicatedPool } = await import('@scaling/replica-router-pg');
  const replicas = (replicaUrls ?? []).map((url, i) => ({ id: `replica-${i + 1}`, pool: url }));
  const db = createReplicatedPool({ primary: databaseUrl, replicas, maxLagMs: 5_000, checkIntervalMs: 500 });
  try {
    // Writes (DDL, seeding) are classified as writes and go to the primary; replicas receive them by streaming.
    await db.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (id integer PRIMARY KEY, name text NOT NULL, price_cents integer NOT NULL)`);
    await db.query(
      `INSERT INTO ${TABLE} SELECT g, 'Product ' || g, 100 + (g * 7919) % 9900 FROM generate_series(1, 2000) AS g ON CONFLICT (id) DO NOTHING`,
    );
    await db.ready();
  } catch (error) {
    await db.end();
    throw new Error(`replica routing: cannot use DATABASE_URL (${error instanceof Error ? error.message : String(error)})`);
  }
  log(`replica routing on: primary + ${replicas.length} replica(s)`);
  return {
    async product(id) {
      const { rows } = await db.query<{ id: number; name: string; price_cents: number }>(
        `SELECT id, name, price_cents FROM ${TABLE} WHERE id = $1`,
        [id],
      );
      const row = rows[0];
      return row === undefined ? undefined : { id: row.id, name: row.name, priceCents: row.price_cents };
    },
    describe() {
      const s = db.stats();
      const perReplica = Object.entries(s.replicas).map(([id, r]) => `${id} ${r.reads}`);
      return `on — product reads through @scaling/replica-router-pg: ${[...perReplica, `primary ${s.primary}`].join(', ')}`;
    },
    close: () => db.end(),
  };
}
