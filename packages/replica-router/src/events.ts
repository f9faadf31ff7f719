import type { ReplicaIneligibility } from './replica-state.js';

/**
 * Events of {@link ReplicaRouter} (subscribe with `router.on(event, listener)`, which returns an
 * unsubscribe function); each is also published on `node:diagnostics_channel` as
 * `scaling:replica-router:<event>` with the payload plus `source` (the router). See docs/events.md.
 */
export type ReplicaRouterEvents = {
  /**
   * A replica became eligible for reads (with no position requirement) or stopped being so: noticed
   * when a sample is reported, at `markDown`, and at `states()` (a sample that grew too old — with
   * health checks running, the next report notices it too).
   */
  eligibility: {
    /** The replica's id. */
    id: string;
    /** Whether it now receives reads. */
    eligible: boolean;
    /** Why not, when not eligible. */
    reason: ReplicaIneligibility | undefined;
  };
};

/** The event names of {@link ReplicaRouter}. @internal */
export const REPLICA_ROUTER_EVENTS = ['eligibility'] as const satisfies ReadonlyArray<keyof ReplicaRouterEvents>;
