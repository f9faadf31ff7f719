import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestServer {
  readonly origin: string;
  /** Requests received so far. */
  readonly hits: IncomingMessage[];
  close(): Promise<void>;
}

/** Starts a loopback `node:http` server on a free port. */
export async function startServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  const hits: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A server answering 200 with `name` as the body. */
export const named = (name: string) => startServer((_req, res) => res.end(name));

/** An origin nothing listens on (a server started and closed). */
export async function deadOrigin(): Promise<string> {
  const s = await startServer(() => {});
  await s.close();
  return s.origin;
}

/** Closes everything in the list (for afterEach). */
export async function closeAll(list: { close(): Promise<void> }[]): Promise<void> {
  await Promise.all(list.splice(0).map((s) => s.close()));
}
