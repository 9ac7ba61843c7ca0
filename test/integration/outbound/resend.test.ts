/**
 * Resend keeps the message identity (Standard Webhooks: the id stays the same when a message is
 * resent): same delivery, same webhook-id and body, a fresh timestamp and signature, an attempt
 * row naming who asked, the whole retry schedule again; bulk resend never sends a message twice.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { serveAdminApi, type AdminApi } from '../../helpers/admin-api.js';
import { waitFor } from '../../helpers/wait.js';
import { generateSigningSecret } from '../../../module/outbound/sign.js';

interface Seen {
  path: string;
  id: string;
  timestamp: number;
  signature: string;
  body: string;
}

describeEachEngine('resend keeps the message identity', (tdb) => {
  let h: TestHost;
  let api: AdminApi;
  let rx: http.Server;
  let failing = true;
  let taskId = 0;
  const seen: Seen[] = [];
  const secret = generateSigningSecret();
  const db = () => tdb().db;

  before(async () => {
    rx = http
      .createServer((req, res) => {
        let body = '';
        req.on('data', (c) => {
          body += c;
        });
        req.on('end', () => {
          seen.push({
            path: req.url!,
            id: String(req.headers['webhook-id']),
            timestamp: Number(req.headers['webhook-timestamp']),
            signature: String(req.headers['webhook-signature']),
            body,
          });
          res.writeHead(failing ? 500 : 200).end();
        });
      })
      .listen(0, '127.0.0.1');
    await new Promise((r) => rx.once('listening', r));
    const port = (rx.address() as AddressInfo).port;
    // Every test here fails deliveries to this one receiver on purpose: it must never be held
    // for it (holding a failing destination is tested in destination-hold.test.ts).
    h = await createTestHost(db(), {
      settings: {
        outboundAllowlist: ['127.0.0.1/32'],
        retrySchedule: [1],
        retryJitter: 0,
        destinationPauseAfterFailures: 0,
      },
    });
    const wf = await h.hookflow.services.workflows.create(
      {
        module: 'Deals',
        title: 'resend',
        status: 'active',
        trigger: 'record.created',
        tasks: [
          {
            type: 'webhook',
            title: 'signed',
            options: {
              url: `http://127.0.0.1:${port}/deal/{{record.id}}`,
              sign: true,
              params: [{ name: 'title', value: '{{record.title}}' }],
            },
            secrets: { signingSecret: secret },
          },
        ],
      },
      h.admin.id,
    );
    taskId = wf.tasks[0].id;
    api = await serveAdminApi(h);
  });
  after(async () => {
    await api.close();
    rx.closeAllConnections();
    await new Promise((r) => rx.close(r));
    await h.close();
  });

  /** Runs every due attempt, making retries due at once, until nothing is queued. */
  async function sendAll(): Promise<void> {
    for (let i = 0; i < 10; i++) {
      await h.hookflow.worker.drain();
      const n = await db()('hookflow_deliveries').where({ status: 'queued' }).update({ next_attempt_at: 0 });
      if (Number(n) === 0) return;
    }
    throw new Error('deliveries still queued after 10 rounds');
  }

  const deliveryOf = async (recordId: number) =>
    (await api.call('GET', `/deliveries?recordId=${recordId}`)).body.deliveries[0];

  test('a resend is a new attempt of the same message: same id and body, fresh timestamp and signature, who asked', async () => {
    failing = true;
    const deal = await h.records.create('Deals', { title: 'Resent deal' }, { actorUserId: h.admin.id });
    await h.hookflow.worker.drain();
    const firstTs = seen.at(-1)!.timestamp;
    await sendAll();
    const failed = await deliveryOf(deal.id);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.attemptCount, 2);
    // The next attempt must be in a later second, so that a fresh timestamp can be told apart.
    await waitFor("the clock to pass the first attempt's second", 3000, () => Math.floor(Date.now() / 1000) > firstTs);

    failing = false;
    const resent = await api.call('POST', `/deliveries/${failed.id}/resend`);
    assert.equal(resent.status, 202);
    assert.equal(resent.body.delivery.id, failed.id, 'the same delivery, not a copy');
    assert.equal(resent.body.delivery.webhookId, failed.webhookId);
    assert.equal(resent.body.delivery.status, 'queued');
    assert.equal(resent.body.delivery.resentBy, h.admin.name);
    assert.equal(
      (await api.call('POST', `/deliveries/${failed.id}/resend`)).status,
      409,
      'a queued delivery is not queued twice',
    );
    await sendAll();

    const got = seen.filter((s) => s.path === `/deal/${deal.id}`);
    assert.equal(got.length, 3);
    assert.deepEqual(
      new Set(got.map((s) => s.id)),
      new Set([failed.webhookId]),
      'every attempt carries the same webhook-id',
    );
    assert.equal(got[2].body, got[0].body, 'the same message');
    assert.ok(got[2].timestamp > firstTs, 'a fresh timestamp');
    assert.notEqual(got[2].signature, got[0].signature, 'a fresh signature');
    const verified = new Webhook(secret).verify(got[2].body, {
      'webhook-id': got[2].id,
      'webhook-timestamp': String(got[2].timestamp),
      'webhook-signature': got[2].signature,
    });
    assert.ok(verified);

    const detail = (await api.call('GET', `/deliveries/${failed.id}`)).body;
    assert.equal(detail.delivery.status, 'success');
    assert.deepEqual(
      detail.attempts.map((a: any) => [a.attemptNo, a.requestedBy]),
      [
        [1, null],
        [2, null],
        [3, h.admin.name],
      ],
    );
    assert.ok(detail.delivery.resentAt >= failed.finishedAt);
  });

  test('a resend gets the whole retry schedule again (its failures count from the resend)', async () => {
    failing = true;
    const deal = await h.records.create('Deals', { title: 'Still down' }, { actorUserId: h.admin.id });
    await sendAll();
    const failed = await deliveryOf(deal.id);
    assert.equal(failed.status, 'failed');
    assert.equal((await api.call('POST', `/deliveries/${failed.id}/resend`)).status, 202);
    await h.hookflow.worker.drain();
    const afterOne = await deliveryOf(deal.id);
    assert.equal(afterOne.attemptCount, 3);
    assert.equal(afterOne.status, 'queued', 'the first attempt after a resend has its retries ahead of it');
    await sendAll();
    const end = await deliveryOf(deal.id);
    assert.equal(end.status, 'failed');
    assert.equal(end.attemptCount, 4, 'two attempts per cycle with a schedule of one retry');
    const alerts = await db()('hookflow_alerts')
      .where({ delivery_id: end.id })
      .orderBy('id')
      .select('failed_at_attempt');
    assert.deepEqual(
      alerts.map((a) => Number(a.failed_at_attempt)),
      [2, 4],
      'failing again after a resend is alerted again',
    );
  });

  test('bulk resend skips what a resend took care of; repeating it sends nothing', async () => {
    failing = true;
    const since = Date.now() - 1;
    const deals = [];
    for (const title of ['Bulk 1', 'Bulk 2', 'Bulk 3'])
      deals.push(await h.records.create('Deals', { title }, { actorUserId: h.admin.id }));
    await sendAll();
    const [d1, d2, d3] = await Promise.all(deals.map((d) => deliveryOf(d.id)));
    assert.deepEqual([d1.status, d2.status, d3.status], ['failed', 'failed', 'failed']);

    failing = false;
    await api.call('POST', `/deliveries/${d1.id}/resend`);
    await sendAll(); // d1 delivered by its resend
    await api.call('POST', `/deliveries/${d2.id}/resend`); // d2's resend in flight

    const bulk = await api.call('POST', '/deliveries/resend-failed', { taskId, since });
    assert.equal(bulk.status, 202);
    assert.deepEqual(bulk.body.deliveryIds, [d3.id]);
    const byId = (a: { id: number }, b: { id: number }) => a.id - b.id;
    assert.deepEqual(
      bulk.body.skipped,
      [
        { id: d1.id, reason: 'succeeded_since' },
        { id: d2.id, reason: 'in_flight' },
      ].sort(byId),
    );
    const again = await api.call('POST', '/deliveries/resend-failed', { taskId, since });
    assert.equal(again.status, 200);
    assert.equal(again.body.resent, 0, 'a second identical bulk resend sends nothing');
    assert.deepEqual(
      again.body.skipped.map((s: any) => s.id),
      [d1.id, d2.id, d3.id].sort((a, b) => a - b),
    );

    const before = seen.length;
    await sendAll();
    const sent = seen
      .slice(before)
      .map((s) => s.id)
      .sort();
    assert.deepEqual(sent, [d2.webhookId, d3.webhookId].sort(), 'each message once');
  });

  test('bulk resend honours copies made by an earlier release (resend_of_id)', async () => {
    failing = true;
    const since = Date.now() - 1;
    const deal = await h.records.create('Deals', { title: 'Legacy' }, { actorUserId: h.admin.id });
    await sendAll();
    const original = await deliveryOf(deal.id);
    const row = await db()('hookflow_deliveries').where({ id: original.id }).first();
    const { id: _id, ...copy } = row;
    await db()('hookflow_deliveries').insert({
      ...copy,
      webhook_id: 'msg_legacycopy',
      origin_key: null,
      resend_of_id: original.id,
      status: 'success',
    });
    const bulk = await api.call('POST', '/deliveries/resend-failed', { taskId, since });
    assert.equal(bulk.body.resent, 0);
    assert.deepEqual(bulk.body.skipped, [{ id: original.id, reason: 'succeeded_since' }]);
  });

  test('bad resends: unknown delivery 404, bad bulk input 422', async () => {
    assert.equal((await api.call('POST', '/deliveries/999999/resend')).status, 404);
    assert.equal((await api.call('POST', '/deliveries/resend-failed', { taskId: 'x', since: 0 })).status, 422);
  });
});
