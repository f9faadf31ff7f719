/**
 * HTTP integration shared by the Express middleware and the Fastify plugin: the client key, the IETF
 * `RateLimit` / `RateLimit-Policy` header fields (draft-ietf-httpapi-ratelimit-headers-10: Structured Field
 * lists of `"<policy>";q=<quota>;w=<window s>` and `"<policy>";r=<remaining>;t=<reset s>`), and `Retry-After`
 * on 429.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { assertBoolean, assertFunction, assertNonNegativeInteger, assertOptions, describeValue } from '@scaling/core/internal';
import type { RateLimitDecision, RateLimitRule } from './limits.js';
import type { RateLimiter } from './rate-limiter.js';

/** A request as both frameworks expose it: Node's `IncomingMessage` fields, plus what auth middleware adds. */
export interface HttpRequestLike {
  /** The request headers, lower-cased names (as Node's `IncomingMessage.headers`). */
  headers: IncomingMessage['headers'];
  /** The request's socket. */
  socket: {
    /** The client's IP address (`undefined` once the socket is destroyed); used by `'ip'` keys. */
    remoteAddress?: string | undefined;
  };
  /** Set by authentication middleware (passport, @fastify/jwt…); `'user'` keys use `user.id`. */
  user?: unknown;
}

/**
 * Whose quota a request spends: `'ip'` (default: the peer address, or the client address from
 * `X-Forwarded-For` when `trustProxy` says how many proxies to trust), `'user'` (`req.user.id`, falling back
 * to the IP for anonymous requests), or a function (return `undefined` to not limit the request).
 */
export type HttpKey<Req> = 'ip' | 'user' | ((req: Req) => string | undefined);

/** Options of {@link rateLimitMiddleware} and {@link rateLimitPlugin}. */
export interface HttpRateLimitOptions<Req> {
  /** Whose quota a request spends (default `'ip'`); see {@link HttpKey}. */
  key?: HttpKey<Req>;
  /**
   * How many reverse proxies in front of the app append to `X-Forwarded-For` (default 0: the header is
   * ignored, since any client can send it). With 1, the last address in the header is the client.
   */
  trustProxy?: number;
  /** Cost of a request (default 1), or a function of the request. */
  cost?: number | ((req: Req) => number);
  /** Send `RateLimit` and `RateLimit-Policy` on every limited response (default `true`). */
  headers?: boolean;
}

const HTTP_KEYS = ['key', 'trustProxy', 'cost', 'headers'];
const HTTP_HINTS = {
  keyGenerator: 'use `key: (req) => string`',
  windowMs: 'configure the limits on the RateLimiter',
  max: 'configure the limits on the RateLimiter',
  standardHeaders: 'use `headers` (IETF RateLimit and RateLimit-Policy)',
  legacyHeaders: 'use `headers` (IETF RateLimit and RateLimit-Policy)',
  addHeaders: 'use `headers`',
};

/** @internal The resolved options, shared by both integrations. */
export interface ResolvedHttp<Req> {
  keyOf(req: Req): string | undefined;
  costOf(req: Req): number;
  headers: boolean;
  policy: string;
}

/** @internal */
export function resolveHttp<Req extends HttpRequestLike>(
  where: string,
  limiter: RateLimiter,
  options?: HttpRateLimitOptions<Req>,
): ResolvedHttp<Req> {
  if (typeof limiter !== 'object' || limiter === null || typeof (limiter as RateLimiter).limit !== 'function') {
    throw new TypeError(`Expected \`limiter\` to be a RateLimiter, got ${describeValue(limiter)}`);
  }
  const o = assertOptions(where, options, HTTP_KEYS, HTTP_HINTS, true);
  const trust = o.trustProxy ?? 0;
  assertNonNegativeInteger('trustProxy', trust);
  const headers = o.headers ?? true;
  assertBoolean('headers', headers);
  const key = o.key ?? 'ip';
  let keyOf: (req: Req) => string | undefined;
  if (key === 'ip') keyOf = (req) => clientIp(req, trust);
  else if (key === 'user')
    keyOf = (req) => {
      const id = (req.user as { id?: unknown } | undefined)?.id;
      return id === undefined || id === null ? clientIp(req, trust) : `user:${String(id)}`;
    };
  else {
    assertFunction('key', key);
    keyOf = key;
  }
  const cost = o.cost ?? 1;
  let costOf: (req: Req) => number;
  if (typeof cost === 'function') costOf = cost;
  else {
    assertNonNegativeInteger('cost', cost);
    costOf = () => cost;
  }
  return { keyOf, costOf, headers, policy: policyHeader(limiter.rules) };
}

/**
 * The client address: the socket's peer, or with `trustProxy` = n > 0 the n-th address from the right of
 * `X-Forwarded-For` + the peer (each trusted proxy appends the address it received from).
 */
export function clientIp(req: HttpRequestLike, trustProxy = 0): string {
  const peer = req.socket.remoteAddress ?? '';
  if (trustProxy === 0) return peer;
  const header = req.headers['x-forwarded-for'];
  if (header === undefined) return peer;
  const hops = (Array.isArray(header) ? header.join(',') : header)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  hops.push(peer);
  return hops[Math.max(0, hops.length - 1 - trustProxy)] as string;
}

