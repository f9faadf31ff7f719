// The engine's contracts with its entry points: the request, the response sink, the origin fetch.
import type { Readable } from 'node:stream';
import type { HeaderMap } from './headers.js';

/**
 * Where the engine writes a response: a `node:http` `ServerResponse` fits as is; the Express, Fastify and
 * undici entry points adapt theirs. Header names are lower-case.
 */
export interface ResponseSink {
  /** Sends the status line and header fields. */
  writeHead(status: number, headers: HeaderMap): unknown;
  /** Sends a body chunk. */
  write(chunk: Buffer): unknown;
  /** Ends the response, after an optional last chunk. */
  end(chunk?: Buffer): unknown;
  /** Aborts the response (the body was cut short). */
  destroy(error?: Error): unknown;
}

/** A request as the engine sees it. */
export interface CacheRequest {
  /** Upper-case method. */
  method: string;
  /** The primary cache key: path and query for one origin (`'/a?b=1'`), or the absolute URL for many. */
  key: string;
  /** The request header fields, lower-case names. */
  headers: HeaderMap;
}

/** A response from the origin: status, header fields and the body as a stream of `Buffer`s. */
export interface OriginResponse {
  /** The status code. */
  status: number;
  /** The header fields, lower-case names (a repeated `Age` as an array: see `parseAge`). */
  headers: HeaderMap;
  /** The body. */
  body: Readable;
}

/**
 * Sends the request to the origin with `headers` (the client's, minus hop-by-hop fields, plus the
 * cache's validators when it revalidates) and resolves with the response head; rejects when the origin
 * cannot be reached.
 */
export type OriginFetch = (headers: HeaderMap) => Promise<OriginResponse>;
