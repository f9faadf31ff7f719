/** Small helpers shared by the fleet's processes (edge, web instances, job workers). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { defineJob, type JobHandler } from '@scaling/jobs';
import { StatsCollector } from '@scaling/prometheus';
import { Registry } from 'prom-client';

/** An order as the load run posts it and the workers store it. */
export interface Order {
  key: string;
  sku: number;
  qty: number;
}

/** The `order` job: web instances enqueue it, workers run it. One definition shared by both. */
export function orderJob(handler: JobHandler<Order>) {
  return defineJob<Order>('order', handler, { attempts: 8, backoff: { type: 'exponential', delayMs: 100 } });
}

/** BullMQ queue name of the fleet's orders. */
export const ORDER_QUEUE = 'fleet-orders';
/** How long a worker's lock on a job lasts: a killed worker's job is redelivered after about this long. */
export const JOB_LOCK_MS = 1_500;

/** Tells the parent (the demo's driver) that this process listens on `port`. */
export function ready(port: number): void {
  if (process.env.FLEET_DEBUG) console.error(`ready on :${port} after ${process.uptime().toFixed(1)} s of process uptime`);
  process.send?.({ type: 'ready', port });
}

/** The environment variable `name`, or an error naming it. */
export function env(name: string): string {
  const v = process.env[name];
  if (v === undefined || v === '') throw new Error(`environment variable ${name} is not set`);
  return v;
}

/** A Prometheus registry with a `@scaling/prometheus` collector: `/metrics` on every process. */
export function createMetrics(): { registry: Registry; collector: StatsCollector; handle(res: ServerResponse): void } {
  const registry = new Registry();
  const collector = new StatsCollector({ registry });
  return {
    registry,
    collector,
    handle(res) {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error)),
      );
    },
  };
}

/** The request body as a string (kept whole, so a balanced retry can replay it). */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      data += chunk;
    });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The parent going away (or its IPC channel closing) ends this process too: nothing outlives the demo. */
export function exitWithParent(): void {
  process.on('disconnect', () => process.exit(0));
}
