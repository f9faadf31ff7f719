/**
 * Runs inside a worker thread so the load generator does not share an event loop with the gateway:
 * autocannon against the gateway with a request mix, reporting counts to the parent every 250 ms.
 */
import { parentPort, workerData } from 'node:worker_threads';
import autocannon from 'autocannon';
import { type LoadDone, type LoadProgress, type LoadWorkerInput, pickFleetRequest, pickRequest } from './load-mix.js';
import { quantile, round } from './metrics.js';

const input = workerData as LoadWorkerInput;
const progress: LoadProgress = { type: 'progress', responses: 0, byStatus: {}, errors: 0, timeouts: 0 };

const instance = autocannon(
  {
    url: input.url,
    connections: input.connections,
    duration: input.durationSeconds,
    timeout: input.timeoutSeconds ?? 5,
    ...(input.rate > 0 ? { overallRate: input.rate } : {}),
    requests: [{ setupRequest: (request) => (input.mix === 'fleet' ? pickFleetRequest : pickRequest)(request, Math.random) }],
  },
  (error, result) => {
    if (error) throw error;
    finish(result);
  },
);

/** Client-side response times, ms (autocannon's own histogram is not aggregated inside a worker thread). */
const latencies: number[] = [];

instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
  progress.responses++;
  latencies.push(responseTime);
  const key = String(statusCode);
  progress.byStatus[key] = (progress.byStatus[key] ?? 0) + 1;
});
instance.on('start', () => parentPort?.postMessage({ type: 'started' }));
instance.on('reqError', (error: Error) => {
  progress.errors++;
  if (/timeout/i.test(error.message)) progress.timeouts++;
});
const timer = setInterval(() => parentPort?.postMessage(progress), 250);
function finish(result: { errors: number; timeouts: number; non2xx: number; duration: number }): void {
  clearInterval(timer);
  parentPort?.postMessage(progress);
  latencies.sort((a, b) => a - b);
  const done: LoadDone = {
    type: 'done',
    requests: progress.responses + progress.errors,
    latency: {
      p50: round(quantile(latencies, 0.5), 1),
      p99: round(quantile(latencies, 0.99), 1),
      max: round(latencies.at(-1) ?? Number.NaN, 1),
    },
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    durationSeconds: result.duration,
  };
  parentPort?.postMessage(done);
}
parentPort?.on('message', (m: { type: string }) => {
  if (m.type === 'stop') instance.stop();
});
