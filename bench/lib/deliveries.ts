/**
 * Delivery throughput: the durable queue (claim under lease → HTTP → attempt row + new state)
 * against raw undici requests to the same receiver at the same concurrency, and the healthy
 * receivers' rate with and without one hanging receiver.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { Agent, request } from 'undici';
import { enqueueDelivery } from '../../module/outbound/enqueue.js';
import type { BenchHost } from './host.js';
import { clearQueues } from './db.js';
import { waitUntil } from './stats.js';

export interface QueueTarget { db: Knex; host: BenchHost; workflowId: number; taskId: number }

const BODY = JSON.stringify({ deal: { id: 12345, title: 'Benchmark deal', stage: 'Won', amount: 1000 } });

/** Queues `n` deliveries spread round-robin over `urls` (in one transaction, not timed). */
export async function enqueueMany(t: QueueTarget, n: number, urls: string[]): Promise<void> {
  await t.db.transaction(async (trx) => {
    for (let i = 0; i < n; i++) {
      await enqueueDelivery(trx, {
        webhookId: `msg_${randomUUID()}`, runId: null, workflowId: t.workflowId, taskId: t.taskId, eventType: 'deal.updated', module: 'Deals', recordId: i,
        method: 'POST', url: urls[i % urls.length], headers: { 'content-type': 'application/json' }, contentType: 'application/json', body: BODY, originKey: null,
      });
    }
  });
}

/** Deliveries in the log with status `success`. */
export const countSuccesses = async (db: Knex): Promise<number> => Number((await db('hookflow_deliveries').where({ status: 'success' }).count({ n: '*' }))[0].n);

/**
 * Deliveries per second through the worker until `n` are `success` in the log (every attempt
 * committed). `before` deliveries are queued first, so they are older and claimed first.
 */
export interface QueueRun {
  /** Requests the target receivers have seen so far (checked before the log, to poll the database less). */
  received(): number;
  /** Deliveries queued first, e.g. to a hanging receiver. */
  before?: { n: number; urls: string[] };
  /** Runs after the measurement, before the worker stops (e.g. end hung requests). */
  beforeStop?: () => Promise<void>;
}

export async function measureQueueRate(t: QueueTarget, n: number, urls: string[], opts: QueueRun): Promise<number> {
  await clearQueues(t.db);
  if (opts.before) await enqueueMany(t, opts.before.n, opts.before.urls);
  await enqueueMany(t, n, urls);
  const seen = opts.received();
  const started = performance.now();
  t.host.hookflow.worker.start();
  await waitUntil(`${n} requests`, 120_000, async () => opts.received() - seen >= n, 2);
  await waitUntil(`${n} successful deliveries`, 60_000, async () => (await countSuccesses(t.db)) >= n, 2);
  const elapsed = performance.now() - started;
  await opts.beforeStop?.();
  await t.host.hookflow.worker.stop();
  return (n / elapsed) * 1000;
}

/** Raw undici POSTs of the same body to `url`, `concurrency` at a time; requests per second. */
export async function measureRawRate(url: string, n: number, concurrency: number): Promise<number> {
  const agent = new Agent();
  let next = 0;
  const lane = async () => {
    while (next < n) {
      next++;
      const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'webhook-id': `msg_${randomUUID()}` }, body: BODY, dispatcher: agent });
      await res.body.text();
      if (res.statusCode !== 200) throw new Error(`baseline: HTTP ${res.statusCode}`);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, lane));
  const elapsed = performance.now() - started;
  await agent.close();
  return (n / elapsed) * 1000;
}