function sfString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The `RateLimit-Policy` field value for `rules`: `"<name>";q=<limit>;w=<period in s>` per limit. */
export function policyHeader(rules: readonly Readonly<Required<RateLimitRule>>[]): string {
  return rules.map((r) => `${sfString(r.name)};q=${r.limit};w=${Math.max(1, Math.ceil(r.periodMs / 1000))}`).join(', ');
}

/** The `RateLimit` field value for a decision: `"<name>";r=<remaining>;t=<seconds until reset>`. */
export function rateLimitHeader(d: RateLimitDecision): string {
  return `${sfString(d.rule.name)};r=${d.remaining};t=${Math.ceil(d.resetMs / 1000)}`;
}

/** `Retry-After` in whole seconds (at least 1 when the request must wait at all). */
export function retryAfterSeconds(d: RateLimitDecision): number {
  return Math.max(1, Math.ceil(d.retryAfterMs / 1000));
}

/** The body of a 429 response. */
export function tooManyRequestsBody(d: RateLimitDecision): string {
  return JSON.stringify({ error: 'Too Many Requests', retryAfterMs: Math.ceil(d.retryAfterMs), policy: d.rule.name });
}

/**
 * Express (4 and 5) and plain `node:http` middleware: decides per request, sets the headers, answers 429 with
 * `Retry-After` when refused, and calls `next()` otherwise (`next(error)` on a bad cost). No dependency on
 * Express: it uses Node's request and response only.
 *
 * @throws {TypeError} on an unknown option or a wrong type.
 * @example
 * ```ts no-run
 * import express from 'express';
 * import { RateLimiter, rateLimitMiddleware } from '@scaling/rate-limit';
 *
 * const app = express();
 * app.use(rateLimitMiddleware(new RateLimiter({ limits: { limit: 100, periodMs: 60_000 } }), { trustProxy: 1 }));
 * ```
 */
export function rateLimitMiddleware<Req extends IncomingMessage & HttpRequestLike = IncomingMessage & HttpRequestLike>(
  limiter: RateLimiter,
  options?: HttpRateLimitOptions<Req>,
): (req: Req, res: ServerResponse, next: (error?: unknown) => void) => void {
  const h = resolveHttp('rateLimitMiddleware options', limiter, options);
  return (req, res, next) => {
    const key = h.keyOf(req);
    if (key === undefined) return next();
    let cost: number;
    try {
      cost = h.costOf(req);
    } catch (e) {
      return next(e);
    }
    limiter.limit(key, cost).then((d) => {
      if (h.headers) {
        res.setHeader('RateLimit-Policy', h.policy);
        res.setHeader('RateLimit', rateLimitHeader(d));
      }
      if (d.allowed) return next();
      res.statusCode = 429;
      res.setHeader('Retry-After', String(retryAfterSeconds(d)));
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.end(tooManyRequestsBody(d));
    }, next);
  };
}

/** The Fastify request and reply methods {@link rateLimitPlugin} uses (structural, no dependency on Fastify). */
export interface FastifyLike {
  /** Registers the plugin's `onRequest` hook, which decides each request and answers 429 when refused. */
  addHook(
    name: 'onRequest',
    hook: (
      request: HttpRequestLike & { raw: IncomingMessage },
      reply: { header(name: string, value: string): unknown; code(status: number): unknown; send(body: string): unknown },
    ) => Promise<unknown>,
  ): unknown;
}

/** Options of {@link rateLimitPlugin}: the limiter plus {@link HttpRateLimitOptions}. */
export interface FastifyRateLimitOptions extends HttpRateLimitOptions<HttpRequestLike> {
  /** The limiter deciding every request of the instance the plugin is registered on. */
  limiter: RateLimiter;
}

/**
 * A Fastify (4, 5) plugin: an `onRequest` hook that decides per request, sets the headers and answers 429 with
 * `Retry-After` when refused. Registered without encapsulation (like `fastify-plugin`), so it limits every
 * route of the instance it is registered on. No dependency on Fastify.
 *
 * @example
 * ```ts no-run
 * import Fastify from 'fastify';
 * import { RateLimiter, rateLimitPlugin } from '@scaling/rate-limit';
 *
 * const app = Fastify();
 * await app.register(rateLimitPlugin, { limiter: new RateLimiter({ limits: { limit: 100, periodMs: 60_000 } }), key: 'user' });
 * ```
 */
export const rateLimitPlugin: ((fastify: FastifyLike, options: FastifyRateLimitOptions) => Promise<void>) & {
  [key: symbol]: unknown;
} = Object.assign(
  async (fastify: FastifyLike, options: FastifyRateLimitOptions): Promise<void> => {
    if (typeof options !== 'object' || options === null)
      throw new TypeError(`Expected \`options\` to be an object, got ${describeValue(options)}`);
    const { limiter, ...rest } = options;
    const h = resolveHttp('rateLimitPlugin options', limiter, rest);
    fastify.addHook('onRequest', async (request, reply) => {
      const key = h.keyOf(request);
      if (key === undefined) return;
      const d = await limiter.limit(key, h.costOf(request));
      if (h.headers) {
        reply.header('ratelimit-policy', h.policy);
        reply.header('ratelimit', rateLimitHeader(d));
      }
      if (d.allowed) return;
      reply.code(429);
      reply.header('retry-after', String(retryAfterSeconds(d)));
      reply.header('content-type', 'application/json; charset=utf-8');
      reply.send(tooManyRequestsBody(d));
      return reply;
    });
  },
  { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: '@scaling/rate-limit' },
);
