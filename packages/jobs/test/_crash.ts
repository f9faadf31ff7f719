// The crash test shared by the broker backends: 1,000 jobs, three worker processes killed with SIGKILL
// at random mid-job and replaced; every job's effect must be recorded (none lost), duplicates only as
// re-runs absorbed by the idempotent effect.
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { defineJob, type JobBackend, JobQueue } from '../src/index.js';

const root = join(import.meta.dirname, '..', '..', '..');

export interface CrashResult {
  jobs: number;
  effects: number;
  runs: number;
  kills: number;
}

export async function crashTest(
  kind: 'bullmq' | 'jetstream',
  brokerPort: number,
  makeBackend: (name: string) => JobBackend,
  total = 1000,
): Promise<CrashResult> {
  const name = `crash_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const ledger = new Redis({ port: 6379, host: '127.0.0.1' });
  const producer = new JobQueue({ backend: makeBackend(name), jobs: [defineJob('effect', async () => {})] });
  const workers = new Set<ChildProcess>();
  const spawnWorker = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const child = fork(join(import.meta.dirname, '_crash-worker.ts'), [], {
        cwd: root,
        execArgv: ['--import', 'tsx'],
        env: { ...process.env, KIND: kind, BROKER_PORT: String(brokerPort), LEDGER_PORT: '6379', NAME: name },
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
      workers.add(child);
      child.once('exit', () => workers.delete(child));
      child.once('message', () => resolve());
      child.once('error', reject);
    });
  let kills = 0;
  try {
    for (let i = 0; i < total; i++) await producer.enqueue('effect', { i }, { idempotencyKey: `job-${i}`, attempts: 10 });
    await Promise.all([spawnWorker(), spawnWorker(), spawnWorker()]);
    const end = Date.now() + 90_000;
    let effects = 0;
    while ((effects = await ledger.hlen(`${name}:effects`)) < total) {
      if (Date.now() > end) throw new Error(`only ${effects} of ${total} effects after 90 s`);
      await new Promise((r) => setTimeout(r, 150 + Math.random() * 150));
      if (kills < 12) {
        const victim = [...workers][Math.floor(Math.random() * workers.size)];
        if (victim !== undefined) {
          victim.kill('SIGKILL');
          kills++;
          // The replacement starts in the background; killing goes on meanwhile.
          spawnWorker().catch(() => {});
        }
      }
    }
    const runs = Object.values(await ledger.hgetall(`${name}:runs`)).reduce((a, b) => a + Number(b), 0);
    return { jobs: total, effects, runs, kills };
  } finally {
    for (const w of workers) w.kill('SIGKILL');
    await ledger.del(`${name}:effects`, `${name}:runs`);
    ledger.disconnect();
    await producer.close();
  }
}
