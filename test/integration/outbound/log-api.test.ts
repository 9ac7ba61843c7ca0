import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { serveAdminApi, type AdminApi } from '../../helpers/admin-api.js';

describeEachEngine('webhook log API', (tdb) => {
  let h: TestHost;
  let api: AdminApi;
  let rx: http.Server;
  let failing = true;
  const ids: string[] = [];
  const call: AdminApi['call'] = (method, path, body) => api.call(method, path, body);

  before(async () => {
    rx = http
      .createServer((req, res) => {
        ids.push(String(req.headers['webhook-id']));
        req.resume();
        res.writeHead(failing ? 500 : 200).end();
      })
      .listen(0, '127.0.0.1');
    await new Promise((r) => rx.once('listening', r));
    const port = (rx.address() as AddressInfo).port;
    h = await createTestHost(tdb().db, {
      settings: { outboundAllowlist: ['127.0.0.1/32'], retrySchedule: [1], retryJitter: 0 },
    });
    await h.hookflow.services.workflows.create(
      {
        module: 'Deals',
        title: 'log',
        status: 'active',
        trigger: 'record.created',
        tasks: [
          {
            type: 'webhook',
            title: 'w',
            options: { url: `http://127.0.0.1:${port}/`, headers: [{ name: 'X-Api-Key', value: 'k-123' }] },
          },
        ],
      },
      h.admin.id,
    );
    api = await serveAdminApi(h);
  });
  after(async () => {
    await api.close();
    rx.closeAllConnections();
    await new Promise((r) => rx.close(r));
    await h.close();
  });

  test('lists by status with attempts, masks secret-looking headers, resends keeping the webhook-id, bulk-resends failed', async () => {
    const t0 = Date.now() - 1000;
    const deal = await h.records.create('Deals', { title: 'x' }, { actorUserId: h.admin.id });
    await h.records.create('Deals', { title: 'y' }, { actorUserId: h.admin.id });
    for (let i = 0; i < 2; i++) {
      await h.hookflow.worker.drain();
      await tdb().db('hookflow_deliveries').where({ status: 'queued' }).update({ next_attempt_at: 0 });
    }
    const failed = await call('GET', '/deliveries?status=failed');
    assert.equal(failed.body.total, 2);
    const one = failed.body.deliveries.find((d: any) => d.recordId === deal.id);
    assert.equal(one.headers['X-Api-Key'], '••••');
    const detail = await call('GET', `/deliveries/${one.id}`);
    assert.deepEqual(
      detail.body.attempts.map((a: any) => a.statusCode),
      [500, 500],
    );
    failing = false;
    const resent = await call('POST', `/deliveries/${one.id}/resend`);
    assert.equal(resent.status, 202);
    assert.equal(resent.body.delivery.id, one.id, 'a resend reopens the delivery');
    assert.equal(resent.body.delivery.webhookId, one.webhookId, 'and keeps its webhook-id');
    await h.hookflow.worker.drain();
    assert.equal((await call('GET', `/deliveries/${one.id}`)).body.delivery.status, 'success');
    assert.equal(ids.at(-1), one.webhookId);
    const bulk = await call('POST', '/deliveries/resend-failed', { taskId: one.taskId, since: t0 });
    assert.equal(bulk.body.resent, 1, 'the other failed one; the resent one succeeded since');
    assert.deepEqual(bulk.body.skipped, [{ id: one.id, reason: 'succeeded_since' }]);
    await h.hookflow.worker.drain();
    assert.equal((await call('GET', '/deliveries?status=success')).body.total, 2);
    assert.equal((await call('GET', '/deliveries?status=nope')).status, 422);
    assert.equal((await call('POST', '/deliveries/999999/resend')).status, 404);
  });
});
