import { type JetStreamManager, RetentionPolicy } from '@nats-io/jetstream';
import type { JetStreamConfig } from './_jetstream-config.js';

/** Milliseconds in nanoseconds (JetStream's durations). */
export const ns = (ms: number): number => Math.round(ms * 1_000_000);

/**
 * Creates or updates the work-queue stream (`<subjectPrefix>.>`, `workqueue` retention, the idempotency
 * window as its duplicate window) and creates the dead-letter stream `<stream>_DEAD` when missing.
 */
export async function ensureStreams(jsm: JetStreamManager, o: JetStreamConfig): Promise<void> {
  const want = {
    subjects: [`${o.subjectPrefix}.>`],
    retention: RetentionPolicy.Workqueue,
    duplicate_window: ns(o.idempotencyWindowMs),
  };
  try {
    await jsm.streams.info(o.stream);
    await jsm.streams.update(o.stream, want);
  } catch {
    await jsm.streams.add({ name: o.stream, ...want });
  }
  const dead = { subjects: [`${o.subjectPrefix}-dead.>`] };
  try {
    await jsm.streams.info(`${o.stream}_DEAD`);
  } catch {
    await jsm.streams.add({ name: `${o.stream}_DEAD`, ...dead });
  }
}
