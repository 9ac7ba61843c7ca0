/**
 * Delivery throughput: the durable queue (claim under lease → HTTP → attempt row + new state)
 * against raw undici requests to the same receiver at the same concurrency, and the healthy
 * receivers' rate with and without one hanging receiver.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { Agent, request } from 'undici';
import { enqueueDelivery } from '../../module/outbound/queue/enqueue.js';
import type { BenchHost } from './host.js';
import type { Receiver } from './receiver.js';
import { clearQueues } from './db.js';
import { waitUntil } from './stats.js';

export interface QueueTarget {
  db: Knex;
  host: BenchHost;
  workflowId: number;
  taskId: number;
}

const BODY = JSON.stringify({ deal: { id: 12345, title: 'Benchmark deal', stage: 'Won', amount: 1000 } });

/** Queues `n` deliveries spread round-robin over `urls` (in one transaction, not timed). */
export async function enqueueMany(t: QueueTarget, n: number, urls: string[]): Promise<void> {
  await t.db.transaction(async (trx) => {
    for (let i = 0; i < n; i++) {
      await enqueueDelivery(trx, {
        webhookId: `msg_${randomUUID()}`,
        runId: null,
        workflowId: t.workflowId,
        taskId: t.taskId,
        eventType: 'deal.updated',
        module: 'Deals',
        recordId: i,
        method: 'POST',
        url: urls[i % urls.length],
        headers: { 'content-type': 'application/json' },
        contentType: 'application/json',
        body: BODY,
        originKey: null,
      });
    }
  });
}

/** Deliveries in the log with status `success`. */
export const countSuccesses = async (db: Knex): Promise<number> =>
  Number((await db('hookflow_deliveries').where({ status: 'success' }).count({ n: '*' }))[0].n);

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

export interface QueueMeasurement {
  /** Deliveries per second until the last of the `n` was `success` in the log. */
  rate: number;
  /** Correctness problems of the run (see checkDeliveries); empty when none. */
  problems: string[];
}

export async function measureQueueRate(
  t: QueueTarget,
  n: number,
  urls: string[],
  opts: QueueRun & { receivers: Receiver[] },
): Promise<QueueMeasurement> {
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
  return { rate: (n / elapsed) * 1000, problems: await checkDeliveries(t.db, opts.receivers, { urls, expected: n }) };
}

/**
 * The correctness check of a drained queue: every delivery to `urls` (all when omitted) is
 * `success` after exactly one attempt, that attempt a 2xx, and its `webhook-id` arrived at the
 * receivers exactly once — none lost, none sent twice. `expected`: how many there must be.
 */
export async function checkDeliveries(
  db: Knex,
  receivers: Receiver[],
  opts: { urls?: string[]; expected?: number } = {},
): Promise<string[]> {
  const problems: string[] = [];
  const q = db('hookflow_deliveries');
  if (opts.urls) q.whereIn('url', opts.urls);
  const rows = (await q.select('id', 'webhook_id', 'status', 'attempt_count')) as Array<{
    id: number;
    webhook_id: string;
    status: string;
    attempt_count: number;
  }>;
  if (opts.expected !== undefined && rows.length !== opts.expected)
    problems.push(`${rows.length} deliveries in the log, ${opts.expected} queued`);
  const notSuccess = rows.filter((r) => r.status !== 'success');
  if (notSuccess.length)
    problems.push(
      `${notSuccess.length} deliveries not success (${[...new Set(notSuccess.map((r) => r.status))].join(', ')})`,
    );
  const retried = rows.filter((r) => Number(r.attempt_count) !== 1);
  if (retried.length) problems.push(`${retried.length} deliveries with attempt_count ≠ 1`);
  const ids = rows.map((r) => r.id);
  let attempts = 0;
  let bad = 0;
  for (let i = 0; i < ids.length; i += 500) {
    // chunks: SQLite caps bound parameters
    const chunk = ids.slice(i, i + 500);
    attempts += Number((await db('hookflow_attempts').whereIn('delivery_id', chunk).count({ n: '*' }).first())?.n ?? 0);
    bad += Number(
      (
        await db('hookflow_attempts')
          .whereIn('delivery_id', chunk)
          .where((w) =>
            w.whereNot('outcome', 'success').orWhere('status_code', '<', 200).orWhere('status_code', '>', 299),
          )
          .count({ n: '*' })
          .first()
      )?.n ?? 0,
    );
  }
  if (attempts !== rows.length) problems.push(`${attempts} attempt rows for ${rows.length} deliveries`);
  if (bad) problems.push(`${bad} attempts not a 2xx success`);
  const seen = (id: string) => receivers.reduce((sum, r) => sum + (r.webhookIds.get(id) ?? 0), 0);
  const lost = rows.filter((r) => seen(r.webhook_id) === 0).length;
  const doubles = rows.filter((r) => seen(r.webhook_id) > 1).length;
  if (lost) problems.push(`${lost} deliveries never arrived at a receiver`);
  if (doubles) problems.push(`${doubles} deliveries arrived more than once (double sends)`);
  return problems;
}

/** Raw undici POSTs of the same body to `url`, `concurrency` at a time; requests per second. */
export async function measureRawRate(url: string, n: number, concurrency: number): Promise<number> {
  const agent = new Agent();
  let next = 0;
  const lane = async () => {
    while (next < n) {
      next++;
      const res = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'webhook-id': `msg_${randomUUID()}` },
        body: BODY,
        dispatcher: agent,
      });
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
