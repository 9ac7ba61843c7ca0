/** The log API's shape: attempts camelCase like deliveries (headers an object), status filters in any case. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost } from '../../helpers/test-host.js';
import { serveAdminApi } from '../../helpers/admin-api.js';

describeEachEngine('webhook log API shape', (tdb) => {
  test('attempts are camelCase with parsed, masked headers; Queued/FAILED filter like queued/failed', async (t) => {
    const rx = http
      .createServer((req, res) => {
        req.resume();
        res.writeHead(500, { 'x-rx': 'yes', 'set-cookie': 'sid=abc' }).end('nope');
      })
      .listen(0, '127.0.0.1');
    await new Promise((r) => rx.once('listening', r));
    t.after(
      () =>
        new Promise((r) => {
          rx.closeAllConnections();
          rx.close(r);
        }),
    );
    const h = await createTestHost(tdb().db, {
      settings: { outboundAllowlist: ['127.0.0.1/32'], retrySchedule: [], retryJitter: 0 },
    });
    t.after(() => h.close());
    const api = await serveAdminApi(h);
    t.after(() => api.close());
    await h.hookflow.services.workflows.create(
      {
        module: 'Deals',
        title: 'shape',
        status: 'active',
        trigger: 'record.created',
        tasks: [
          { type: 'webhook', title: 'w', options: { url: `http://127.0.0.1:${(rx.address() as AddressInfo).port}/` } },
        ],
      },
      h.admin.id,
    );
    await h.records.create('Deals', { title: 'x' }, { actorUserId: h.admin.id });
    await h.hookflow.worker.drain();

    for (const status of ['failed', 'Failed', 'FAILED', ' failed ']) {
      const r = await api.call('GET', `/deliveries?status=${encodeURIComponent(status)}`);
      assert.equal(r.status, 200, `${status}: ${r.text}`);
      assert.equal(r.body.total, 1, status);
    }
    assert.equal((await api.call('GET', '/deliveries?status=Queued')).body.total, 0);
    assert.equal((await api.call('GET', '/deliveries?status=nope')).status, 422);

    const { id } = (await api.call('GET', '/deliveries?status=failed')).body.deliveries[0];
    const [attempt] = (await api.call('GET', `/deliveries/${id}`)).body.attempts;
    assert.deepEqual(Object.keys(attempt).sort(), [
      'attemptNo',
      'deliveryId',
      'durationMs',
      'error',
      'id',
      'outcome',
      'requestedBy',
      'responseBody',
      'responseHeaders',
      'startedAt',
      'statusCode',
      'workerId',
      'writeBack',
    ]);
    assert.equal(attempt.deliveryId, id);
    assert.equal(attempt.statusCode, 500);
    assert.equal(attempt.responseBody, 'nope');
    assert.equal(attempt.responseHeaders['x-rx'], 'yes', 'an object, not a JSON string');
    assert.equal(attempt.responseHeaders['set-cookie'], '••••', 'secret-looking answer headers masked');
  });
});
