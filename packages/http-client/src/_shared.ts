// The state the exchanges (requests) of one balanced dispatcher share: the endpoint members with their pools
// and counters, the dispatcher-wide counters, and the retry and hedging settings in effect. One object per
// dispatcher, made by its constructor and read by every exchange and attempt.
import type { TracingChannel } from 'node:diagnostics_channel';
import type { Histogram } from '@scaling/core';
import type { Emitter } from '@scaling/core/internal';
import type { OutlierDetector } from '@scaling/health';
import type { LoadBalancer } from '@scaling/load-balancer';
import type { RetryBudget } from '@scaling/resilience';
import type { Pool } from 'undici';
import type { HedgeDelay } from './_hedge-delay.js';
import type {
  AttemptResult,
  BalancedDispatcherEvents,
  BalancedDispatcherStats,
  BalancedRequestTrace,
  EndpointStats,
  HttpEndpoint,
} from './types.js';

/** One endpoint of the dispatcher: its pool, and the counters of its {@link EndpointStats} it keeps itself. */
export interface Member extends Pick<EndpointStats, 'requests' | 'failures' | 'retries' | 'hedges' | 'ejections' | 'active'> {
  readonly endpoint: HttpEndpoint;
  readonly pool: Pool;
  readonly duration: Histogram;
}

/** Hedging settings in effect. */
export interface HedgeSettings {
  readonly delay: HedgeDelay;
  readonly maxHedges: number;
  readonly budget: RetryBudget | undefined;
  /** What happens to an attempt a hedged twin beat: read to its end and discarded, or aborted. */
  readonly loser: 'drain' | 'abort';
}

/** Dispatcher-wide counters: the numbers of {@link BalancedDispatcherStats} the dispatcher keeps itself. */
export type Counters = Omit<BalancedDispatcherStats, 'delayMs' | 'requestDuration' | 'endpoints'>;

/** What the exchanges of one dispatcher share (one object, made by the dispatcher). */
export interface Shared {
  readonly balancer: LoadBalancer<HttpEndpoint>;
  readonly detector: OutlierDetector | undefined;
  readonly members: Map<string, Member>;
  readonly isFailure: (r: AttemptResult) => boolean;
  readonly maxAttempts: number;
  readonly budget: RetryBudget | undefined;
  readonly hedge: HedgeSettings | undefined;
  readonly attemptTimeoutMs: number | undefined;
  readonly timeoutMs: number | undefined;
  readonly deadlineHeader: string | undefined;
  readonly counters: Counters;
  readonly duration: Histogram;
  readonly events: Emitter<BalancedDispatcherEvents>;
  readonly trace: TracingChannel<unknown, BalancedRequestTrace & object>;
}
