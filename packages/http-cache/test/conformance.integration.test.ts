// The HTTP cache conformance suite (github.com/http-tests/cache-tests), as published on npm as
// `http-cache-tests` 0.4.5 — older than the suite on cache-tests.fyi — run against the caching reverse
// proxy and, in the same run, against undici's cache interceptor in shared mode.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Agent, type Dispatcher, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCachingProxy } from '../src/index.js';

interface SuiteTest {
  id: string;
  kind?: 'required' | 'optimal' | 'check';
  browser_only?: boolean;
}
interface Suite {
  tests: SuiteTest[];
}
type Counts = Record<string, { pass: number; fail: number; total: number }>;

const suiteDir = dirname(createRequire(import.meta.url).resolve('http-cache-tests/package.json'));
const load = async <T>(path: string): Promise<T> => (await import(pathToFileURL(join(suiteDir, path)).href)) as T;

let origin: ChildProcess;
let originPort: number;

async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A client that adds no headers of its own (WHATWG fetch adds `Cache-Control: no-cache` to conditional requests). */
async function plainFetch(dispatcher: Dispatcher, url: string, init: RequestInit = {}): Promise<Response> {
  const headers: string[] = [];
  for (const [k, v] of new Headers(init.headers ?? {})) headers.push(k, v);
  const method = (init.method ?? 'GET') as Dispatcher.HttpMethod;
  const res = await request(url, { method, headers, body: init.body as string | undefined, dispatcher });
  const body = Buffer.from(await res.body.arrayBuffer());
  const out = new Headers();
  for (const [k, v] of Object.entries(res.headers)) {
    if (Array.isArray(v)) for (const x of v) out.append(k, x);
    else if (v !== undefined) out.append(k, v);
  }
  const noBody = [204, 205, 304].includes(res.statusCode) || method === 'HEAD';
  return new Response(noBody ? null : body, { status: res.statusCode, headers: out });
}

/** Runs the whole suite once against `base` through `fetchFn` and counts passes per kind. */
async function runSuite(
  base: string,
  fetchFn: typeof plainFetch extends (d: never, ...a: infer A) => infer R ? (...a: A) => R : never,
): Promise<Counts> {
  const runner = await load<{ runTests: (...a: unknown[]) => Promise<void>; getResults: () => Record<string, unknown> }>(
    'client/runner.mjs',
  );
  const tests = (await load<{ default: Suite[] }>('tests/index.mjs')).default;
  await runner.runTests(tests, fetchFn, false, base);
  const results = runner.getResults();
  const counts: Counts = {};
  for (const suite of tests) {
    for (const t of suite.tests) {
      if (t.browser_only) continue;
      const kind = t.kind ?? 'required';
      counts[kind] ??= { pass: 0, fail: 0, total: 0 };
      const c = counts[kind];
      if (results[t.id] === true) c.pass++;
      else c.fail++;
      c.total++;
    }
  }
  return counts;
}

/** undici's counts, from a separate process: the suite's runner keeps its results in module state. */
function undiciCounts(base: string): Promise<Counts> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [join(import.meta.dirname, '_undici-conformance.mjs'), suiteDir, base],
      { cwd: import.meta.dirname, timeout: 60_000 },
      (error, stdout) => (error ? reject(error) : resolve(JSON.parse(stdout) as Counts)),
    );
  });
}

beforeAll(async () => {
  originPort = await freePort();
  origin = spawn(process.execPath, [join(suiteDir, 'server/server.mjs')], {
    cwd: suiteDir,
    env: {
      ...process.env,
      npm_package_config_protocol: 'http',
      npm_package_config_port: String(originPort),
      npm_package_config_pidfile: join(tmpdir(), `http-cache-tests-${process.pid}.pid`),
    },
    stdio: 'ignore',
  });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      http.get(`http://127.0.0.1:${originPort}/`, (res) => resolve(res.resume() !== undefined)).on('error', () => resolve(false));
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 100));
  }
});

afterAll(() => {
  origin?.kill();
});

describe('HTTP cache conformance suite (http-cache-tests 0.4.5)', () => {
  it('the caching proxy passes more tests than undici’s cache interceptor', async () => {
    const proxy = createCachingProxy({ origin: `http://localhost:${originPort}` });
    const front = http.createServer(proxy.handler);
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    const plain = new Agent();
    const ours = await runSuite(`http://localhost:${(front.address() as AddressInfo).port}`, (url, init) => plainFetch(plain, url, init));
    proxy.close();
    front.closeAllConnections();
    front.close();
    await plain.close();

    const undici = await undiciCounts(`http://localhost:${originPort}`);

    const total = (c: Counts): number => Object.values(c).reduce((s, k) => s + k.pass, 0);
    console.log('@scaling/http-cache', JSON.stringify(ours));
    console.log('undici cache interceptor (shared)', JSON.stringify(undici));
    expect(total(ours)).toBeGreaterThan(total(undici));
    // Known required failures (9): 4 age-parse list cases, 4 stale-close-* (a 502 carries no test headers),
    // partial-use-headers (206 is not stored). Guard against regressions below that.
    expect(ours.required?.pass).toBeGreaterThanOrEqual(148);
  }, 120_000);
});
