import type { NoReplicaError } from './errors.js';
import type { ReplicaState } from './replica-state.js';

/** The message of a {@link NoReplicaError}: why each replica could not take a read at `minPosition`. */
export function explainNoReplica(states: readonly ReplicaState[], minPosition: number): string {
  const parts = states.map(
    (s) =>
      `${s.id}: ${s.reason === undefined ? `position ${s.position ?? '?'}` : `${s.reason.replace('-', ' ')}${s.detail === undefined ? '' : ` (${s.detail})`}`}`,
  );
  return `No replica is eligible${minPosition > 0 ? ` at position ≥ ${minPosition}` : ''} (${parts.join('; ') || 'no replicas'})`;
}
