/**
 * Disable is a state an admin can see and undo: a 410 from a static URL disables the webhook,
 * later events are held (never skipped), re-enabling sends them once each, in order, or the
 * admin discards them; a 410 from a templated URL fails one delivery and disables nothing.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { serveAdminApi, type AdminApi } from '../../helpers/admin-api.js';
import { enqueueDelivery } from '../../../module/outbound/queue/enqueue.js';
import { sweepHeldDeliveries } from '../../../module/outbound/held-sweep.js';

describeEachEngine('disabled webhooks hold their deliveries', (tdb) => {
  let h: TestHost;
  let api: AdminApi;
  let rx: http.Server;
  let port = 0;
  /** Paths answered 410; everything else 200. */
  const gone = new Set<string>();
  const seen: Array<{ path: string; title: string }> = [];
  const db = () => tdb().db;

  before(async () => {
    rx = http
      .createServer((req, res) => {
        let body = '';
        req.on('data', (c) => {
          body += c;
        });
        req.on('end', () => {
          seen.push({ path: req.url!, title: JSON.parse(body || '{}').title ?? '' });
          res.writeHead(gone.has(req.url!) ? 410 : 200).end();
        });
      })
      .listen(0, '127.0.0.1');
    await new Promise((r) => rx.once('listening', r));
    port = (rx.address() as AddressInfo).port;
    // One at a time per host, so the order of arrival is the order of claiming.
    h = await createTestHost(db(), {
      settings: { outboundAllowlist: ['127.0.0.1/32'], retrySchedule: [1], retryJitter: 0, perHostConcurrency: 1 },
    });
    api = await serveAdminApi(h);
  });
  after(async () => {
    await api.close();
    rx.closeAllConnections();
    await new Promise((r) => rx.close(r));
    await h.close();
  });

  async function webhook(title: string, url: string) {
    const wf = await h.hookflow.services.workflows.create(
      {
        module: 'Deals',
        title,
        status: 'active',
        trigger: 'record.created',
        conditions: { join: 'all', conditions: [{ field: 'title', op: 'contains', value: title }] },
        tasks: [
          {
            type: 'webhook',
            title: `${title} hook`,
            options: { url, params: [{ name: 'title', value: '{{record.title}}' }] },
          },
        ],
      },
      h.admin.id,
    );
    return { workflowId: wf.id, taskId: wf.tasks[0].id };
  }
  const deal = (title: string) => h.records.create('Deals', { title }, { actorUserId: h.admin.id });
  const deliveriesOf = async (taskId: number) => db()('hookflow_deliveries').where({ task_id: taskId }).orderBy('id');
  const taskRow = (taskId: number) => db()('hookflow_tasks').where({ id: taskId }).first();

  test('410 on a static URL disables; queued and new deliveries are held; re-enable sends each once, in order', async () => {
    const { taskId } = await webhook('Static', `http://127.0.0.1:${port}/static`);
    // Queued before the 410 and not yet due: it must be held, not burnt.
    const later = await enqueueDelivery(db(), {
      webhookId: 'msg_notyetdue',
      runId: null,
      workflowId: null,
      taskId,
      eventType: 'record.created',
      module: 'Deals',
      recordId: null,
      method: 'POST',
      url: `http://127.0.0.1:${port}/static`,
      headers: { 'content-type': 'application/json' },
      contentType: 'application/json',
      body: '{"title":"Static early"}',
      originKey: null,
    });
    await db()('hookflow_deliveries')
      .where({ id: later.id })
      .update({ next_attempt_at: Date.now() + 3_600_000 });

    gone.add('/static');
    const goneDeal = await deal('Static gone');
    await h.hookflow.worker.drain();
    const task = await taskRow(taskId);
    assert.ok(task.disabled_at, 'disabled');
    assert.match(task.disabled_reason, /410 Gone/);
    assert.equal((await deliveriesOf(taskId)).find((d) => d.id === later.id)?.status, 'held', 'the queued one is held');

    // New events while disabled: runs succeed and write held deliveries; nothing is sent.
    const sentBefore = seen.length;
    for (const t of ['Static A', 'Static B', 'Static C']) await deal(t);
    await h.hookflow.worker.drain();
    assert.equal(seen.length, sentBefore, 'nothing is sent while disabled');
    const runs = await db()('hookflow_runs').where({ workflow_id: task.workflow_id }).orderBy('id').select('status');
    assert.deepEqual(
      runs.map((r) => r.status),
      ['succeeded', 'succeeded', 'succeeded', 'succeeded'],
      'events are never skipped',
    );
    // A run writes its delivery held at once (it is never queued for a worker to find disabled).
    const manual = await api.call('POST', `/workflows/${task.workflow_id}/run`, {
      recordId: goneDeal.id,
      mode: 'sync',
    });
    assert.equal(manual.status, 200, manual.text);
    assert.equal((await deliveriesOf(taskId)).at(-1).status, 'held', 'written held by the run itself');
    const held = await api.call('GET', `/deliveries?status=held&taskId=${taskId}`);
    assert.equal(held.body.total, 5);

    // Queued while enabled, claimed after the disable: held at send time, no attempt.
    const late = await enqueueDelivery(db(), {
      webhookId: 'msg_claimedlate',
      runId: null,
      workflowId: null,
      taskId,
      eventType: 'record.created',
      module: 'Deals',
      recordId: null,
      method: 'POST',
      url: `http://127.0.0.1:${port}/static`,
      headers: { 'content-type': 'application/json' },
      contentType: 'application/json',
      body: '{"title":"Static late"}',
      originKey: null,
    });
    await h.hookflow.worker.drain();
    const lateRow = (await deliveriesOf(taskId)).find((d) => d.id === late.id);
    assert.deepEqual([lateRow.status, Number(lateRow.attempt_count)], ['held', 0]);

    gone.delete('/static');
    const enabled = await api.call('POST', `/tasks/${taskId}/enable`);
    assert.equal(enabled.status, 200);
    assert.equal(enabled.body.released, 6);
    assert.equal((await taskRow(taskId)).disabled_at, null);
    await h.hookflow.worker.drain();
    const titles = seen.slice(sentBefore).map((s) => s.title);
    // Oldest first = by delivery id (three saves' runs may queue their deliveries in any order).
    const released = (await deliveriesOf(taskId))
      .filter((d) => Number(d.last_status_code) !== 410)
      .map((d) => JSON.parse(d.body).title);
    assert.deepEqual(titles, released, 'each once, oldest first');
    assert.deepEqual([...titles].sort(), [
      'Static A',
      'Static B',
      'Static C',
      'Static early',
      'Static gone',
      'Static late',
    ]);
    const end = await deliveriesOf(taskId);
    assert.deepEqual(end.map((d) => d.status).sort(), [
      'failed',
      'success',
      'success',
      'success',
      'success',
      'success',
      'success',
    ]);
  });

  test('held deliveries can be discarded; unknown tasks are 404', async () => {
    const { taskId } = await webhook('Discard', `http://127.0.0.1:${port}/discard`);
    await db()('hookflow_tasks').where({ id: taskId }).update({ disabled_at: Date.now(), disabled_reason: 'test' });
    await deal('Discard me');
    await h.hookflow.worker.drain();
    assert.deepEqual(
      (await deliveriesOf(taskId)).map((d) => d.status),
      ['held'],
    );
    const dropped = await api.call('POST', `/tasks/${taskId}/discard-held`);
    assert.deepEqual([dropped.status, dropped.body.discarded], [200, 1]);
    assert.deepEqual(
      (await deliveriesOf(taskId)).map((d) => d.status),
      ['discarded'],
    );
    const before = seen.length;
    assert.equal((await api.call('POST', `/tasks/${taskId}/enable`)).body.released, 0);
    await h.hookflow.worker.drain();
    assert.equal(seen.length, before, 'a discarded delivery is never sent');
    assert.equal((await api.call('POST', '/tasks/999999/enable')).status, 404);
    assert.equal((await api.call('POST', '/tasks/999999/discard-held')).status, 404);
    assert.equal((await api.call('GET', `/deliveries?status=Discarded&taskId=${taskId}`)).body.total, 1);
  });

  test('the sweep releases what an enabled webhook still holds (a hold that lost the race with re-enable) and discards what a deleted one holds', async () => {
    const enabled = await webhook('Raced', `http://127.0.0.1:${port}/raced`);
    const removed = await webhook('Removed', `http://127.0.0.1:${port}/removed`);
    for (const [taskId, title] of [
      [enabled.taskId, 'Raced late'],
      [removed.taskId, 'Removed late'],
    ] as const) {
      await enqueueDelivery(db(), {
        webhookId: `msg_${title.replace(' ', '_')}`,
        runId: null,
        workflowId: null,
        taskId,
        eventType: 'record.created',
        module: 'Deals',
        recordId: null,
        method: 'POST',
        url: `http://127.0.0.1:${port}/raced`,
        headers: { 'content-type': 'application/json' },
        contentType: 'application/json',
        body: JSON.stringify({ title }),
        originKey: null,
        held: true,
      });
    }
    await h.hookflow.services.store.remove(removed.workflowId);
    // What outbound reads of a webhook (install adapts the store the same way): gone, or its disabled state.
    const store = h.hookflow.services.store;
    const targets = {
      load: async (id: number) => {
        const task = await store.getTask(id);
        return task
          ? { taskId: id, options: null, secrets: {}, disabledAt: task.disabledAt, disabledReason: task.disabledReason }
          : null;
      },
      disable: async () => undefined,
    };
    assert.deepEqual(await sweepHeldDeliveries({ db: db(), targets, logger: h.logger }), { released: 1, discarded: 1 });
    assert.deepEqual(
      (await deliveriesOf(enabled.taskId)).map((d) => d.status),
      ['queued'],
      'released: it is sent',
    );
    const gone = await db()('hookflow_deliveries').where({ webhook_id: 'msg_Removed_late' }).first();
    assert.equal(gone.status, 'discarded');
    assert.match(gone.last_error, /its webhook was deleted while it was held/);
    await h.hookflow.worker.drain();
    assert.ok(
      seen.some((r) => r.title === 'Raced late'),
      'the released delivery was sent',
    );
    assert.deepEqual(await sweepHeldDeliveries({ db: db(), targets, logger: h.logger }), { released: 0, discarded: 0 });
  });

  test('410 on a templated URL fails that delivery only; the webhook stays on for other records', async () => {
    const { taskId } = await webhook('Templated', `http://127.0.0.1:${port}/items/{{record.title}}`);
    gone.add('/items/Templated%20gone');
    await deal('Templated gone');
    await h.hookflow.worker.drain();
    await deal('Templated fine');
    await h.hookflow.worker.drain();
    assert.equal((await taskRow(taskId)).disabled_at, null);
    const rows = await deliveriesOf(taskId);
    assert.deepEqual(
      rows.map((d) => [d.status, Number(d.attempt_count)]),
      [
        ['failed', 1],
        ['success', 1],
      ],
    );
    assert.match(rows[0].last_error, /only this delivery fails/);
    const mail = h.mails.find((m) => /Templated gone/.test(m.subject));
    assert.ok(mail, 'the failure is alerted');
    assert.doesNotMatch(mail.subject, /disabled/i, 'as a failure, not a disable');
  });
});
