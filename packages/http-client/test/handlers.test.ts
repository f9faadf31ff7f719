import type { Dispatcher } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { hasHeader, isReplayable, withHeader } from '../src/_endpoints.js';
import { createBalancedDispatcher } from '../src/index.js';
import { closeAll, named, startServer } from './_servers.js';

const open: { close(): Promise<void> }[] = [];
afterEach(() => closeAll(open));

describe('undici handler styles and request shapes', () => {
  it('serves a new-style handler (onRequestStart … onResponseEnd) with pause and resume', async () => {
    const server = await startServer((req, res) => res.end(`hello ${req.headers['x-a']}`));
    open.push(server);
    const dispatcher = createBalancedDispatcher({ endpoints: [server.origin], timeoutMs: 5_000 });
    open.push(dispatcher);
    const events: string[] = [];
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart(controller) {
          events.push(`start aborted=${controller.aborted} paused=${controller.paused} reason=${controller.reason}`);
        },
        onResponseStart(controller, status) {
          events.push(`status ${status}`);
          controller.pause();
          expect(controller.paused).toBe(true);
          setTimeout(() => controller.resume(), 5);
        },
        onResponseData(_c, chunk) {
          chunks.push(chunk);
        },
        onResponseEnd() {
          events.push('end');
          resolve();
        },
        onResponseError(_c, error) {
          reject(error);
        },
      };
      dispatcher.dispatch({ origin: 'http://svc', path: '/', method: 'GET', headers: [['x-a', '1']] as never }, handler);
    });
    expect(events).toEqual(['start aborted=false paused=false reason=null', 'status 200', 'end']);
    expect(Buffer.concat(chunks).toString()).toBe('hello 1');
  });

  it("serves Node's built-in fetch (the legacy handler style)", async () => {
    const server = await named('builtin');
    open.push(server);
    const dispatcher = createBalancedDispatcher({ endpoints: [server.origin] });
    open.push(dispatcher);
    const res = await fetch('http://svc/', { dispatcher } as unknown as RequestInit); // Node's bundled undici types differ
    expect(await res.text()).toBe('builtin');
  });

  it('a new-style handler that aborts in onRequestStart gets the reason back', async () => {
    const server = await named('x');
    open.push(server);
    const dispatcher = createBalancedDispatcher({ endpoints: [server.origin] });
    open.push(dispatcher);
    const reason = new Error('not today');
    const error = await new Promise<Error>((resolve) => {
      dispatcher.dispatch(
        { origin: 'http://svc', path: '/', method: 'GET' },
        {
          onRequestStart: (c) => c.abort(reason),
          onResponseError: (_c, e) => resolve(e),
        },
      );
    });
    expect(error).toBe(reason);
    expect(server.hits).toHaveLength(0);
  });

  it('rejects CONNECT and upgrade requests with a clear error', async () => {
    const dispatcher = createBalancedDispatcher({ endpoints: ['http://127.0.0.1:1'] });
    open.push(dispatcher);
    for (const options of [
      { origin: 'http://svc', path: '/', method: 'CONNECT' },
      { origin: 'http://svc', path: '/', method: 'GET', upgrade: 'websocket' },
    ] as Dispatcher.DispatchOptions[]) {
      const error = await new Promise<Error>((resolve) => dispatcher.dispatch(options, { onError: resolve }));
      expect(error.message).toMatch(/does not support CONNECT or upgrade/);
    }
  });

  it('close and destroy accept callbacks', async () => {
    const a = createBalancedDispatcher({ endpoints: ['http://127.0.0.1:1'] });
    await new Promise<void>((resolve) => a.close(resolve));
    const b = createBalancedDispatcher({ endpoints: ['http://127.0.0.1:1'] });
    await new Promise<void>((resolve) => b.destroy(new Error('bye'), resolve));
    const c = createBalancedDispatcher({ endpoints: ['http://127.0.0.1:1'] });
    await c.destroy();
  });

  it('reads and rewrites headers in every shape undici accepts', () => {
    expect(withHeader(undefined, 'x-d', '5')).toEqual(['x-d', '5']);
    expect(withHeader(['a', '1', 'X-D', 'old'], 'x-d', '5')).toEqual(['a', '1', 'x-d', '5']);
    expect(withHeader([['a', '1']], 'x-d', '5')).toEqual(['a', '1', 'x-d', '5']);
    expect(withHeader(new Map([['a', '1']]), 'x-d', '5')).toEqual(['a', '1', 'x-d', '5']);
    expect(withHeader({ a: ['1', '2'], b: undefined, 'X-D': '9' }, 'x-d', '5')).toEqual(['a', '1', 'a', '2', 'x-d', '5']);
    expect(hasHeader(undefined, 'k')).toBe(false);
    expect(hasHeader(['K', 'v'], 'k')).toBe(true);
    expect(hasHeader(['a', 'v'], 'k')).toBe(false);
    expect(hasHeader([['K', 'v']], 'k')).toBe(true);
    expect(hasHeader(new Map([['K', 'v']]), 'k')).toBe(true);
    expect(hasHeader(new Map([['a', 'v']]), 'k')).toBe(false);
    expect(hasHeader({ K: 'v' }, 'k')).toBe(true);
    expect(isReplayable(null)).toBe(true);
    expect(isReplayable('s')).toBe(true);
    expect(isReplayable(new Uint8Array(1))).toBe(true);
    expect(isReplayable(new ArrayBuffer(1))).toBe(true);
    expect(isReplayable((async function* () {})())).toBe(false);
  });
});
