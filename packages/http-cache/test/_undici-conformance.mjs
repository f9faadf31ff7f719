// Runs http-cache-tests against undici's cache interceptor (shared mode) in its own process (the suite's
// runner keeps results in module state) and prints the pass counts per kind as JSON.
// Usage: node _undici-conformance.mjs <suiteDir> <originBaseUrl>
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Agent, interceptors, request } from 'undici';

const [suiteDir, base] = process.argv.slice(2);
const load = (p) => import(pathToFileURL(join(suiteDir, p)).href);
const dispatcher = new Agent().compose(interceptors.cache({ type: 'shared' }));

async function plainFetch(url, init = {}) {
  const headers = [];
  for (const [k, v] of new Headers(init.headers ?? {})) headers.push(k, v);
  const method = init.method ?? 'GET';
  const res = await request(url, { method, headers, body: init.body, dispatcher });
  const body = Buffer.from(await res.body.arrayBuffer());
  const out = new Headers();
  for (const [k, v] of Object.entries(res.headers)) {
    if (Array.isArray(v)) for (const x of v) out.append(k, x);
    else if (v !== undefined) out.append(k, v);
  }
  const noBody = [204, 205, 304].includes(res.statusCode) || method === 'HEAD';
  return new Response(noBody ? null : body, { status: res.statusCode, headers: out });
}

const { runTests, getResults } = await load('client/runner.mjs');
const tests = (await load('tests/index.mjs')).default;
await runTests(tests, plainFetch, false, base);
const results = getResults();
const counts = {};
for (const suite of tests) {
  for (const t of suite.tests) {
    if (t.browser_only) continue;
    const kind = t.kind ?? 'required';
    counts[kind] ??= { pass: 0, fail: 0, total: 0 };
    counts[kind][results[t.id] === true ? 'pass' : 'fail']++;
    counts[kind].total++;
  }
}
process.stdout.write(JSON.stringify(counts));
process.exit(0);
