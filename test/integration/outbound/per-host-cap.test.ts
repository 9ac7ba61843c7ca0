import { test, before, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeEachEngine } from '../../helpers/engines.js';
import { waitFor } from '../../helpers/wait.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { enqueueTestDelivery } from '../../helpers/deliveries.js';
import { claimDueDeliveries, type ClaimedDelivery } from '../../../module/outbound/queue/claim.js';
import { queueDeliveryAlerts } from '../../../module/alerts/alert-queue.js';
import { recordAttempts, type AttemptWrite } from '../../../module/outbound/queue/record-attempts.js';

/**
 * A receiver on 127.0.0.1:0 that counts requests in flight. A `hang` one answers nothing until
 * the test calls release(), which drops the connections of every request waiting so far.
 */
async function startReceiver(hang: boolean) {
  const stats = { seen: 0, inFlight: 0, maxInFlight: 0, ended: 0 };
  const waiting = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    stats.seen++;
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    res.on('close', () => {
      stats.inFlight--;
      stats.ended++;
      waiting.delete(res);
    });
    req.resume();
    if (hang) waiting.add(res);
    else req.on('end', () => res.writeHead(200).end('ok'));
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const port = (server.address() as AddressInfo).port;
  return {
    stats,
    url: `http://127.0.0.1:${port}/hook`,
    release() {
      for (const res of [...waiting]) res.destroy();
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

const enqueue = enqueueTestDelivery;

const CAP = 3;

describeEachEngine('delivery claims: per-destination-host cap and leases', (tdb) => {
  const db = () => tdb().db;
  const countByHost = async () => {
    const rows = await db()('hookflow_deliveries')
      .where({ status: 'dispatched' })
      .groupBy('destination_host')
      .select('destination_host')
      .count({ n: '*' });
    return Object.fromEntries(rows.map((r: any) => [r.destination_host, Number(r.n)]));
  };

  before(async () => {
    await createTestHost(db()).then((h) => h.close());
  }); // the schema
  // Every test here is about the whole queue: each starts with an empty one.
  beforeEach(async () => {
    for (const table of ['hookflow_alerts', 'hookflow_attempts', 'hookflow_deliveries']) await db()(table).del();
  });

  test('a claim takes at most the free room per host, across claims and concurrent claimers', async () => {
    for (let i = 0; i < 10; i++) {
      await enqueue(db(), 'http://a.example:8080/x');
      await enqueue(db(), 'http://b.example/x');
    }
    const opts = { leaseSeconds: 60, perHostConcurrency: CAP };
    const first = await claimDueDeliveries(db(), 'w1', 16, opts);
    assert.equal(first.length, 2 * CAP, 'cap per host, not a global limit');
    assert.deepEqual(await countByHost(), { 'a.example:8080': CAP, 'b.example': CAP });
    assert.deepEqual(await claimDueDeliveries(db(), 'w2', 16, opts), [], 'both hosts are full');
    // One finishes: exactly one slot for its host opens, for whichever worker claims next.
    await db()('hookflow_deliveries')
      .where({ id: first[0].id })
      .update({ status: 'success', lease_owner: null, lease_expires_at: null });
    const next = await claimDueDeliveries(db(), 'w2', 16, opts);
    assert.deepEqual(
      next.map((d) => d.destinationHost),
      [first[0].destinationHost],
    );
    // An expired lease no longer counts: its delivery is due again and its slot is free.
    await db()('hookflow_deliveries').where({ id: first[1].id }).update({ lease_expires_at: 1 });
    const retaken = await claimDueDeliveries(db(), 'w3', 16, opts);
    assert.equal(retaken.length, 1);
    assert.equal(retaken[0].id, first[1].id, 'the oldest due delivery, the one whose lease expired');
    // Free everything, then claim from 6 workers at once: together they may not exceed the cap.
    await db()('hookflow_deliveries')
      .where({ status: 'dispatched' })
      .update({ status: 'queued', lease_owner: null, lease_expires_at: null });
    const all = await Promise.all([1, 2, 3, 4, 5, 6].map((w) => claimDueDeliveries(db(), `c${w}`, 2, opts)));
    assert.equal(new Set(all.flat().map((d) => d.id)).size, all.flat().length, 'no delivery leased twice');
    assert.deepEqual(await countByHost(), { 'a.example:8080': CAP, 'b.example': CAP });
  });

  test('a hanging receiver gets at most the cap in flight (two workers) while a healthy one is served', async (t) => {
    const hanging = await startReceiver(true);
    const healthy = await startReceiver(false);
    // No clock decides anything here: the request timeout is far longer than any wait below, so
    // the hanging requests end only when the test releases them, however slow this machine is.
    // Without the cap every lane would hold a hanging request and the healthy wait would expire.
    const settings = {
      outboundAllowlist: ['127.0.0.1/32'],
      perHostConcurrency: CAP,
      // 12 lanes: a destination not yet seen answering may hold a quarter of them (lane
      // fairness), so the hanging host can reach the cap this test is about.
      maxConcurrency: 12,
      requestTimeoutMs: 120_000,
      leaseSeconds: 300,
      pollIntervalMs: 50,
      retrySchedule: [3600],
    };
    const hosts: TestHost[] = [];
    t.after(async () => {
      await hanging.close(); // first: stopping a worker waits for its requests in flight
      await Promise.all(hosts.map((h) => h.close()));
      await healthy.close();
    });
    // Queued first, so without the cap the oldest-first claims would fill every lane with them.
    for (let i = 0; i < 20; i++) await enqueue(db(), hanging.url);
    const healthyIds: number[] = [];
    for (let i = 0; i < 40; i++) healthyIds.push(await enqueue(db(), healthy.url));
    // Two workers, each with lanes to spare: a per-process cap would let the second one lease
    // CAP more hanging deliveries (it keeps polling while the first holds the host's slots).
    hosts.push(await createTestHost(db(), { settings }), await createTestHost(db(), { settings }));
    for (const h of hosts) h.hookflow.worker.start();
    const healthyDone = async () =>
      Number(
        (await db()('hookflow_deliveries').whereIn('id', healthyIds).where({ status: 'success' }).count({ n: '*' }))[0]
          .n,
      ) === healthyIds.length;
    await waitFor("the healthy receiver's deliveries", 30_000, healthyDone);
    await waitFor('the hanging receiver to hold its cap', 30_000, () => hanging.stats.inFlight === CAP);
    assert.equal(hanging.stats.ended, 0, 'the hanging requests were still in flight all along');
    assert.equal(hanging.stats.maxInFlight, CAP, 'the hanging host got exactly its cap');
    // The first round ends (connections dropped: failed attempts, retried in an hour); the next
    // CAP deliveries take the slots, and the cap still holds.
    hanging.release();
    await waitFor(
      'a second round at the hanging receiver',
      30_000,
      () => hanging.stats.seen >= 2 * CAP && hanging.stats.inFlight === CAP,
    );
    assert.equal(hanging.stats.maxInFlight, CAP, `at most ${CAP} in flight, saw ${hanging.stats.maxInFlight}`);
  });

  test('attempts are written together, but only by the lease holder: a late writer whose lease was re-taken (by its own worker id too) changes nothing', async () => {
    for (let i = 0; i < 3; i++) await enqueue(db(), 'http://c.example/x');
    const opts = { leaseSeconds: 60, perHostConcurrency: CAP };
    const [a, b, c] = await claimDueDeliveries(db(), 'old', 3, opts);
    assert.deepEqual(
      [a, b, c].map((d) => d.destinationHost),
      ['c.example', 'c.example', 'c.example'],
    );
    // The lease of `a` expires and the same worker id claims it again (a second process given
    // the same workerId, or this one after an outage): each claim is fenced by its own token.
    await db()('hookflow_deliveries').where({ id: a.id }).update({ lease_expires_at: 1 });
    const [retaken] = await claimDueDeliveries(db(), 'old', 3, opts);
    assert.equal(retaken.id, a.id);
    assert.notEqual(retaken.leaseOwner, a.leaseOwner, 'a new token for the new claim');
    assert.ok(retaken.leaseOwner.startsWith('old~'), retaken.leaseOwner);
    const write = (d: ClaimedDelivery, status: 'success' | 'failed'): AttemptWrite => ({
      delivery: d,
      workerId: 'old',
      leaseOwner: d.leaseOwner,
      next: { status },
      attempt: {
        outcome: status === 'success' ? 'success' : 'http_error',
        statusCode: status === 'success' ? 200 : 500,
        responseHeaders: {},
        responseBody: 'x',
        error: null,
        startedAt: 1,
        durationMs: 3,
      },
    });
    assert.deepEqual(
      await recordAttempts(db(), [write(a, 'success'), write(b, 'success'), write(c, 'failed')], queueDeliveryAlerts),
      [false, true, true],
    );
    const rows = await db()('hookflow_deliveries').whereIn('id', [a.id, b.id, c.id]).orderBy('id');
    assert.deepEqual(
      rows.map((r: any) => [r.status, r.lease_owner, Number(r.attempt_count)]),
      [
        ['dispatched', retaken.leaseOwner, 0],
        ['success', null, 1],
        ['failed', null, 1],
      ],
    );
    assert.ok(rows[1].finished_at && rows[2].finished_at && rows[2].alert_state === 'pending');
    const attempts = await db()('hookflow_attempts').whereIn('delivery_id', [a.id, b.id, c.id]).orderBy('delivery_id');
    assert.deepEqual(
      attempts.map((r: any) => [Number(r.delivery_id), r.worker_id, Number(r.attempt_no)]),
      [
        [b.id, 'old', 1],
        [c.id, 'old', 1],
      ],
    );
    assert.deepEqual(
      (await db()('hookflow_alerts').whereIn('delivery_id', [a.id, b.id, c.id])).map((r: any) => Number(r.delivery_id)),
      [c.id],
      'one alert, for the failed one',
    );
  });
});
