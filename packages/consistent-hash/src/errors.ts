import { ScalingError } from '@scaling/core';

/** Thrown by `addNode` when the node is already present (code `ERR_DUPLICATE_NODE`). */
export class DuplicateNodeError extends ScalingError {
  /** @param node - the duplicate name. */
  constructor(node: string) {
    super('ERR_DUPLICATE_NODE', `Node ${JSON.stringify(node)} is already present`);
  }
  override get name(): string {
    return 'DuplicateNodeError';
  }
}

/** Thrown by `getNode` (and `BoundedLoadHash.acquire`) when there are no nodes (code `ERR_NO_NODES`). */
export class NoNodesError extends ScalingError {
  constructor() {
    super('ERR_NO_NODES', 'There are no nodes to map the key to');
  }
  override get name(): string {
    return 'NoNodesError';
  }
}

/** Thrown by `JumpHash.removeNode` for any node but the last added (code `ERR_UNSUPPORTED_REMOVAL`). */
export class UnsupportedRemovalError extends ScalingError {
  /** @param message - which node could not be removed, and what to use instead. */
  constructor(message: string) {
    super('ERR_UNSUPPORTED_REMOVAL', message);
  }
  override get name(): string {
    return 'UnsupportedRemovalError';
  }
}

/**
 * Thrown when a user callback (a custom ring hash, a strategy hook) calls back into a structure that is in
 * the middle of rebuilding itself (code `ERR_REENTRANT_CALL`). The structure stays usable: the call can be
 * made again once the callback has returned.
 */
export class ReentrantCallError extends ScalingError {
  /** @param message - what was called, and from where. */
  constructor(message: string) {
    super('ERR_REENTRANT_CALL', message);
  }
  override get name(): string {
    return 'ReentrantCallError';
  }
}
