/**
 * A failure alert still waiting to be mailed (a digest window, a mail server that was down) when
 * its delivery is resent describes a failure that is no longer the last word: nobody is mailed
 * about it, and the alert ends sent. A resend that fails again has an alert of its own.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { createAlertLane } from '../../../module/alerts/alert-lane.js';
import { isStale } from '../../../module/alerts/alert-facts.js';
import type { AlertRow } from '../../../module/alerts/alert-queue.js';
import { resendDelivery } from '../../../module/outbound/log-api.js';

describeEachEngine('alerts of deliveries resent since they failed', (tdb) => {
  let h: TestHost;
  let rx: http.Server;
  let port = 0;
  const db = () => tdb().db;

  before(async () => {
    rx = http
      .createServer((req, res) => {
        req.resume();
        req.on('end', () => res.writeHead(500).end('down'));
      })
      .listen(0, '127.0.0.1');
    await new Promise((r) => rx.once('listening', r));
    port = (rx.address() as AddressInfo).port;
    const settings = {
      outboundAllowlist: ['127.0.0.1/32'],
      retrySchedule: [],
      alertWindowMinutes: 0,
      destinationPauseAfterFailures: 0,
    };
    h = await createTestHost(db(), { settings });
  });
  after(async () => {
    rx.closeAllConnections();
    await new Promise((r) => rx.close(r));
    await h.close();
  });

  test('a pending alert of a delivery resent since: no mail, the alert ends sent', async () => {
    await h.hookflow.services.workflows.create(
      {
        module: 'Deals',
        title: 'Stale alert',
        status: 'active',
        trigger: 'record.created',
        tasks: [{ type: 'webhook', title: 'hook', options: { url: `http://127.0.0.1:${port}/x` } }],
      },
      h.admin.id,
    );
    await h.records.create('Deals', { title: 'Resent deal' }, { actorUserId: h.sales.id });
    await h.hookflow.worker.drain();
    const delivery = await db()('hookflow_deliveries').orderBy('id', 'desc').first();
    assert.equal(delivery.status, 'failed');
    const mailedFirst = h.mails.length;
    assert.ok(mailedFirst > 0, 'the failure was mailed');
    // As if that mail had not gone out yet: the alert is pending again, nobody noted as mailed.
    const alert = await db()('hookflow_alerts').where({ delivery_id: delivery.id }).first();
    await db()('hookflow_alert_recipients').where({ alert_id: alert.id }).delete();
    await db()('hookflow_alerts')
      .where({ id: alert.id })
      .update({ status: 'pending', lease_owner: null, lease_expires_at: null });
    await resendDelivery(db(), Number(delivery.id), { name: 'Ada' });

    const lane = createAlertLane({
      db: db(),
      host: h.context,
      store: h.hookflow.services.store,
      settings: () => h.hookflow.services.settings.get(),
      logger: h.logger,
      workerId: 'alerts-only',
      adminUrl: 'http://crm.test/settings/hookflow',
    });
    const groups = (await lane.claim(1)) as AlertRow[][];
    assert.deepEqual(
      groups[0]?.map((a) => a.id),
      [alert.id],
    );
    await lane.process(groups[0]);
    assert.equal(h.mails.length, mailedFirst, 'nobody is mailed about a failure that was resent');
    assert.equal((await db()('hookflow_alerts').where({ id: alert.id }).first()).status, 'sent');
  });

  test('isStale: resent (reopened or tried again) is stale, the failing attempt itself is not', () => {
    assert.equal(isStale({ failedAtAttempt: 3 }, { status: 'failed', attemptCount: 3 }), false);
    assert.equal(isStale({ failedAtAttempt: 3 }, { status: 'queued', attemptCount: 3 }), true);
    assert.equal(
      isStale({ failedAtAttempt: 3 }, { status: 'failed', attemptCount: 4 }),
      true,
      'failed anew: its own alert tells',
    );
    assert.equal(
      isStale({ failedAtAttempt: 0 }, { status: 'failed', attemptCount: 9 }),
      false,
      'rows from before the attempt was kept',
    );
  });
});
