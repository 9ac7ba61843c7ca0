import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { dbNowMs } from '../../../module/storage/engine.js';
import { enqueueDelivery } from '../../../module/outbound/queue/enqueue.js';
import { createAlertWorld, createWebhookWorkflow, failAll, type AlertWorld } from './alert-fixture.js';

const MIN = 60_000;

describeEachEngine('failure alerts: mail failures and crashed workers', (tdb) => {
  let w: AlertWorld;
  before(async () => {
    w = await createAlertWorld(tdb().db);
  });
  after(async () => {
    await w.close();
  });
  beforeEach(() => {
    w.smtp.received.length = 0;
    w.smtp.refuse.clear();
  });

  const db = () => tdb().db;
  const alertOf = async (workflowId: number) => {
    const d = await db()('hookflow_deliveries').where({ workflow_id: workflowId }).first();
    return { delivery: d, alert: await db()('hookflow_alerts').where({ delivery_id: d.id }).first() };
  };

  test('SMTP server down: the alert is retried later and delivered once it is back; the delivery stays failed', async () => {
    const { workflowId } = await createWebhookWorkflow(w, 'SMTP down', '/smtp-down');
    await w.smtp.stop();
    try {
      await w.h.records.create('Deals', { title: 'Unlucky' }, { actorUserId: w.h.sales.id });
      await failAll(w, workflowId);
    } finally {
      await w.smtp.start();
    }
    let { delivery, alert } = await alertOf(workflowId);
    assert.equal(delivery.status, 'failed');
    assert.equal(delivery.alert_state, 'pending');
    assert.equal(alert.status, 'pending');
    assert.equal(alert.attempts, 1);
    assert.match(alert.last_error, /ECONNREFUSED/);
    const now = await dbNowMs(db());
    assert.ok(
      Number(alert.due_at) > now + 0.5 * MIN && Number(alert.due_at) <= now + MIN,
      'first retry about a minute later',
    );
    assert.equal(alert.lease_owner, null, 'lease released');
    const log = JSON.stringify(w.h.logger.entries.filter((e) => e.msg?.includes('alert')));
    assert.match(log, /will retry/);

    await w.h.hookflow.worker.drain();
    assert.equal(w.smtp.received.length, 0, 'not before its retry time');
    await db()('hookflow_alerts').where({ id: alert.id }).update({ due_at: 0 });
    await w.h.hookflow.worker.drain();
    assert.deepEqual(w.smtp.received.flatMap((m) => m.rcptTo).sort(), [
      'admin@example.com',
      'bob@example.com',
      'sam@example.com',
    ]);
    ({ delivery, alert } = await alertOf(workflowId));
    assert.equal(alert.status, 'sent');
    assert.equal(delivery.status, 'failed', 'the delivery status is never touched');
    assert.equal(delivery.alert_state, 'sent');
  });

  test('a recipient refused temporarily: the others are not mailed twice when the alert is retried', async () => {
    const { workflowId } = await createWebhookWorkflow(w, 'Busy mailbox', '/busy');
    w.smtp.refuse.add('bob@example.com');
    await w.h.records.create('Deals', { title: 'Partial' }, { actorUserId: w.h.sales.id });
    await failAll(w, workflowId);
    assert.deepEqual(w.smtp.received.flatMap((m) => m.rcptTo).sort(), ['admin@example.com', 'sam@example.com']);
    let { alert } = await alertOf(workflowId);
    assert.equal(alert.status, 'pending');
    assert.match(alert.last_error, /mail to 1 of 3 recipients failed: .*451/);

    w.smtp.refuse.clear();
    await db()('hookflow_alerts').where({ id: alert.id }).update({ due_at: 0 });
    await w.h.hookflow.worker.drain();
    assert.deepEqual(
      w.smtp.received.flatMap((m) => m.rcptTo).sort(),
      ['admin@example.com', 'bob@example.com', 'sam@example.com'],
      'only bob is mailed on the retry',
    );
    ({ alert } = await alertOf(workflowId));
    assert.equal(alert.status, 'sent');
    assert.equal(alert.attempts, 1);
  });

  test('an alert leased by a worker that died is picked up once its lease expires', async () => {
    const { workflowId, taskId, url } = await createWebhookWorkflow(w, 'Dead worker', '/dead');
    const deal = await w.h.records.create('Deals', { title: 'Orphan' }, { actorUserId: w.h.sales.id });
    await db()('hookflow_runs').where({ workflow_id: workflowId }).update({ status: 'succeeded' }); // only our hand-made delivery
    const id = (
      await enqueueDelivery(db(), {
        webhookId: 'msg_deadworker',
        runId: null,
        workflowId,
        taskId,
        eventType: 'record.created',
        module: 'Deals',
        recordId: deal.id,
        method: 'POST',
        url,
        headers: {},
        contentType: 'application/json',
        body: '{}',
        originKey: null,
      })
    ).id;
    const now = await dbNowMs(db());
    await db()('hookflow_deliveries').where({ id }).update({
      status: 'failed',
      attempt_count: 3,
      last_status_code: 502,
      last_error: 'receiver answered 502',
      finished_at: now,
      alert_state: 'pending',
    });
    await db()('hookflow_alerts').insert({
      delivery_id: id,
      task_id: taskId,
      status: 'pending',
      due_at: now,
      created_at: now,
      lease_owner: 'dead-worker',
      lease_expires_at: now + 60_000,
    });

    await w.h.hookflow.worker.drain();
    assert.equal(w.smtp.received.length, 0, 'a live-looking lease is respected');
    await db()('hookflow_alerts')
      .where({ delivery_id: id })
      .update({ lease_expires_at: now - 1 });
    await w.h.hookflow.worker.drain();
    assert.equal(w.smtp.received.length, 3);
    assert.match(w.smtp.received[0].text, /HTTP 502 - receiver answered 502/);
    assert.match(w.smtp.received[0].text, /Attempts:\s+3/);
    const alert = await db()('hookflow_alerts').where({ delivery_id: id }).first();
    assert.equal(alert.status, 'sent');
    assert.equal(alert.lease_owner, null);
  });
});
