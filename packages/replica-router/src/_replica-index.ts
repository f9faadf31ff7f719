import { describeValue } from '@scaling/core/internal';
import { DuplicateReplicaError } from './errors.js';
import type { ReplicaEndpoint } from './replica-balancer.js';

/**
 * Checks the replicas' ids and maps each id to its index.
 * @throws {TypeError} when a replica has no non-empty string `id`.
 * @throws {@link DuplicateReplicaError} when two replicas share an id or a replica is the primary.
 */
export function indexReplicas(replicas: readonly ReplicaEndpoint[], primary: unknown): Map<string, number> {
  const index = new Map<string, number>();
  const primaryId = typeof primary === 'object' ? (primary as { id?: unknown }).id : undefined;
  replicas.forEach((r, i) => {
    if (typeof r !== 'object' || r === null || typeof r.id !== 'string' || r.id === '')
      throw new TypeError(`Expected \`replicas[${i}].id\` to be a non-empty string, got ${describeValue(r?.id)}`);
    if (r.id === primaryId || (r as unknown) === primary)
      throw new DuplicateReplicaError(
        `Replica id ${JSON.stringify(r.id)} is the primary's id: the primary cannot also be one of its replicas`,
      );
    if (index.has(r.id)) throw new DuplicateReplicaError(`Duplicate replica id ${JSON.stringify(r.id)}`);
    index.set(r.id, i);
  });
  return index;
}
