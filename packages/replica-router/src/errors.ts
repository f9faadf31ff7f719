import { ScalingError } from '@scaling/core';

/** Thrown by `forRead` when no replica is eligible and `fallback` is `'error'` (code `ERR_NO_REPLICA`). */
export class NoReplicaError extends ScalingError {
  constructor(message: string) {
    super('ERR_NO_REPLICA', message);
  }
  /** `'NoReplicaError'`. */
  override get name(): string {
    return 'NoReplicaError';
  }
}

/**
 * Thrown at construction when two replicas share an id, or a replica is the primary (code
 * `ERR_DUPLICATE_ENDPOINT`, as `@scaling/load-balancer` uses for duplicate endpoint ids).
 */
export class DuplicateReplicaError extends ScalingError {
  constructor(message: string) {
    super('ERR_DUPLICATE_ENDPOINT', message);
  }
  /** `'DuplicateReplicaError'`. */
  override get name(): string {
    return 'DuplicateReplicaError';
  }
}
