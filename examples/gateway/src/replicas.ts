/**
 * Optional replica routing: when DATABASE_URL (primary) and REPLICA_URLS are set, product reads go to
 * PostgreSQL through @scaling/replica-router-pg (reads to a replica within the lag limit, else the primary).
 * Without DATABASE_URL this part is off and the gateway reads products from the upstreams.
 */

/** A product row as the gateway serves it. */
export interface ProductRow {
  id: number;
  name: string;
  priceCents: number;
  /** Which database answered: `primary` or a replica id. */
  source: string;
}

/** Where product reads go when replica routing is on. */
export interface ProductSource {
  product(id: number): Promise<ProductRow | undefined>;
  /** One line: which primary and replicas, and the routing counts so far. */
  describe(): string;
  close(): Promise<void>;
}

export async function startReplicaRouting(
  databaseUrl: string | undefined,
  replicaUrls: string[] | undefined,
  log: (line: string) => void,
): Promise<ProductSource | undefined> {
  if (!databaseUrl) return undefined;
  void replicaUrls;
  log('replica routing: @scaling/replica-router-pg is not wired yet');
  return undefined;
}
