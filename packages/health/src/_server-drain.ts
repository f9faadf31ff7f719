/**
 * Closing an HTTP/1.1 server's keep-alive connections politely during a shutdown (the faults stoppable
 * and http-terminator were written for):
 *
 * - every response sent after the drain begins carries `Connection: close` — but on a socket with
 *   pipelined requests only the last known one does, so Node never drops a request it has already read;
 * - keep-alive connections that are idle when the drain begins, or become idle during it, are closed at
 *   once — by Node's own notion of idle (no request started on them), judged only after the input already
 *   received has been read, so a request whose bytes arrived is answered, not reset;
 * - a request in flight is answered; its response closes the connection;
 * - the server stops listening the same way: its `close()` also closes the idle connections.
 *
 * What stays: HTTP/1.1 lets either side close an idle connection, so a request a remote client sends
 * while the server closes that very connection can still fail in transit — clients retry idempotent
 * requests (RFC 9112 §9.3.1); this is the window every server has at `keepAliveTimeout`.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Runs `fn` two turns of the event loop later: the first poll phase reads what was already received, the
 * second what a client on this machine wrote in reply to the last response before the drain began. Only
 * then is a connection with no request started really idle.
 */
function afterPendingInput(fn: () => void): void {
  setImmediate(() => setImmediate(fn));
}

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
  #idleSweep = false;
  readonly #onRequest = (req: IncomingMessage, res: ServerResponse) => this.#request(req.socket, res);

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

  /**
   * Stops accepting connections, after reading the input already received (Node's `close()` also closes
   * the idle connections). `stopped` resolves once the server no longer listens, `closed` once its last
   * connection ended.
   */
  stopAccepting(): { stopped: Promise<void>; closed: Promise<void> } {
    let stop!: () => void;
    const stopped = new Promise<void>((r) => {
      stop = r;
    });
    const closed = new Promise<void>((resolve) => {
      if (!this.server.listening) {
        stop();
        resolve();
        return;
      }
      afterPendingInput(() => {
        if (this.server.listening) this.server.close(() => resolve());
        else resolve();
        stop();
      });
    });
    return { stopped, closed };
  }

  #request(socket: Socket | null, res: ServerResponse): void {
    const done = this.#track();
    this.#open.add(res);
    // (`res.socket` is null while a pipelined response waits for the ones before it; `req.socket` is not.)
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
    const socket = res.req.socket;
    if (socket !== null && this.#latest.get(socket) !== res) return;
    this.#keepAlive.set(res, res.shouldKeepAlive);
    // Node then writes `Connection: close` and ends the socket after this response.
    res.shouldKeepAlive = false;
  }

  /** Closes the connections that are idle, once the input already received has been read. */
  #sweepIdle(): void {
    if (this.#idleSweep) return;
    this.#idleSweep = true;
    afterPendingInput(() => {
      this.#idleSweep = false;
      this.server.closeIdleConnections();
    });
  }
}
