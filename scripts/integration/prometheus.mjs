// Integration set-up for @scaling/prometheus and docs/monitoring: finds the `prometheus` and `promtool`
// binaries (Debian's `prometheus` package); when missing and running as root, tries
// `apt-get install -y prometheus` once (bounded to 5 minutes). Returns PROMETHEUS_BIN / PROMTOOL_BIN
// for what it found, so the tests that need a missing binary skip with a note. The tests start their
// own Prometheus (loopback only, temporary config and data directory); nothing is left running.
//
// Also runnable on its own: `node scripts/integration/prometheus.mjs` prints the env it returns.
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

function log(msg) {
  process.stdout.write(`  [prometheus] ${msg}\n`);
}

function which(name) {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function tryInstall() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0 || which('apt-get') === undefined) return;
  log('prometheus/promtool missing: apt-get install -y prometheus (at most 5 minutes)');
  const r = spawnSync(
    'sh',
    ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus'],
    { stdio: 'ignore', timeout: 300_000 },
  );
  if (r.status !== 0) log('apt-get install prometheus failed or timed out');
}

export async function setup() {
  const env = {};
  let prometheus = process.env.PROMETHEUS_BIN ?? which('prometheus');
  let promtool = process.env.PROMTOOL_BIN ?? which('promtool');
  if (prometheus === undefined || promtool === undefined) {
    tryInstall();
    prometheus ??= which('prometheus');
    promtool ??= which('promtool');
  }
  if (prometheus) {
    env.PROMETHEUS_BIN = prometheus;
    log(`prometheus: ${prometheus}`);
  } else log('prometheus not found: the scrape test will skip');
  if (promtool) {
    env.PROMTOOL_BIN = promtool;
    log(`promtool: ${promtool}`);
  } else log('promtool not found: the alerting-rule tests will skip');
  return env;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) console.log(await setup());
