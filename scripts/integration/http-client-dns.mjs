// Integration set-up for @scaling/http-client's DNS discovery test: finds `dnsmasq` (Debian's
// `dnsmasq-base`); when missing and running as root, tries `apt-get install -y dnsmasq-base` once (bounded to
// 5 minutes). When dnsmasq still cannot be had, installs the `dns2` package (pure JavaScript, no dependencies)
// from the npm registry into a temporary directory as a fallback DNS server. Returns DNSMASQ_BIN or
// DNS2_MODULE for what it found, so the test says which server ran (and skips with a note when neither).
// The test starts its own server on a free loopback port with a temporary hosts file; the machine's DNS
// settings (/etc/resolv.conf, a system dnsmasq) are never read or touched.
//
// Also runnable on its own: `node scripts/integration/http-client-dns.mjs` prints the env it returns.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

let fallbackDir;

function log(msg) {
  process.stdout.write(`  [http-client-dns] ${msg}\n`);
}

function which(name) {
  const r = spawnSync('sh', ['-c', `command -v ${name} || ls /usr/sbin/${name} 2>/dev/null`], { encoding: 'utf8' });
  const out = r.stdout.trim().split('\n')[0];
  return r.status === 0 && out ? out : undefined;
}

function tryInstall() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0 || which('apt-get') === undefined) return;
  log('dnsmasq missing: apt-get install -y dnsmasq-base (at most 5 minutes)');
  const r = spawnSync(
    'sh',
    ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dnsmasq-base'],
    { stdio: 'ignore', timeout: 300_000 },
  );
  if (r.status !== 0) log('apt-get install dnsmasq-base failed or timed out');
}

function tryDns2() {
  fallbackDir = mkdtempSync(join(tmpdir(), 'scaling-dns2-'));
  log(`installing dns2@2.1.0 from the npm registry into ${fallbackDir}`);
  const r = spawnSync('npm', ['install', '--prefix', fallbackDir, '--no-audit', '--no-fund', '--no-save', 'dns2@2.1.0'], {
    stdio: 'ignore',
    timeout: 120_000,
  });
  const main = join(fallbackDir, 'node_modules', 'dns2', 'index.js');
  if (r.status === 0 && existsSync(main)) return main;
  log('npm install dns2 failed');
  return undefined;
}

export async function setup() {
  if (process.env.HTTP_CLIENT_DNS === 'dns2') {
    const mod = tryDns2();
    return mod ? { DNS2_MODULE: mod } : {};
  }
  let bin = process.env.DNSMASQ_BIN ?? which('dnsmasq');
  if (bin === undefined) {
    tryInstall();
    bin = which('dnsmasq');
  }
  if (bin) {
    log(`dnsmasq: ${bin}`);
    return { DNSMASQ_BIN: bin };
  }
  const mod = tryDns2();
  if (mod) {
    log(`dnsmasq unavailable: the DNS test uses dns2 (${mod})`);
    return { DNS2_MODULE: mod };
  }
  log('neither dnsmasq nor dns2 available: the DNS test will skip');
  return {};
}

export async function teardown() {
  if (fallbackDir) rmSync(fallbackDir, { recursive: true, force: true });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) console.log(await setup());
