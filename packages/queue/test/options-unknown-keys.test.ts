import { describe, expect, it } from 'vitest';
import { Queue } from '../src/index.js';

/** Every options object the package accepts, each as a function of the object under test. */
const sweep: Array<{ name: string; apply: (options: Record<string, unknown>) => unknown; valid: Record<string, unknown> }> = [
  { name: 'new Queue(options)', apply: (o) => new Queue(o as never), valid: { concurrency: 2 } },
  { name: 'rateLimit', apply: (o) => new Queue({ rateLimit: o as never }), valid: { limit: 1, intervalMs: 10 } },
  { name: 'retry', apply: (o) => new Queue({ retry: o as never }), valid: { attempts: 2 } },
  { name: 'add(task, options)', apply: (o) => new Queue().add(async () => {}, o as never), valid: { priority: 1 } },
  { name: 'tryAdd(task, options)', apply: (o) => new Queue().tryAdd(async () => {}, o as never), valid: { priority: 1 } },
  { name: 'addAll(tasks, options)', apply: (o) => new Queue().addAll([async () => {}], o as never), valid: { priority: 1 } },
  { name: 'close(options)', apply: (o) => new Queue().close(o as never), valid: { drain: false } },
];

/** Keys users bring from p-queue, fastq, Bottleneck, BullMQ and p-retry, with the hint each must carry. */
const hints: Array<{ where: string; key: string; value: unknown; hint: RegExp }> = [
  { where: 'new Queue(options)', key: 'intervalCap', value: 10, hint: /rateLimit: \{ limit, intervalMs \}/ },
  { where: 'new Queue(options)', key: 'interval', value: 1_000, hint: /rateLimit: \{ limit, intervalMs \}/ },
  { where: 'new Queue(options)', key: 'carryoverConcurrencyCount', value: true, hint: /sliding window/ },
  { where: 'new Queue(options)', key: 'carryoverIntervalCount', value: true, hint: /sliding window/ },
  { where: 'new Queue(options)', key: 'autoStart', value: false, hint: /`paused`/ },
  { where: 'new Queue(options)', key: 'timeout', value: 100, hint: /`timeoutMs`/ },
  { where: 'new Queue(options)', key: 'throwOnTimeout', value: true, hint: /ERR_TIMEOUT/ },
  { where: 'new Queue(options)', key: 'maxConcurrent', value: 2, hint: /`concurrency`/ },
  { where: 'new Queue(options)', key: 'minTime', value: 100, hint: /limit: 1, intervalMs: minTime/ },
  { where: 'new Queue(options)', key: 'highWater', value: 10, hint: /`maxQueued`/ },
  { where: 'new Queue(options)', key: 'strategy', value: 'leak', hint: /`whenFull/ },
  { where: 'new Queue(options)', key: 'reservoir', value: 10, hint: /rateLimit/ },
  { where: 'new Queue(options)', key: 'errorHandler', value: () => {}, hint: /`onFailed`/ },
  { where: 'new Queue(options)', key: 'retries', value: 3, hint: /retry: \{ attempts \}/ },
  { where: 'rateLimit', key: 'intervalCap', value: 1, hint: /use `limit`/ },
  { where: 'rateLimit', key: 'interval', value: 1, hint: /use `intervalMs`/ },
  { where: 'rateLimit', key: 'max', value: 1, hint: /use `limit`/ },
  { where: 'rateLimit', key: 'duration', value: 1, hint: /use `intervalMs`/ },
  { where: 'retry', key: 'retries', value: 3, hint: /use `attempts`/ },
  { where: 'retry', key: 'shouldRetry', value: () => true, hint: /retryIf/ },
  { where: 'retry', key: 'minTimeout', value: 10, hint: /exponentialBackoff/ },
  { where: 'add(task, options)', key: 'timeout', value: 100, hint: /`timeoutMs`/ },
  { where: 'add(task, options)', key: 'throwOnTimeout', value: true, hint: /ERR_TIMEOUT/ },
  { where: 'add(task, options)', key: 'id', value: 'x', hint: /signal/ },
  { where: 'add(task, options)', key: 'expiration', value: 10, hint: /`timeoutMs`/ },
  { where: 'close(options)', key: 'timeout', value: 100, hint: /`timeoutMs`/ },
  { where: 'close(options)', key: 'force', value: true, hint: /drain: false/ },
];

describe('every options object rejects unknown keys (kind: options silently ignored, issue 13 point 18)', () => {
  for (const { name, apply, valid } of sweep) {
    it(`${name}: an unknown key is a TypeError naming it; the valid keys still work`, () => {
      expect(() => apply({ ...valid, noSuchOption: 1 })).toThrow(TypeError);
      expect(() => apply({ ...valid, noSuchOption: 1 })).toThrow(/Unknown option `noSuchOption`/);
      const result = apply(valid);
      if (result instanceof Promise) result.catch(() => {});
    });

    it(`${name}: a non-object is a TypeError`, () => {
      expect(() => apply('fast' as never)).toThrow(TypeError);
    });
  }

  for (const { where, key, value, hint } of hints) {
    it(`${where}: \`${key}\` (from p-queue / fastq / Bottleneck / BullMQ / p-retry) names our option`, () => {
      const entry = sweep.find((s) => s.name === where);
      if (entry === undefined) throw new Error(`no sweep entry ${where}`);
      const call = () => entry.apply({ ...entry.valid, [key]: value });
      expect(call).toThrow(TypeError);
      expect(call).toThrow(new RegExp(`Unknown option \`${key}\``));
      expect(call).toThrow(hint);
    });
  }

  it('a queueClass whose instances lack a method is a TypeError naming queueClass', () => {
    class NoRemove {
      enqueue(): void {}
      dequeue(): undefined {
        return undefined;
      }
    }
    expect(() => new Queue({ queueClass: NoRemove as never })).toThrow(/`queueClass`.*`remove\(\)`/);
    expect(() => new Queue({ queueClass: 'heap' as never })).toThrow(/`queueClass`/);
  });

  it('a clock missing a method it is used for is a TypeError naming the method', () => {
    expect(() => new Queue({ clock: { now: () => 0, setTimeout: () => ({}) } as never })).toThrow(/`clock`.*`clearTimeout\(\)`/);
  });
});
