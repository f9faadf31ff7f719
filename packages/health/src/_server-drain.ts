/**
 * Closing an HTTP/1.1 server's keep-alive connections politely during a shutdown (the faults stoppable
 * and http-terminator were written for):
 *
 * - every response sent after the drain begins carries `Connection: close` — but on a socket with
 *   pipelined requests only the last known one does, so Node never drops a request it has already read;
 * - keep-alive sockets that are idle when the drain begins, or become idle during it, are closed at once
 *   (Node's own notion of idle: no request started on them; checked after the pending input was read, on
 *   `setImmediate`, so a request whose bytes already arrived is answered, not reset);
 * - a request in flight is answered; the response closes its connection.
 *
 * What stays: HTTP/1.1 lets either side close an idle connection, so a request a client sends while the
 * server is closing that very connection can still fail in transit — clients retry idempotent requests
 * (RFC 9112 §9.3.1); this is the same window every server has at `keepAliveTimeout`.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** Tracks one server's requests and closes its connections politely once {@link ServerDrain.begin} is called. @internal */
export class ServerDrain {
  readonly server: Server;
  readonly #track: () => () => void;
  /** Responses not yet closed. */
  readonly #open = new Set<ServerResponse>();
  /** The newest response of each socket (pipelined requests queue behind it). */
  readonly #latest = new WeakMap<Socket, ServerResponse>();
  /** Each response's own keep-alive decision, to give back when a pipelined request follows it. */
  readonly #keepAlive = new WeakMap<ServerResponse, boolean>();
  #draining = false;
  #idleSweep: NodeJS.Immediate | undefined;
  readonly #onRequest = (_req: IncomingMessage, res: ServerResponse) => this.#request(res);

  /**
   * @param server - the server to track.
   * @param track - marks one unit of in-flight work; returns the function that ends it.
   */
  constructor(server: Server, track: () => () => void) {
    this.server = server;
    this.#track = track;
    // First, so that a handler that answers synchronously already sees the decision.
    server.prependListener('request', this.#onRequest);
  }

  /** Stops tracking (the listener is removed). */
  detach(): void {
    this.server.removeListener('request', this.#onRequest);
  }

  /** From now on responses close their connections; idle keep-alive connections are closed at once. */
  begin(): void {
    if (this.#draining) return;
    this.#draining = true;
    for (const res of this.#open) this.#closeAfter(res);
    this.#sweepIdle();
  }

  #request(res: ServerResponse): void {
    const done = this.#track();
    this.#open.add(res);
    const socket = res.socket;
    if (socket !== null) {
      const previous = this.#latest.get(socket);
      this.#latest.set(socket, res);
      // A pipelined request follows: the previous response must keep the connection open for this one.
      if (this.#draining && previous !== undefined && !previous.headersSent && this.#open.has(previous))
        previous.shouldKeepAlive = this.#keepAlive.get(previous) ?? previous.shouldKeepAlive;
    }
    if (this.#draining) this.#closeAfter(res);
    res.once('close', () => {
      this.#open.delete(res);
      done();
      if (this.#draining) this.#sweepIdle();
    });
  }

  /** Makes `res` close its connection, unless its headers are out or a newer request shares its socket. */
  #closeAfter(res: ServerResponse): void {
    if (res.headersSent) return;
    const socket = res.socket;
    if (socket !== null && this.#latest.get(socket) !== res) return;
    this.#keepAlive.set(res, res.shouldKeepAlive);
    // Node then writes `Connection: close` and ends the socket after this response.
    res.shouldKeepAlive = false;
  }

  /** Closes the connections that are idle, once the input already received has been read. */
  #sweepIdle(): void {
    if (this.#idleSweep !== undefined) return;
    this.#idleSweep = setImmediate(() => {
      this.#idleSweep = undefined;
      this.server.closeIdleConnections();
    });
  }
}
