// Integration set-up for @scaling/rate-limit: the plain Redis tests use the machine's Redis (REDIS_URL,
// default redis://127.0.0.1:6379; checked with a PING here); the fault tests (stopping Redis) start their own
// redis-server on a free loopback port, so `redis-server` must be on PATH. Nothing is started or changed here.
import { spawnSync } from 'node:child_process';
import { createConnection } from 'node:net';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function ping(u) {
  const { hostname, port } = new URL(u);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port || 6379) });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

export async function setup() {
  if (!(await ping(url))) throw new Error(`[rate-limit] no Redis answers PING at ${url} (set REDIS_URL)`);
  if (spawnSync('redis-server', ['--version']).status !== 0)
    throw new Error('[rate-limit] redis-server is not on PATH (the fault tests start their own)');
  process.stdout.write(`  [rate-limit] Redis at ${url}; redis-server found for the fault tests\n`);
  return { REDIS_URL: url };
}
