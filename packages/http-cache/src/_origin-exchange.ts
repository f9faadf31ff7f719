// The engine's side of an origin request: the request itself with its instrumentation (counters, the
// `requestDuration` histogram, the `scaling:http-cache:fetch` tracing channel), relaying an origin
// response to the client as it is, and the error responses the cache generates itself.
import { tracingChannel } from 'node:diagnostics_channel';
import type { Histogram } from '@scaling/core';
import type { EngineCounters } from './_engine-counters.js';
import type { OriginFetchContext } from './engine-options.js';
import type { HeaderMap } from './headers.js';
import type { CacheStatus } from './serve.js';
import type { CacheRequest, OriginFetch, OriginResponse, ResponseSink } from './sink.js';
import { stripHeaders } from './storability.js';
import { streamAndCollect } from './stream-store.js';

const fetchChannel = tracingChannel<unknown, OriginFetchContext>('scaling:http-cache:fetch');

/**
 * Sends requests to the origin for one engine and writes the responses that do not come from the store:
 * counts `originRequests`, `revalidations`, `originErrors` and the `inflight` gauge, records the time to
 * the response head in `requestDuration` (ms), and traces each request on `scaling:http-cache:fetch`
 * (only when subscribed).
 */
export class OriginExchange {
  readonly #c: EngineCounters;
  readonly #duration: Histogram;
  readonly #statusHeader: string | undefined;
  readonly #responseStrip: ReadonlySet<string>;

  /**
   * @param counters the engine's counters (counted in place).
   * @param duration the engine's `requestDuration` histogram (ms).
   * @param statusHeader the cache-status field (`x-cache`), `undefined` for none.
   * @param responseStrip the fields never relayed to the client (hop-by-hop, the surrogate-key field).
   */
  constructor(counters: EngineCounters, duration: Histogram, statusHeader: string | undefined, responseStrip: ReadonlySet<string>) {
    this.#c = counters;
    this.#duration = duration;
    this.#statusHeader = statusHeader;
    this.#responseStrip = responseStrip;
  }

  /** Calls `fetch` with `headers`; resolves with the response head, rejects (counted) when the origin cannot be reached. */
  async origin(
    req: CacheRequest,
    fetch: OriginFetch,
    headers: HeaderMap,
    conditional: boolean,
    background: boolean,
  ): Promise<OriginResponse> {
    this.#c.originRequests++;
    if (conditional) this.#c.revalidations++;
    this.#c.inflight++;
    const start = performance.now();
    try {
      if (!fetchChannel.hasSubscribers) return await fetch(headers);
      const context: OriginFetchContext = { key: req.key, method: req.method, conditional, background };
      return await fetchChannel.tracePromise(async () => {
        const response = await fetch(headers);
        context.status = response.status;
        return response;
      }, context);
    } catch (error) {
      this.#c.originErrors++;
      throw error;
    } finally {
      this.#c.inflight--;
      this.#duration.record(Math.max(performance.now() - start, 1e-3));
    }
  }

  /** Answers `sink` with an error the cache generates (`text` as a `text/plain` body), marked `ERROR`. */
  error(sink: ResponseSink, status: number, text: string): void {
    const headers: HeaderMap = { 'content-type': 'text/plain', 'content-length': String(text.length) };
    if (this.#statusHeader !== undefined) headers[this.#statusHeader] = 'ERROR';
    sink.writeHead(status, headers);
    sink.end(Buffer.from(text));
  }

  /** Relays an origin response to `sink` without storing it (hop-by-hop fields dropped). */
  pipe(sink: ResponseSink, result: OriginResponse, status: CacheStatus): void {
    const headers = stripHeaders(result.headers, this.#responseStrip);
    if (this.#statusHeader !== undefined) headers[this.#statusHeader] = status;
    sink.writeHead(result.status, headers);
    void streamAndCollect(result.body, sink, -1);
  }
}
