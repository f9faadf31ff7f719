// Integration set-up for @scaling/cache-redis: checks that the machine's Redis answers on 127.0.0.1:6379
// (plain tests use it with a unique key prefix and clean up; they never flush it) and finds the
// redis-server binary (fault and fleet tests start their own server on a free loopback port in a temp dir).
// Returns nothing for what is missing, so the tests that need it skip with a note.
//
// Also runnable on its own: `node scripts/integration/cache-redis.mjs` prints the env it returns.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { pathToFileURL } from 'node:url';

const HOST = '127.0.0.1';
const PORT = Number(process.env.REDIS_PORT ?? 6379);

function log(msg) {
  process.stdout.write(`  [cache-redis] ${msg}\n`);
}

/** Sends PING and resolves true on +PONG within 2 s. */
function ping(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

function findRedisServer() {
  if (process.env.REDIS_SERVER_BIN && existsSync(process.env.REDIS_SERVER_BIN)) return process.env.REDIS_SERVER_BIN;
  const r = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

export async function setup() {
  const env = {};
  if (await ping(PORT)) {
    env.REDIS_URL = `redis://${HOST}:${PORT}`;
    log(`Redis answers on ${HOST}:${PORT}`);
  } else log(`no Redis on ${HOST}:${PORT}: the plain cache-redis integration tests will skip`);
  const bin = findRedisServer();
  if (bin) {
    env.REDIS_SERVER_BIN = bin;
    log(`redis-server for fault tests: ${bin}`);
  } else log('redis-server not found: the fault and fleet tests will skip');
  return env;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const env = await setup();
  for (const [k, v] of Object.entries(env)) process.stdout.write(`${k}=${v}\n`);
}
