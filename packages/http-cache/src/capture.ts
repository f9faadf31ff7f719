// Capturing what an Express/Fastify route writes to its `ServerResponse`, as an origin response for the engine.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import type { HeaderMap } from './headers.js';
import type { OriginResponse, ResponseSink } from './sink.js';

type Write = ServerResponse['write'];
type End = ServerResponse['end'];
type WriteHead = ServerResponse['writeHead'];

/**
 * Puts an in-process app behind the engine: `start()` diverts what the app writes to `res` (status,
 * headers, body) into an {@link OriginResponse}, and `sink` writes the engine's answer with `res`'s own
 * methods. Used by the Express middleware and the Fastify plugin, where "the origin" is the app's handler.
 */
export class ResponseCapture {
  /** Writes the engine's answer to `res` with its own (unpatched) methods. */
  readonly sink: ResponseSink;
  readonly #res: ServerResponse;
  readonly #writeHead: WriteHead;
  readonly #write: Write;
  readonly #end: End;
  #captured = false;

  constructor(res: ServerResponse, beforeWrite?: () => void) {
    this.#res = res;
    this.#writeHead = res.writeHead;
    this.#write = res.write;
    this.#end = res.end;
    this.sink = {
      // The route's `writeHead`/`write`/`end` stay diverted after the engine wrote the head: a route that
      // answers in several steps (`res.write` then a later `res.end`, a piped file) keeps feeding the
      // captured body, which is how it reaches the client and the store (new-user review, 2026-12).
      writeHead: (status, headers) => {
        beforeWrite?.();
        for (const name of res.getHeaderNames()) res.removeHeader(name);
        return this.#writeHead.call(res, status, headers as Parameters<WriteHead>[1]);
      },
      write: (chunk) => (this.#write as (c: Buffer) => boolean).call(res, chunk),
      end: (chunk) => (this.#end as (c?: Buffer) => ServerResponse).call(res, chunk),
      destroy: (error) => res.destroy(error),
    };
  }

  /**
   * Sets `req`'s fields to `headers` (what the engine forwards: its validators when it revalidates), runs
   * `next` (the app), and resolves with the response head the app writes; the body follows on `body`.
   */
  start(req: IncomingMessage, headers: HeaderMap, next: () => void): Promise<OriginResponse> {
    const res = this.#res;
    req.headers = { ...headers, host: req.headers.host } as IncomingMessage['headers'];
    const body = new PassThrough();
    // The engine listens for errors on the body it streams; one it drops (a 304, a 5xx answered stale) must not throw.
    body.on('error', () => undefined);
    return new Promise<OriginResponse>((resolve, reject) => {
      // The response closing before the route ended it (the client left, the app destroyed the socket, a
      // handler failed after the head was sent) ends the capture like an origin failure: before the head,
      // the origin fetch rejects; after it, the body errors (never stored). Either way the engine releases
      // the requests waiting on this fetch.
      res.once('close', () => {
        if (!this.#captured) reject(new Error('the response closed before the route answered'));
        else if (!body.writableEnded) body.destroy(new Error('the response closed before the route ended it'));
      });
      const head = (): void => {
        if (this.#captured) return;
        this.#captured = true;
        const out: HeaderMap = {};
        const raw = res.getHeaders();
        for (const name of Object.keys(raw)) {
          const v = raw[name];
          if (v !== undefined) out[name] = Array.isArray(v) ? v.map(String) : String(v);
        }
        resolve({ status: res.statusCode, headers: out, body });
      };
      res.writeHead = ((status: number, reason?: unknown, fields?: unknown): ServerResponse => {
        res.statusCode = status;
        const h = typeof reason === 'string' ? fields : reason;
        if (Array.isArray(h)) {
          for (let i = 0; i + 1 < h.length; i += 2) res.setHeader(String(h[i]), h[i + 1] as string);
        } else if (h !== null && typeof h === 'object') {
          for (const [k, v] of Object.entries(h as Record<string, string | string[] | number | undefined>)) {
            if (v !== undefined) res.setHeader(k, v);
          }
        }
        head();
        return res;
      }) as WriteHead;
      const toBuffer = (chunk: unknown, encoding: unknown): Buffer =>
        Buffer.isBuffer(chunk)
          ? chunk
          : chunk instanceof Uint8Array
            ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
            : Buffer.from(String(chunk), typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
      res.write = ((chunk: unknown, encoding?: unknown, cb?: unknown): boolean => {
        head();
        if (!body.writableEnded && !body.destroyed) body.write(toBuffer(chunk, encoding));
        const done = typeof encoding === 'function' ? encoding : cb;
        if (typeof done === 'function') process.nextTick(done as () => void);
        // Backpressure from the client's socket: `res` emits 'drain' itself once the engine's writes drained.
        return !res.writableNeedDrain;
      }) as Write;
      res.end = ((chunk?: unknown, encoding?: unknown, cb?: unknown): ServerResponse => {
        head();
        if (!body.writableEnded && !body.destroyed) {
          if (chunk !== undefined && chunk !== null && typeof chunk !== 'function') body.write(toBuffer(chunk, encoding));
          body.end();
        }
        const done = typeof chunk === 'function' ? chunk : typeof encoding === 'function' ? encoding : cb;
        if (typeof done === 'function') res.once('finish', done as () => void);
        return res;
      }) as End;
      next();
    });
  }
}
