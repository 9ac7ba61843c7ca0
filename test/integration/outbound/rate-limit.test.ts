/**
 * Per-destination rate limits (issue 20.5): token buckets spent inside the claim, so a limit holds
 * across worker processes; a 429 with Retry-After pauses the destination; deliveries over the limit
 * wait queued and use up no retry.
 */
import { test, before, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeEachEngine } from '../../helpers/engines.js';
import { waitFor } from '../../helpers/wait.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { enqueueTestDelivery } from '../../helpers/deliveries.js';
import { claimDueDeliveries } from '../../../module/outbound/queue/claim.js';
import { noteTooManyRequests, rateLimitsOf } from '../../../module/outbound/queue/rate-buckets.js';

/** A receiver on 127.0.0.1:0 that answers each request with `answer(n)` (n counts from 1). */
async function startReceiver(answer: (n: number) => { status: number; headers?: Record<string, string> }) {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(String(req.headers['webhook-id']));
    req.resume();
    req.on('end', () => {
      const a = answer(seen.length);
      res.writeHead(a.status, a.headers).end('ok');
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return {
    seen,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

const enqueue = enqueueTestDelivery;

describeEachEngine('per-destination rate limits', (tdb) => {
  const db = () => tdb().db;
  const byHost = (rows: Array<{ destinationHost: string }>) =>
    rows.reduce<Record<string, number>>((m, r) => ({ ...m, [r.destinationHost]: (m[r.destinationHost] ?? 0) + 1 }), {});
  /** Attempt start times (the claim's database clock) in order, and whether any attempt failed. */
  const attemptStarts = async (ids: number[]) =>
    (
      await db()('hookflow_attempts')
        .whereIn('delivery_id', ids)
        .orderBy('started_at')
        .select('started_at', 'status_code')
    ).map((r: any) => ({ at: Number(r.started_at), status: Number(r.status_code) }));

  before(async () => {
    await createTestHost(db()).then((h) => h.close());
  }); // the schema
  beforeEach(async () => {
    for (const table of ['hookflow_attempts', 'hookflow_deliveries', 'hookflow_destination_rates'])
      await db()(table).del();
  });

  test('a claim takes no more than each destination has tokens for; the rest waits queued, using no retry', async () => {
    for (let i = 0; i < 10; i++) {
      await enqueue(db(), 'http://a.example:8080/x');
      await enqueue(db(), 'http://b.example/x');
      await enqueue(db(), 'http://c.example/x');
    }
    const rateLimits = rateLimitsOf({
      destinationRateLimit: '3/s',
      destinationRateLimits: ['b.example 1/s', 'c.example 600/m'],
    });
    const opts = { leaseSeconds: 60, perHostConcurrency: 100, rateLimits };
    const first = await claimDueDeliveries(db(), 'w1', 100, opts);
    // Full buckets: one second's worth each (refilling during the test cannot pass the burst).
    assert.deepEqual(byHost(first), { 'a.example:8080': 3, 'b.example': 1, 'c.example': 10 });
    // Empty buckets that refill only later: nothing more now, whatever the cap and lanes say.
    await db()('hookflow_destination_rates').update({ tokens: 0, refilled_at: Date.now() + 600_000 });
    assert.deepEqual(await claimDueDeliveries(db(), 'w2', 100, opts), []);
    const waiting = await db()('hookflow_deliveries').where({ status: 'queued' });
    assert.equal(waiting.length, 16);
    assert.ok(
      waiting.every((d: any) => Number(d.attempt_count) === 0),
      'waiting used up no attempt',
    );
    // Without limits (the setting cleared) every due delivery is claimable again.
    assert.equal((await claimDueDeliveries(db(), 'w3', 100, { leaseSeconds: 60, perHostConcurrency: 100 })).length, 16);
  });

  test('a 429 with Retry-After pauses its destination, also without a limit, until the time has passed', async () => {
    for (let i = 0; i < 3; i++) {
      await enqueue(db(), 'http://d.example/x');
      await enqueue(db(), 'http://e.example/x');
    }
    await noteTooManyRequests(db(), 'd.example', 600_000, 86_400_000);
    const opts = { leaseSeconds: 60, perHostConcurrency: 100 };
    assert.deepEqual(byHost(await claimDueDeliveries(db(), 'w1', 100, opts)), { 'e.example': 3 });
    await db()('hookflow_destination_rates').where({ destination_host: 'd.example' }).update({ paused_until: 1 });
    assert.deepEqual(byHost(await claimDueDeliveries(db(), 'w1', 100, opts)), { 'd.example': 3 });
  });

  test('10/s holds across two workers: every delivery sent once, none failed, never faster than the limit', async (t) => {
    const receiver = await startReceiver(() => ({ status: 200 }));
    const settings = {
      outboundAllowlist: ['127.0.0.1/32'],
      destinationRateLimit: '10/s',
      perHostConcurrency: 16,
      maxConcurrency: 16,
      pollIntervalMs: 20,
    };
    const hosts: TestHost[] = [];
    t.after(async () => {
      await Promise.all(hosts.map((h) => h.close()));
      await receiver.close();
    });
    const ids: number[] = [];
    for (let i = 0; i < 40; i++) ids.push(await enqueue(db(), receiver.url));
    hosts.push(await createTestHost(db(), { settings }), await createTestHost(db(), { settings }));
    for (const h of hosts) h.hookflow.worker.start();
    const sent = async () =>
      Number(
        (await db()('hookflow_deliveries').whereIn('id', ids).where({ status: 'success' }).count({ n: '*' }))[0].n,
      );
    await waitFor('every delivery sent', 60_000, async () => (await sent()) === ids.length);
    assert.equal(new Set(receiver.seen).size, ids.length, 'each webhook-id once');
    assert.equal(receiver.seen.length, ids.length, 'nothing sent twice');
    const starts = await attemptStarts(ids);
    assert.ok(
      starts.every((s) => s.status === 200),
      'no attempt failed for the limit',
    );
    // Tokens: a burst of 10, then 10 per second. 40 requests need at least 3 s after the first;
    // within 10 %, and in no window of 1 s more than burst + rate (the claim's own clock).
    const span = starts.at(-1)!.at - starts[0].at;
    assert.ok(span >= 0.9 * 3000, `40 requests at 10/s took only ${span} ms`);
    for (let i = 0; i < starts.length; i++) {
      const inWindow = starts.filter((s) => s.at >= starts[i].at && s.at < starts[i].at + 1000).length;
      assert.ok(inWindow <= 20, `${inWindow} requests within 1 s from ${starts[i].at}`);
    }
  });

  test("a receiver's 429 with Retry-After: its other deliveries wait it out instead of burning retries", async (t) => {
    const receiver = await startReceiver((n) =>
      n === 1 ? { status: 429, headers: { 'retry-after': '2' } } : { status: 200 },
    );
    const settings = {
      outboundAllowlist: ['127.0.0.1/32'],
      perHostConcurrency: 1,
      pollIntervalMs: 20,
      retrySchedule: [1],
    };
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) ids.push(await enqueue(db(), receiver.url));
    const h = await createTestHost(db(), { settings });
    t.after(async () => {
      await h.close();
      await receiver.close();
    });
    h.hookflow.worker.start();
    await waitFor(
      'every delivery sent',
      60_000,
      async () =>
        Number(
          (await db()('hookflow_deliveries').whereIn('id', ids).where({ status: 'success' }).count({ n: '*' }))[0].n,
        ) === 4,
    );
    const starts = await attemptStarts(ids);
    assert.deepEqual(
      starts.map((s) => s.status),
      [429, 200, 200, 200, 200],
      'one 429, then each delivery once',
    );
    assert.ok(
      starts[1].at - starts[0].at >= 2000,
      `the next request came ${starts[1].at - starts[0].at} ms after the 429`,
    );
  });
});
