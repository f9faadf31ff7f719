// The HTTP cache conformance suite (github.com/http-tests/cache-tests), as published on npm as
// `http-cache-tests` (0.4.5 — older than the suite on cache-tests.fyi), run in one process against the
// caching reverse proxy and, in the same run, against undici's own cache interceptor (shared mode).
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, interceptors } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheInterceptor, createCachingProxy } from '../src/index.js';
import { plainFetch, runSuite, type SuiteRun, suiteDir, suiteVersion, totalPass } from './_conformance.js';

let origin: ChildProcess;
let originPort: number;

async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
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

function report(name: string, run: SuiteRun): void {
  console.log(`${name} (http-cache-tests ${suiteVersion}):`, JSON.stringify(run.counts), 'strict:', JSON.stringify(run.strict));
  if (Object.keys(run.requiredFailures).length > 0) console.log(`${name} required failures:`, JSON.stringify(run.requiredFailures));
}

describe(`HTTP cache conformance suite (http-cache-tests ${suiteVersion})`, () => {
  it('the caching proxy passes every required test, and more tests than undici’s cache interceptor', async () => {
    const proxy = createCachingProxy({ origin: `http://localhost:${originPort}` });
    const front = http.createServer(proxy.handler);
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    const plain = new Agent();
    const ours = await runSuite(`http://localhost:${(front.address() as AddressInfo).port}`, plainFetch(plain));
    proxy.close();
    front.closeAllConnections();
    front.close();
    await plain.close();

    const undiciAgent = new Agent();
    const undici = await runSuite(
      `http://localhost:${originPort}`,
      plainFetch(undiciAgent.compose(interceptors.cache({ type: 'shared' }))),
    );
    await undiciAgent.close();

    const oursAgent = new Agent();
    const client = await runSuite(`http://localhost:${originPort}`, plainFetch(oursAgent.compose(cacheInterceptor({ shared: true }))));
    await oursAgent.close();

    report('@scaling/http-cache proxy', ours);
    report('@scaling/http-cache cacheInterceptor (shared)', client);
    report('undici cache interceptor (shared)', undici);
    expect(ours.requiredFailures).toEqual({});
    expect(client.requiredFailures).toEqual({});
    expect(totalPass(ours)).toBeGreaterThan(totalPass(undici));
    expect(totalPass(client)).toBeGreaterThan(totalPass(undici));
  }, 180_000);
});
