/**
 * A disabled webhook on the pages of the reference host: the overview lists it with why, when and
 * how many deliveries it holds; the log shows held deliveries; one click re-enables it (the held
 * ones go out) or discards what it holds.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import {
  ADMIN,
  FormClient,
  startAdminHost,
  startReceiver,
  type AdminHost,
  type Receiver,
} from '../../helpers/admin-host.js';

describeEachEngine('disabled webhook pages', (tdb) => {
  let t: AdminHost;
  let rx: Receiver;
  let client: FormClient;
  const hf = () => t.host.hookflow;
  const db = () => tdb().db;

  before(async () => {
    rx = await startReceiver();
    t = await startAdminHost(db());
    client = await new FormClient(t.url).login(t.admin.email, t.admin.password);
    await hf().services.settings.save({ outboundAllowlist: ['127.0.0.1/32'], retrySchedule: [1], retryJitter: 0 });
  });
  after(async () => {
    await t?.close();
    await rx?.close();
  });

  async function disabledWebhook(title: string) {
    const wf = await hf().services.workflows.create(
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
            options: { url: rx.url, params: [{ name: 'title', value: '{{record.title}}' }] },
          },
        ],
      },
      t.admin.id,
    );
    rx.status = 410;
    await t.host.services.records.create('Deals', { title: `${title} gone` }, { actorUserId: t.admin.id });
    await hf().worker.drain();
    rx.status = 200;
    for (const n of [1, 2])
      await t.host.services.records.create('Deals', { title: `${title} ${n}` }, { actorUserId: t.admin.id });
    await hf().worker.drain();
    return { workflowId: wf.id, taskId: wf.tasks[0].id };
  }

  test('the overview shows why and what is held; Re-enable sends the held deliveries', async () => {
    const { taskId } = await disabledWebhook('Accounting');
    const overview = await client.get(`${ADMIN}/`);
    const card = overview.text.slice(overview.text.indexOf(`data-disabled-task="${taskId}"`));
    assert.ok(card.length < overview.text.length, 'the overview lists the disabled webhook');
    assert.match(card, /Accounting › Accounting hook: webhook disabled/);
    assert.match(card, /receiver answered 410 Gone/);
    assert.match(card, /2 deliveries are held/);
    const log = await client.get(`${ADMIN}/deliveries?status=held&taskId=${taskId}`);
    assert.equal((log.text.match(/badge badge-held/g) ?? []).length, 2, 'the log lists them as held');

    const before = rx.received.length;
    const enabled = await client.submit(`${ADMIN}/`, `${ADMIN}/tasks/${taskId}/enable`, { from: 'overview' });
    assert.equal(enabled.status, 303);
    assert.equal(enabled.location, `${ADMIN}/?notice=webhook-enabled-released`);
    assert.match((await client.get(enabled.location!)).text, /Its held deliveries are being sent/);
    await hf().worker.drain();
    // Oldest held delivery first (runs of two saves may queue their deliveries in either order).
    const held = await db()('hookflow_deliveries')
      .where({ task_id: taskId })
      .whereNot('last_status_code', 410)
      .orWhere({ task_id: taskId, last_status_code: null })
      .orderBy('id')
      .select('body');
    assert.deepEqual(
      rx.received.slice(before).map((r) => JSON.parse(r.body).title),
      held.map((d) => JSON.parse(d.body).title),
    );
    assert.deepEqual(held.map((d) => JSON.parse(d.body).title).sort(), ['Accounting 1', 'Accounting 2']);
    assert.doesNotMatch(
      (await client.get(`${ADMIN}/`)).text,
      new RegExp(`data-disabled-task="${taskId}"`),
      'no longer listed',
    );
  });

  test('the workflow and task pages show it too; Re-enable from the task page comes back to it', async () => {
    const { workflowId, taskId } = await disabledWebhook('Shipping');
    for (const page of [`${ADMIN}/workflows/${workflowId}`, `${ADMIN}/workflows/${workflowId}/tasks/${taskId}`]) {
      const html = (await client.get(page)).text;
      assert.match(html, new RegExp(`data-disabled-task="${taskId}"`), page);
      assert.match(html, /2 deliveries are held/, page);
    }
    const enabled = await client.submit(
      `${ADMIN}/workflows/${workflowId}/tasks/${taskId}`,
      `${ADMIN}/tasks/${taskId}/enable`,
      { from: 'task' },
    );
    assert.equal(enabled.location, `${ADMIN}/workflows/${workflowId}/tasks/${taskId}?notice=webhook-enabled-released`);
    assert.doesNotMatch((await client.get(`${ADMIN}/workflows/${workflowId}`)).text, /data-disabled-task=/);
    await hf().worker.drain();
  });

  test('Discard drops the held deliveries and goes back to the workflow page', async () => {
    const { workflowId, taskId } = await disabledWebhook('Billing');
    const discarded = await client.submit(`${ADMIN}/`, `${ADMIN}/tasks/${taskId}/discard-held`, { from: 'workflow' });
    assert.equal(discarded.location, `${ADMIN}/workflows/${workflowId}?notice=held-discarded`);
    const rows = await db()('hookflow_deliveries').where({ task_id: taskId }).orderBy('id').select('status');
    assert.deepEqual(
      rows.map((r) => r.status),
      ['failed', 'discarded', 'discarded'],
    );
    const overview = await client.get(`${ADMIN}/`);
    assert.match(
      overview.text.slice(overview.text.indexOf(`data-disabled-task="${taskId}"`)),
      /Nothing is held yet/,
      'still disabled, nothing held',
    );
    assert.equal((await client.submit(`${ADMIN}/`, `${ADMIN}/tasks/999999/enable`, {})).status, 404);
  });
});
