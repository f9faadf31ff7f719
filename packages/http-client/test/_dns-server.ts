// A private DNS server on a free loopback port for the DNS discovery integration test: dnsmasq (DNSMASQ_BIN)
// with a temporary hosts file, or the `dns2` package (DNS2_MODULE) when dnsmasq cannot be had — see
// scripts/integration/http-client-dns.mjs. Never touches the machine's DNS settings.
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { promises as dns } from 'node:dns';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One SRV record: target host (an IP literal here), port, priority, weight. */
export interface Srv {
  target: string;
  port: number;
  priority: number;
  weight: number;
}

/** The records served: host name → IPv4 addresses, SRV name → records. TTL 1 s. */
export interface Records {
  a: Record<string, string[]>;
  srv?: Record<string, Srv[]>;
}

export interface DnsServer {
  readonly kind: 'dnsmasq' | 'dns2';
  readonly address: string;
  /** Replaces the records (dnsmasq: rewrites the hosts file and sends SIGHUP; restarts for SRV changes). */
  set(records: Records): Promise<void>;
  stop(): Promise<void>;
}

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Waits until the server answers a query for `name` (any answer or NXDOMAIN counts as up). */
async function ready(address: string, name: string): Promise<void> {
  const r = new dns.Resolver({ timeout: 200, tries: 1 });
  r.setServers([address]);
  for (let i = 0; i < 50; i++) {
    try {
      await r.resolve4(name);
      return;
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ENOTFOUND' || code === 'ENODATA') return;
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`DNS server on ${address} did not answer`);
}

export async function startDns(initial: Records): Promise<DnsServer> {
  const port = await freeUdpPort();
  const address = `127.0.0.1:${port}`;
  const probeName = Object.keys(initial.a)[0] ?? 'localhost';
  if (process.env.DNSMASQ_BIN) return startDnsmasq(process.env.DNSMASQ_BIN, port, address, initial, probeName);
  if (process.env.DNS2_MODULE) return startDns2(process.env.DNS2_MODULE, port, address, initial, probeName);
  throw new Error('no DNS server available (DNSMASQ_BIN or DNS2_MODULE)');
}

async function startDnsmasq(bin: string, port: number, address: string, initial: Records, probeName: string): Promise<DnsServer> {
  const dir = mkdtempSync(join(tmpdir(), 'scaling-dnsmasq-'));
  chmodSync(dir, 0o755); // dnsmasq drops to `nobody` and must still read the hosts file on SIGHUP
  const hosts = join(dir, 'hosts');
  let records = initial;
  let child: ChildProcess | undefined;
  const writeHosts = (r: Records) => {
    const lines = Object.entries(r.a).flatMap(([name, ips]) => ips.map((ip) => `${ip} ${name}`));
    writeFileSync(hosts, `${lines.join('\n')}\n`, { mode: 0o644 });
  };
  const args = (r: Records) => [
    '--no-daemon',
    `--port=${port}`,
    '--listen-address=127.0.0.1',
    '--bind-interfaces',
    '--no-resolv',
    '--no-hosts',
    '--conf-file=/dev/null',
    `--pid-file=${join(dir, 'pid')}`,
    `--addn-hosts=${hosts}`,
    '--local-ttl=1',
    '--log-facility=-',
    ...Object.entries(r.srv ?? {}).flatMap(([name, list]) =>
      list.map((s) => `--srv-host=${name},${s.target},${s.port},${s.priority},${s.weight}`),
    ),
  ];
  const start = async (r: Records) => {
    const c = spawn(bin, args(r), { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    c.once('exit', (code) => {
      if (code !== 0 && code !== null) process.stderr.write(`dnsmasq exited with ${code}: ${err}\n`);
    });
    child = c;
    await ready(address, probeName);
  };
  const stopChild = async () => {
    const c = child;
    child = undefined;
    if (c === undefined || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    });
  };
  writeHosts(initial);
  await start(initial);
  return {
    kind: 'dnsmasq',
    address,
    async set(next) {
      const srvChanged = JSON.stringify(next.srv ?? {}) !== JSON.stringify(records.srv ?? {});
      records = next;
      writeHosts(next);
      if (srvChanged) {
        // --srv-host is a command-line record: a restart on the same port picks up the new set.
        await stopChild();
        await start(next);
      } else child?.kill('SIGHUP'); // dnsmasq re-reads --addn-hosts files on SIGHUP
    },
    async stop() {
      await stopChild();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Dns2Packet {
  questions: { name: string; type: number }[];
  answers: object[];
}
interface Dns2 {
  createServer(o: { udp: boolean; handle: (req: Dns2Packet, send: (res: Dns2Packet) => void) => void }): {
    listen(o: { udp: { port: number; address: string } }): Promise<void>;
    close(): Promise<void>;
  };
  Packet: {
    TYPE: Record<string, number>;
    CLASS: Record<string, number>;
    createResponseFromRequest(req: Dns2Packet): Dns2Packet;
  };
}

async function startDns2(modulePath: string, port: number, address: string, initial: Records, probeName: string): Promise<DnsServer> {
  const dns2 = createRequire(import.meta.url)(modulePath) as Dns2;
  const { Packet } = dns2;
  let records = initial;
  const server = dns2.createServer({
    udp: true,
    handle(req, send) {
      const res = Packet.createResponseFromRequest(req);
      const q = req.questions[0];
      if (q !== undefined) {
        if (q.type === Packet.TYPE.A)
          for (const ip of records.a[q.name] ?? [])
            res.answers.push({ name: q.name, type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 1, address: ip });
        if (q.type === Packet.TYPE.SRV)
          for (const s of records.srv?.[q.name] ?? [])
            res.answers.push({
              name: q.name,
              type: Packet.TYPE.SRV,
              class: Packet.CLASS.IN,
              ttl: 1,
              priority: s.priority,
              weight: s.weight,
              port: s.port,
              target: s.target,
            });
      }
      send(res);
    },
  });
  await server.listen({ udp: { port, address: '127.0.0.1' } });
  await ready(address, probeName);
  return {
    kind: 'dns2',
    address,
    async set(next) {
      records = next;
    },
    async stop() {
      await server.close();
    },
  };
}
