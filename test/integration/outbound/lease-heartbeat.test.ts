/**
 * A delivery's lease is kept alive while its request is in flight, on every engine. Two workers
 * share one queue: worker A (the real processor and delivery lane, its heartbeat timers moved by
 * the test) and worker B (the installed worker, draining). "Time passes" = A's lease_expires_at
 * moves back by one renewal interval while A's timers move on by as much. The receiver holds the
 * first request of each delivery until the test releases it, so no clock decides anything.
 */
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { createManualTimers, type ManualTimers } from '../../helpers/manual-timers.js';
import { waitFor } from '../../helpers/wait.js';
import { enqueueDelivery } from '../../../module/outbound/queue/enqueue.js';
import { createDeliveryProcessor } from '../../../module/outbound/delivery-processor.js';
import { createDeliveryLane } from '../../../module/outbound/delivery-lane.js';
import { renewIntervalMs } from '../../../module/storage/lease-heartbeat.js';

const LEASE_SECONDS = 300;
const STEP_MS = renewIntervalMs(LEASE_SECONDS * 1000);
const SETTINGS = {
  outboundAllowlist: ['127.0.0.1/32'],
  leaseSeconds: LEASE_SECONDS,
  requestTimeoutMs: 120_000,
  retrySchedule: [3600],
};

/** Counts requests per webhook-id; the first of each waits for release(); `closed` counts requests whose connection went away unanswered. */
async function startSlowReceiver() {
  const received = new Map<string, number>();
  const waiting = new Set<http.ServerResponse>();
  let closed = 0;
  const server = http.createServer((req, res) => {
    const id = String(req.headers['webhook-id']);
    received.set(id, (received.get(id) ?? 0) + 1);
    req.resume();
    if (received.get(id) === 1) {
      waiting.add(res);
      res.on('close', () => {
        if (!res.writableEnded) closed++;
        waiting.delete(res);
      });
    } else req.on('end', () => res.writeHead(200).end('ok'));
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return {
    received,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    closed: () => closed,
    release() {
      for (const res of [...waiting]) res.writeHead(200).end('ok');
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

describeEachEngine('delivery lease heartbeat', (tdb) => {
  let h: TestHost;
  let rx: Awaited<ReturnType<typeof startSlowReceiver>>;
  const db = () => tdb().db;

  before(async () => {
    rx = await startSlowReceiver();
    h = await createTestHost(tdb().db, { settings: SETTINGS });
  });
  after(async () => {
    rx.release();
    await h.close();
    await rx.close();
  });

  /** Worker A: the real processor and delivery lane, with the test's heartbeat timers. */
  function workerA(t: TestContext, timers: ManualTimers) {
    const settings = () => h.hookflow.services.settings.get();
    const processor = createDeliveryProcessor({
      db: db(),
      targets: { load: async () => null, disable: async () => undefined },
      settings,
      logger: h.logger,
    });
    t.after(() => processor.close());
    return createDeliveryLane({ db: db(), processor, settings, workerId: 'worker-A', leaseTimers: timers });
  }

  /** Queues one delivery to the slow receiver; worker A claims it and sends it; resolves once the request is in flight. */
  async function startSlowDelivery(t: TestContext, timers: ManualTimers) {
    const webhookId = `msg_${randomUUID()}`;
    const { id } = await enqueueDelivery(db(), {
      webhookId,
      runId: null,
      workflowId: null,
      taskId: null,
      eventType: null,
      module: 'Deals',
      recordId: 1,
      method: 'POST',
      url: rx.url,
      headers: {},
      contentType: 'application/json',
      body: '{}',
      originKey: null,
    });
    t.after(async () => {
      rx.release();
      await db()('hookflow_deliveries')
        .where({ id })
        .whereIn('status', ['queued', 'dispatched'])
        .update({ status: 'failed', lease_owner: null });
    });
    const lane = workerA(t, timers);
    const [claimed] = await lane.claim(1);
    assert.equal(claimed?.id, id, 'worker A holds the delivery');
    const ended = { error: null as unknown, done: false };
    lane.process(claimed).then(
      () => {
        ended.done = true;
      },
      (err) => {
        ended.error = err;
        ended.done = true;
      },
    );
    await waitFor('the request to be in flight', 10_000, () => rx.received.get(webhookId) === 1);
    return { id, webhookId, ended };
  }

  async function elapse(id: number, timers: ManualTimers, steps: number) {
    for (let i = 0; i < steps; i++) {
      await db()('hookflow_deliveries')
        .where({ id })
        .update({ lease_expires_at: db().raw('lease_expires_at - ?', [STEP_MS]) });
      await timers.advance(STEP_MS);
    }
  }

  const deliveryRow = (id: number) => db()('hookflow_deliveries').where({ id }).first();
  const attemptsOf = (id: number) =>
    db()('hookflow_attempts').where({ delivery_id: id }).select('worker_id', 'status_code');

  test('a receiver slower than the lease, two workers: the lease is renewed meanwhile, one request, one attempt', async (t) => {
    const timers = createManualTimers();
    const { id, webhookId, ended } = await startSlowDelivery(t, timers);
    await elapse(id, timers, 4); // 4/3 of the lease: without renewals it would have run out
    assert.match((await deliveryRow(id)).lease_owner, /^worker-A~[0-9a-f]{8}$/, 'the claim token of worker A');
    await h.hookflow.worker.drain(); // worker B looks for due deliveries while A's request is in flight
    assert.equal(rx.received.get(webhookId), 1, 'worker B did not take the delivery and send it again');
    rx.release();
    await waitFor('worker A to record its attempt', 10_000, () => ended.done);
    assert.equal(ended.error, null);
    const row = await deliveryRow(id);
    assert.deepEqual([row.status, row.lease_owner, Number(row.attempt_count)], ['success', null, 1]);
    assert.deepEqual(
      (await attemptsOf(id)).map((a: any) => [a.worker_id, Number(a.status_code)]),
      [['worker-A', 200]],
    );
    assert.equal(rx.received.get(webhookId), 1);
    assert.equal(timers.active(), 0, 'the heartbeat stopped with the delivery');
  });

  test('a lost delivery lease aborts the request in flight, and no attempt is recorded', async (t) => {
    const timers = createManualTimers();
    const { id, ended } = await startSlowDelivery(t, timers);
    const closedBefore = rx.closed();
    // Another worker takes the delivery over (as a claim after an expired lease would).
    await db()('hookflow_deliveries').where({ id }).update({ lease_owner: 'another-worker' });
    await elapse(id, timers, 1);
    await waitFor('worker A to give the delivery up', 5_000, () => ended.done);
    assert.equal(ended.error, null, 'the lane item ends quietly');
    await waitFor('the receiver to see the request aborted', 5_000, () => rx.closed() === closedBefore + 1);
    const row = await deliveryRow(id);
    assert.deepEqual(
      [row.status, row.lease_owner, Number(row.attempt_count)],
      ['dispatched', 'another-worker', 0],
      "the new holder's state stands",
    );
    assert.deepEqual(await attemptsOf(id), [], 'no attempt row from the worker that lost the lease');
    assert.ok(
      h.logger.entries.some((e) => e.msg?.includes('delivery lease lost during the request')),
      'the worker logged it',
    );
    assert.equal(timers.active(), 0);
  });
});
