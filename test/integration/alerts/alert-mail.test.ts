import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { createAlertWorld, createWebhookWorkflow, failAll, type AlertWorld } from './alert-fixture.js';

const ADMIN_URL = 'http://crm.test/settings/hookflow';
const MIN = 60_000;

describeEachEngine('failure alerts: who gets what', (tdb) => {
  let w: AlertWorld;
  before(async () => {
    w = await createAlertWorld(tdb().db);
  });
  after(async () => {
    await w.close();
  });
  beforeEach(() => {
    w.smtp.received.length = 0;
  });

  const db = () => tdb().db;
  const deliveriesOf = (workflowId: number) =>
    db()('hookflow_deliveries').where({ workflow_id: workflowId }).orderBy('id');

  test('a delivery that fails after its retries: one mail each to the owner and every active admin, none to an inactive admin', async () => {
    const { workflowId, url } = await createWebhookWorkflow(w, 'Won deals to ERP', '/erp?token=abc');
    const deal = await w.h.records.create('Deals', { title: 'Big deal' }, { actorUserId: w.h.sales.id });
    await failAll(w, workflowId);
    const [d] = await deliveriesOf(workflowId);
    assert.equal(d.status, 'failed');
    assert.equal(d.attempt_count, 2);
    assert.deepEqual(
      w.smtp.received
        .map((m) => m.rcptTo)
        .flat()
        .sort(),
      ['admin@example.com', 'bob@example.com', 'sam@example.com'],
    );
    assert.equal(w.smtp.to('ina@example.com').length, 0, 'an inactive admin is not mailed');
    for (const m of w.smtp.received) {
      assert.equal(m.rcptTo.length, 1, 'one recipient per message: nobody sees the others');
      assert.equal(
        m.subject,
        `[Hookflow] Webhook failed: Won deals to ERP / Won deals to ERP hook (Deals #${deal.id} “Big deal”)`,
      );
      // Admins see the path with the token masked; the non-admin owner the origin only.
      const shownUrl = m.rcptTo[0] === 'sam@example.com' ? new URL(url).origin : url.replace('abc', '****');
      for (const want of ['Won deals to ERP hook', `Deals #${deal.id} “Big deal”`, `POST ${shownUrl}\n`, 'HTTP 500']) {
        assert.ok(m.text.includes(want), `text has ${want}`);
      }
      assert.match(m.text, /Attempts:\s+2\n/);
      // Only admins get the (admin-only) log entry; the non-admin owner would get a 403 there.
      const admin = m.rcptTo[0] !== 'sam@example.com';
      assert.equal(
        m.text.includes(`${ADMIN_URL}/deliveries/${d.id}`),
        admin,
        'text links the log entry to admins only',
      );
      assert.equal(
        m.html.includes(`href="${ADMIN_URL}/deliveries/${d.id}"`),
        admin,
        'html links the log entry to admins only',
      );
      assert.ok(!m.text.includes('abc') && !m.html.includes('abc'), 'a token in the URL is masked');
      assert.equal(m.parsed.headers.get('auto-submitted'), 'auto-generated');
    }
    assert.match(w.smtp.to('sam@example.com')[0].text, /Hello Sam Sales,/);
    const alert = await db()('hookflow_alerts').where({ delivery_id: d.id }).first();
    assert.equal(alert.status, 'sent');
    assert.equal((await deliveriesOf(workflowId))[0].alert_state, 'sent');
    assert.equal((await deliveriesOf(workflowId))[0].status, 'failed');

    await w.h.hookflow.worker.drain();
    assert.equal(w.smtp.received.length, 3, 'a failed delivery is reported exactly once');
  });

  test('a secret in the URL path never reaches the non-admin owner; a hostile record title cannot add a line to the text mail', async () => {
    const secretPath = '/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX';
    const { workflowId, url } = await createWebhookWorkflow(w, 'Slack alerts', secretPath);
    const title = 'Deal\nLog entry: https://evil.example/x\r\nAttempts:    0\u2028Failed at: never\u0085end';
    const deal = await w.h.records.create('Deals', { title }, { actorUserId: w.h.sales.id });
    await failAll(w, workflowId);
    const [d] = await deliveriesOf(workflowId);
    const origin = new URL(url).origin;
    const [sam] = w.smtp.to('sam@example.com');
    assert.ok(sam, 'the owner is mailed');
    for (const part of [sam.text, sam.html])
      assert.ok(!part.includes('XXXX') && !part.includes('/services'), 'no path reaches the owner');
    assert.ok(sam.text.includes(`  Request:     POST ${origin}\n`), sam.text);
    const [ada] = w.smtp.to('admin@example.com');
    assert.ok(!ada.text.includes('XXXX') && !ada.html.includes('XXXX'), 'the admin sees the secret segment masked');
    assert.ok(ada.text.includes(`  Request:     POST ${origin}/services/T000/B000/****\n`), ada.text);
    for (const m of [sam, ada]) {
      const lines = m.text.split(/\r?\n/);
      assert.deepEqual(
        lines.filter((l) => /^\s*(Log entry|Attempts|Failed at):/.test(l)).map((l) => l.trim().split(':')[0]),
        m === sam ? ['Attempts', 'Failed at'] : ['Attempts', 'Failed at', 'Log entry'],
        'only the real lines',
      );
      assert.ok(
        lines.includes(
          `Delivery #${d.id} - Deals #${deal.id} “Deal Log entry: https://evil.example/x Attempts:    0 Failed at: never end”`,
        ),
        m.text,
      );
    }
  });

  test('an owner who is also an admin gets one mail', async () => {
    const { workflowId } = await createWebhookWorkflow(w, 'Owner is admin', '/own');
    await w.h.records.create('Deals', { title: 'Mine' }, { actorUserId: w.h.admin.id });
    await failAll(w, workflowId);
    assert.equal(w.smtp.to('admin@example.com').length, 1);
    assert.equal(w.smtp.to('bob@example.com').length, 1);
    assert.equal(w.smtp.received.length, 2);
  });

  test('several failures of one webhook within the window: the first mailed at once, the rest in one digest per recipient when the window ends', async () => {
    const { workflowId, taskId } = await createWebhookWorkflow(w, 'Digest', '/digest');
    const first = await w.h.records.create('Deals', { title: 'First' }, { actorUserId: w.h.sales.id });
    await failAll(w, workflowId);
    assert.equal(w.smtp.received.length, 3, 'first failure: mailed at once');
    const firstMailAt = Number((await db()('hookflow_alert_recipients').max({ t: 'sent_at' }))[0].t);

    const samDeals = [
      await w.h.records.create('Deals', { title: 'Second' }, { actorUserId: w.h.sales.id }),
      await w.h.records.create('Deals', { title: 'Third' }, { actorUserId: w.h.sales.id }),
    ];
    const adminDeal = await w.h.records.create('Deals', { title: 'Fourth' }, { actorUserId: w.h.admin.id });
    await failAll(w, workflowId);
    assert.equal(w.smtp.received.length, 3, 'within the window nothing more is sent yet');
    const pending = await db()('hookflow_alerts').where({ task_id: taskId, status: 'pending' });
    assert.equal(pending.length, 3);
    for (const a of pending)
      assert.equal(Number(a.due_at), firstMailAt + 15 * MIN, 'held until the window of the last mail ends');

    // The window ends: move the last mail back 16 minutes and make the held alerts due.
    await db()('hookflow_alert_recipients').update({ sent_at: db().raw('sent_at - ?', [16 * MIN]) });
    await db()('hookflow_alerts').where({ task_id: taskId, status: 'pending' }).update({ due_at: 0 });
    w.smtp.received.length = 0;
    await w.h.hookflow.worker.drain();
    const ids = (await deliveriesOf(workflowId)).map((d: any) => Number(d.id));
    assert.equal(ids.length, 4);
    for (const admin of ['admin@example.com', 'bob@example.com']) {
      const [m, ...more] = w.smtp.to(admin);
      assert.equal(more.length, 0, `${admin}: one digest`);
      assert.equal(m.subject, '[Hookflow] 3 webhook deliveries failed: Digest / Digest hook');
      for (const id of ids.slice(1)) assert.ok(m.text.includes(`${ADMIN_URL}/deliveries/${id}`));
      assert.ok(!m.text.includes(`${ADMIN_URL}/deliveries/${ids[0]}\n`), 'the first failure is not reported twice');
      assert.ok(m.text.includes(`Deals #${adminDeal.id}`));
    }
    const [samMail, ...samMore] = w.smtp.to('sam@example.com');
    assert.equal(samMore.length, 0);
    assert.equal(samMail.subject, '[Hookflow] 2 webhook deliveries failed: Digest / Digest hook');
    for (const d of samDeals) assert.ok(samMail.text.includes(`Deals #${d.id} “`));
    assert.ok(!samMail.text.includes(`Deals #${adminDeal.id} `), 'an owner only hears about their own records');
    assert.ok(!samMail.text.includes(`Deals #${first.id} `));
    assert.equal(w.smtp.received.length, 3);
    assert.equal((await db()('hookflow_alerts').where({ task_id: taskId, status: 'pending' })).length, 0);
  });

  test('410 Gone: the webhook is disabled and the mail says it must be fixed and re-enabled', async () => {
    const { workflowId, taskId } = await createWebhookWorkflow(w, 'Gone away', '/gone');
    await w.h.records.create('Deals', { title: 'Gone deal' }, { actorUserId: w.h.sales.id });
    await failAll(w, workflowId);
    const [d] = await deliveriesOf(workflowId);
    assert.equal(d.attempt_count, 1, 'no retries after 410');
    assert.ok((await db()('hookflow_tasks').where({ id: taskId }).first()).disabled_at, 'webhook disabled');
    for (const admin of ['admin@example.com', 'bob@example.com']) {
      const [m] = w.smtp.to(admin);
      assert.match(m.subject, /^\[Hookflow\] Webhook disabled: Gone away \/ Gone away hook/);
      assert.match(
        m.text,
        /This webhook is now disabled: new events are held, not lost, and sent once an admin fixes the receiver or its URL and re-enables it/,
      );
      assert.match(m.text, /HTTP 410/);
      assert.ok(m.text.includes(`${ADMIN_URL}/workflows/${workflowId}`));
      assert.match(m.html, /This webhook is now disabled/);
    }
  });
});
