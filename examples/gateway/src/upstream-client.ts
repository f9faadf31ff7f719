/** A small HTTP client for gateway → upstream calls: keep-alive sockets, a per-attempt timeout, the body as a string. */
import { Agent, request } from 'node:http';

/** The answer of one upstream attempt. */
export interface UpstreamResponse {
  status: number;
  body: string;
  contentType: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 64, keepAliveMsecs: 10_000 });

/**
 * Sends one request to `baseUrl + path`. Rejects on a connection error, a reset, or no answer within
 * `timeoutMs`; a 5xx answer resolves (the caller decides whether that counts as a failure).
 */
export function callUpstream(
  baseUrl: string,
  method: string,
  path: string,
  body: string | undefined,
  timeoutMs: number,
): Promise<UpstreamResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {};
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(body);
    }
    const req = request(`${baseUrl}${path}`, { method, agent, headers, timeout: timeoutMs }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        data += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data, contentType: String(res.headers['content-type'] ?? '') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`upstream did not answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Closes idle keep-alive sockets. */
export function closeUpstreamClient(): void {
  agent.destroy();
}
