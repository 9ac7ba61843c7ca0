/**
 * Hold and resume (issue 17.3): a receiver that is down (503) gets N failed attempts, then its
 * deliveries are held while the worker probes it with the oldest one on a backoff; when it comes
 * back, every delivery arrives exactly once, in per-record order, and none used up its retries
 * while held. Another destination keeps delivering meanwhile. Test-scaled: 1 s retries and probes.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { describeEachEngine } from '../../helpers/engines.js';
import { waitFor } from '../../helpers/wait.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { serveAdminApi, type AdminApi } from '../../helpers/admin-api.js';
import { enqueueDelivery } from '../../../module/outbound/queue/enqueue.js';

interface Seen {
  webhookId: string;
  answered: number;
  record: number;
  seq: number;
}

/** A receiver on 127.0.0.1:0 answering 503 while `down`, 200 otherwise; it notes every request. */
async function startReceiver() {
  const seen: Seen[] = [];
  const state = { down: false };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const { record, seq } = JSON.parse(body || '{}');
      const answered = state.down ? 503 : 200;
      seen.push({ webhookId: String(req.headers['webhook-id']), answered, record, seq });
      res.writeHead(answered).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const port = (server.address() as AddressInfo).port;
  return {
    seen,
    state,
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}/hook`,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

const RETRIES = [1, 1, 1];
const SETTINGS = {
  outboundAllowlist: ['127.0.0.1/32'],
  retrySchedule: RETRIES,
  retryJitter: 0,
  pollIntervalMs: 50,
  // One at a time per destination, so the order of arrival is the order of sending.
  perHostConcurrency: 1,
  destinationPauseAfterFailures: 3,
  destinationProbeSeconds: 1,
  destinationProbeMaxSeconds: 2,
};

describeEachEngine('a failing destination is held and resumed', (tdb) => {
  let h: TestHost;
  let api: AdminApi;
  let down: Awaited<ReturnType<typeof startReceiver>>;
  let healthy: Awaited<ReturnType<typeof startReceiver>>;
  const db = () => tdb().db;

  before(async () => {
    down = await startReceiver();
    healthy = await startReceiver();
    h = await createTestHost(db(), { settings: SETTINGS });
    api = await serveAdminApi(h);
  });
  after(async () => {
    await api.close();
    await h.close();
    await down.close();
    await healthy.close();
  });

  const enqueue = (url: string, record: number, seq: number) =>
    enqueueDelivery(db(), {
      webhookId: `msg_${randomUUID()}`,
      runId: null,
      workflowId: null,
      taskId: null,
      eventType: 'record.updated',
      module: 'Deals',
      recordId: record,
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json' },
      contentType: 'application/json',
      body: JSON.stringify({ record, seq }),
      originKey: null,
    }).then((r) => r.id);
  const rowsTo = (host: string, ids?: number[]) => {
    const q = db()('hookflow_deliveries').where({ destination_host: host }).orderBy('id');
    return ids ? q.whereIn('id', ids) : q;
  };
  const startWorker = () => {
    if (!h.hookflow.worker.running) h.hookflow.worker.start();
  };
  const health = (host: string) => db()('hookflow_destinations').where({ destination_host: host }).first();

  test('down, held, probed with the oldest, back: each delivered once, in per-record order, none exhausted', async () => {
    down.state.down = true;
    const ids: number[] = [];
    for (let seq = 1; seq <= 4; seq++) for (const record of [1, 2, 3]) ids.push(await enqueue(down.url, record, seq));
    startWorker();

    await waitFor('the failing destination to be held', 60_000, async () => {
      const failed = (await rowsTo(down.host, ids)).filter((r) => r.status === 'failed');
      if (failed.length > 0) assert.fail(`delivery ${failed[0].id} used up its retries: ${failed[0].last_error}`);
      return (await health(down.host))?.paused_at != null;
    });
    const pausedAt = Number((await health(down.host)).paused_at);
    // Another destination is unaffected while this one is held.
    const healthyIds: number[] = [];
    for (const record of [1, 2])
      for (let seq = 1; seq <= 3; seq++) healthyIds.push(await enqueue(healthy.url, record, seq));
    await waitFor("the healthy destination's deliveries", 60_000, async () =>
      (await rowsTo(healthy.host, healthyIds)).every((r) => r.status === 'success'),
    );
    assert.equal(healthy.seen.length, healthyIds.length, 'each sent once, at once');

    // Probes go on until the oldest delivery has had more attempts than its retries allow.
    await waitFor(
      'probes beyond the retry schedule',
      60_000,
      async () => Number((await rowsTo(down.host, ids))[0].attempt_count) > RETRIES.length + 1,
    );
    const listed = await api.call('GET', '/destinations');
    assert.equal(listed.status, 200);
    const mine = listed.body.destinations.find((d: { host: string }) => d.host === down.host);
    assert.ok(mine, 'the API lists the held destination');
    assert.equal(mine.held, ids.length, 'all of them wait');
    assert.ok(
      mine.failingSince <= pausedAt &&
        mine.consecutiveFailures >= 3 &&
        mine.probeCount >= 1 &&
        mine.nextProbeAt > pausedAt,
      JSON.stringify(mine),
    );
    const waiting = await api.call('GET', `/deliveries/${ids.at(-1)}`);
    assert.equal(waiting.body.delivery.status, 'queued');
    assert.equal(waiting.body.destination?.host, down.host, 'a waiting delivery says what it waits for');
    assert.equal(
      (await rowsTo(down.host, ids)).filter((r) => r.status === 'failed').length,
      0,
      'nothing failed while held',
    );
    assert.equal(
      (await api.call('POST', '/destinations/127.0.0.1:1/probe')).status,
      404,
      'only a held destination can be tried now',
    );

    down.state.down = false;
    await waitFor('every held delivery', 60_000, async () =>
      (await rowsTo(down.host, ids)).every((r) => r.status === 'success'),
    );
    const rows = await rowsTo(down.host, ids);
    const mineIds = new Set(rows.map((r) => r.webhook_id));
    const delivered = down.seen.filter((s) => s.answered === 200 && mineIds.has(s.webhookId));
    assert.deepEqual(
      delivered.map((s) => s.webhookId).sort(),
      rows.map((r) => r.webhook_id).sort(),
      'every delivery arrived exactly once',
    );
    for (const record of [1, 2, 3])
      assert.deepEqual(
        delivered.filter((s) => s.record === record).map((s) => s.seq),
        [1, 2, 3, 4],
        `record ${record} in order`,
      );
    // While held, only the probe (the oldest delivery) was tried.
    const heldAttempts = await db()('hookflow_attempts')
      .whereIn('delivery_id', ids)
      .where('started_at', '>=', pausedAt)
      .whereNot({ outcome: 'success' });
    assert.ok(heldAttempts.length >= 2, 'probed more than once');
    assert.deepEqual(
      [...new Set(heldAttempts.map((a) => Number(a.delivery_id)))],
      [ids[0]],
      'probes use the oldest delivery only',
    );
    const after = await health(down.host);
    assert.deepEqual(
      [Number(after.consecutive_failures), after.paused_at, after.next_probe_at],
      [0, null, null],
      'healthy again',
    );
    assert.deepEqual(
      (await api.call('GET', '/destinations')).body.destinations.filter((d: { host: string }) => d.host === down.host),
      [],
    );
    assert.equal(h.mails.length, 0, 'no failure alerts');
  });

  test('switching holding off ends every hold: what waited is sent at once', async (t) => {
    // Probed only in an hour: nothing but the switch can end this hold within the test.
    await h.hookflow.services.settings.save({ destinationProbeSeconds: 3600 });
    t.after(() =>
      h.hookflow.services.settings.save({
        destinationProbeSeconds: SETTINGS.destinationProbeSeconds,
        destinationPauseAfterFailures: SETTINGS.destinationPauseAfterFailures,
      }),
    );
    down.state.down = true;
    const ids: number[] = [];
    for (let seq = 1; seq <= 4; seq++) ids.push(await enqueue(down.url, 9, seq));
    startWorker();
    await waitFor(
      'the failing destination to be held',
      60_000,
      async () => (await health(down.host))?.paused_at != null,
    );
    down.state.down = false;
    await h.hookflow.services.settings.save({ destinationPauseAfterFailures: 0 });
    await waitFor('every delivery once holding is off', 60_000, async () =>
      (await rowsTo(down.host, ids)).every((r) => r.status === 'success'),
    );
    assert.equal((await health(down.host)).paused_at, null);
    assert.deepEqual(
      down.seen.filter((s) => s.answered === 200 && s.record === 9).map((s) => s.seq),
      [1, 2, 3, 4],
    );
  });
});
