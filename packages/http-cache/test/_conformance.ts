// Runs the HTTP cache conformance suite (github.com/http-tests/cache-tests, published on npm as
// `http-cache-tests`) against any fetch function, several times in one process, and scores the results
// the way the suite's own report does (lib/display.mjs `determineTestResult`: a test whose `depends_on`
// check did not pass is "dependency failed", a failed setup assertion is "setup failed" — neither counts
// as a failure of the cache).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Dispatcher, request } from 'undici';

export interface SuiteTest {
  id: string;
  kind?: 'required' | 'optimal' | 'check';
  browser_only?: boolean;
  depends_on?: string[];
}
interface Suite {
  tests: SuiteTest[];
}
type Result = true | [string, string];

/** Per kind: passed; failed; setup failed; dependency failed (the suite's own classification). */
export type Counts = Record<string, { pass: number; fail: number; setup: number; dependency: number; total: number }>;

export interface SuiteRun {
  /** Counted the suite's way. */
  counts: Counts;
  /** Counted strictly: only `true` results pass, every other result fails. */
  strict: Record<string, { pass: number; total: number }>;
  /** Ids of required tests that failed (the suite's classification), with the message. */
  requiredFailures: Record<string, string>;
  results: Record<string, Result>;
}

export const suiteDir = dirname(createRequire(import.meta.url).resolve('http-cache-tests/package.json'));
export const suiteVersion = (createRequire(import.meta.url)('http-cache-tests/package.json') as { version: string }).version;
const load = async <T>(path: string): Promise<T> => (await import(pathToFileURL(join(suiteDir, path)).href)) as T;

export type SuiteFetch = (url: string, init?: RequestInit) => Promise<Response>;

/** A client that adds no headers of its own (WHATWG fetch adds `Cache-Control: no-cache` to conditional requests). */
export function plainFetch(dispatcher: Dispatcher): SuiteFetch {
  return async (url, init = {}) => {
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
  };
}

/** A deep copy of arrays and plain objects (functions and other values shared). */
function clone<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => clone(v)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = clone(v);
    return out as T;
  }
  return value;
}

type Verdict = 'pass' | 'fail' | 'setup' | 'dependency' | 'yes' | 'no' | 'untested';

function verdict(byId: Map<string, SuiteTest>, id: string, results: Record<string, Result>): Verdict {
  const test = byId.get(id) as SuiteTest;
  const result = results[id];
  if (result === undefined) return 'untested';
  for (const dep of test.depends_on ?? []) {
    const v = verdict(byId, dep, results);
    if (v !== 'pass' && v !== 'yes') return 'dependency';
  }
  if (result !== true && result[0] === 'Setup') return 'setup';
  if (test.kind === 'check') return result === true ? 'yes' : 'no';
  return result === true ? 'pass' : 'fail';
}

/** Runs every non-browser test once against `base` through `fetchFn` (one run at a time per process). */
export async function runSuite(base: string, fetchFn: SuiteFetch): Promise<SuiteRun> {
  const config = await load<{ setFetch(f: SuiteFetch): void; setBaseUrl(u: string): void; setUseBrowserCache(b: boolean): void }>(
    'client/config.mjs',
  );
  const harness = await load<{ makeCacheTest(t: SuiteTest): Promise<void>; testResults: Record<string, Result> }>('client/test.mjs');
  const suites = (await load<{ default: Suite[] }>('tests/index.mjs')).default;
  for (const id of Object.keys(harness.testResults)) delete harness.testResults[id];
  config.setFetch(fetchFn);
  config.setBaseUrl(base);
  config.setUseBrowserCache(false);
  // The harness fixes up header values in the test definitions in place (relative dates become strings),
  // so every run gets its own deep copy: a second run in the process would otherwise compare against the
  // first run's dates.
  const tests = clone(suites.flatMap((s) => s.tests).filter((t) => t.browser_only !== true));
  for (let i = 0; i < tests.length; i += 100) await Promise.all(tests.slice(i, i + 100).map((t) => harness.makeCacheTest(t)));
  const results = { ...harness.testResults };
  const byId = new Map(tests.map((t) => [t.id, t]));
  const counts: Counts = {};
  const strict: SuiteRun['strict'] = {};
  const requiredFailures: Record<string, string> = {};
  for (const t of tests) {
    const kind = t.kind ?? 'required';
    counts[kind] ??= { pass: 0, fail: 0, setup: 0, dependency: 0, total: 0 };
    strict[kind] ??= { pass: 0, total: 0 };
    const c = counts[kind];
    const v = verdict(byId, t.id, results);
    if (v === 'pass' || v === 'yes') c.pass++;
    else if (v === 'setup') c.setup++;
    else if (v === 'dependency') c.dependency++;
    else c.fail++;
    c.total++;
    strict[kind].total++;
    if (results[t.id] === true) strict[kind].pass++;
    if (kind === 'required' && v === 'fail') requiredFailures[t.id] = String((results[t.id] as [string, string] | undefined)?.[1]);
  }
  return { counts, strict, requiredFailures, results };
}

/** Passing tests of every kind, the suite's way. */
export function totalPass(run: SuiteRun): number {
  return Object.values(run.counts).reduce((s, k) => s + k.pass, 0);
}
