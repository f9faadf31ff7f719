/**
 * Collects what `node:diagnostics_channel` channels publish while a test runs: `listen(name)` subscribes,
 * `seen` holds each channel's messages; everything is unsubscribed and cleared after each test, and so is
 * anything a test pushes onto `cleanups`.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach } from 'vitest';

export function channelSpy(): { seen: Map<string, object[]>; listen: (name: string) => void; cleanups: (() => void)[] } {
  const seen = new Map<string, object[]>();
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
    seen.clear();
  });
  function listen(name: string): void {
    const fn = (message: unknown): void => {
      seen.set(name, [...(seen.get(name) ?? []), message as object]);
    };
    subscribe(name, fn);
    cleanups.push(() => unsubscribe(name, fn));
  }
  return { seen, listen, cleanups };
}
