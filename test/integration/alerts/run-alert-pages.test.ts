/**
 * Failed runs on the admin pages and the reference host's record page, over real HTTP: the
 * overview counts failed runs of the last 24 hours next to the deliveries; a failed run's page
 * names the failed task, each refused field and the reason (or, when no task ran, why); the
 * owner's alert mail links the record page, which the owner can open (and nobody else but
 * admins), while the admin link the owner does not get would answer them 403.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { ADMIN, FormClient, startAdminHost, type AdminHost } from '../../helpers/admin-host.js';
import type { CapturedMail } from '../../helpers/test-host.js';
import { dbNowMs } from '../../../module/storage/engine.js';
import { refusedLeadTask } from './run-alert-fixture.js';

describeEachEngine('failed runs on the pages', (tdb) => {
  let t: AdminHost;
  let admin: FormClient;
  let sales: FormClient;
  const mails: CapturedMail[] = [];
  const hf = () => t.host.hookflow;
  const db = () => tdb().db;
  let workflowId = 0;

  before(async () => {
    t = await startAdminHost(tdb().db, {
      mailer: {
        async sendMail(m) {
          mails.push(m);
          return {};
        },
      },
    });
    admin = await new FormClient(t.url).login(t.admin.email, t.admin.password);
    sales = await new FormClient(t.url).login(t.sales.email, t.sales.password);
    workflowId = (
      await hf().services.workflows.create(
        {
          module: 'Deals',
          title: 'Leads from deals',
          status: 'active',
          trigger: 'record.created',
          tasks: [refusedLeadTask()],
        },
        t.admin.id,
      )
    ).id;
  });
  after(async () => {
    await t?.close();
  });

  const deal = (title: string, ownerId: number) =>
    t.host.services.records.create('Deals', { title }, { actorUserId: ownerId });
  const failedRunOf = async (dealId: number) =>
    db()('hookflow_runs').where({ workflow_id: workflowId, record_id: dealId }).first();

  test('the run page names the failed task, each refused field and the reason', async () => {
    const d = await deal('not-an-address', t.sales.id);
    await hf().worker.drain();
    const run = await failedRunOf(d.id);
    assert.equal(run.status, 'failed');
    const page = await admin.get(`${ADMIN}/runs/${run.id}`);
    assert.equal(page.status, 200);
    assert.match(
      page.text,
      /<strong>Task 1 “Create the lead” failed<\/strong> <span class="tag">create_record<\/span>/,
    );
    assert.match(page.text, /<p class="failure-reason">Reason: Some fields have invalid values<\/p>/);
    assert.match(page.text, /Refused 1 field:/);
    assert.match(page.text, /<li><code class="mono">email<\/code>: must be an email address<\/li>/);
  });

  test('a run that failed before any task ran says why instead of "No task ran."', async () => {
    const gone = await hf().services.workflows.create(
      { module: 'Deals', title: 'Soon gone', status: 'active', trigger: 'record.created', tasks: [refusedLeadTask()] },
      t.admin.id,
    );
    const d = await deal('orphan', t.sales.id);
    await hf().services.store.remove(gone.id);
    await hf().worker.drain();
    const run = await db()('hookflow_runs').where({ workflow_id: gone.id, record_id: d.id }).first();
    const page = await admin.get(`${ADMIN}/runs/${run.id}`);
    assert.match(page.text, /<strong>The run failed before any task ran<\/strong>/);
    assert.match(page.text, new RegExp(`Reason: workflow ${gone.id} no longer exists`));
    assert.doesNotMatch(page.text, /No task ran\.</);
  });

  test('the overview counts the failed runs of the last 24 hours next to the deliveries', async () => {
    // A failed run of this test's own, and a copy of it from two days ago: outside the last 24 hours.
    const d = await deal('overview-not-an-address', t.sales.id);
    await hf().worker.drain();
    const old = await failedRunOf(d.id);
    assert.equal(old?.status, 'failed');
    const now = await dbNowMs(db());
    await db()('hookflow_runs').insert({
      ...old,
      id: undefined,
      created_at: now - 48 * 3600_000,
      finished_at: now - 48 * 3600_000,
    });
    const failed = Number(
      (
        await db()('hookflow_runs')
          .where({ status: 'failed' })
          .where('created_at', '>=', now - 24 * 3600_000)
          .count({ n: '*' })
      )[0].n,
    );
    assert.ok(failed >= 1);
    const page = await admin.get(`${ADMIN}/`);
    assert.match(page.text, /Workflow runs, last 24 hours/);
    assert.match(
      page.text,
      new RegExp(
        `href="/settings/hookflow/runs\\?status=failed&amp;period=24h"><span class="stat">${failed}</span><span class="badge badge-failed">`,
      ),
    );
    assert.match(page.text, /Webhook deliveries, last 24 hours/);
  });

  test('the owner’s mail links the record page: the owner and admins open it, another user gets 403', async (tc) => {
    mails.length = 0;
    // A workflow of its own: the first failure of a workflow is mailed at once (no digest wait).
    // The others are switched off meanwhile, and on again after the test.
    const active = (await db()('hookflow_workflows').where({ status: 'active' }).select('id')).map(
      (r: { id: number }) => r.id,
    );
    // Through the service, not by SQL: the workflow cache of every process watches its changes.
    tc.after(async () => {
      for (const id of active) await hf().services.workflows.setStatus(id, 'active');
    });
    for (const id of active) await hf().services.workflows.setStatus(id, 'inactive');
    const own = await hf().services.workflows.create(
      {
        module: 'Deals',
        title: 'Mailed at once',
        status: 'active',
        trigger: 'record.created',
        tasks: [refusedLeadTask()],
      },
      t.admin.id,
    );
    const d = await deal('still-no-address', t.sales.id);
    await hf().worker.drain();
    const run = await db()('hookflow_runs').where({ workflow_id: own.id, record_id: d.id }).first();
    const recordLink = `http://crm.test/records/Deals/${d.id}`;
    const ownerMail = mails.find((m) => m.to === t.sales.email)!;
    const adminMail = mails.find((m) => m.to === t.admin.email)!;
    assert.ok(ownerMail && adminMail, 'owner and admin mailed');
    assert.ok(ownerMail.text!.includes(`Record:      ${recordLink}\n`), ownerMail.text);
    assert.ok(
      !ownerMail.text!.includes(ADMIN) && !ownerMail.html!.includes(ADMIN),
      'no link into the admin pages for the owner',
    );
    assert.ok(adminMail.text!.includes(`Log entry:   http://crm.test${ADMIN}/runs/${run.id}\n`));
    assert.ok(adminMail.text!.includes(`Record:      ${recordLink}\n`));

    const path = new URL(recordLink).pathname;
    const page = await sales.get(path);
    assert.equal(page.status, 200);
    assert.match(page.text, /still-no-address/);
    assert.match(page.text, /Owner: you/);
    assert.equal((await admin.get(path)).status, 200, 'admins see any record');
    assert.equal(
      (await sales.get(`${ADMIN}/runs/${run.id}`)).status,
      403,
      'the admin link would be a 403 for the owner',
    );

    const adminsDeal = await t.host.services.records.create(
      'Deals',
      { title: 'Admin only' },
      { actorUserId: t.admin.id },
    );
    const other = await sales.get(`/records/Deals/${adminsDeal.id}`);
    assert.equal(other.status, 403, 'someone else’s record');
    assert.doesNotMatch(other.text, /Admin only/);
    const anonymous = await new FormClient(t.url).get(path);
    assert.equal(anonymous.status, 302);
    assert.match(anonymous.location ?? '', /^\/login\?next=/);
    for (const missing of ['/records/Deals/999999', '/records/Nope/1', '/records/Deals/abc', '/records/Deals/0'])
      assert.equal((await admin.get(missing)).status, 404, missing);
  });

  test('the host’s recordUrl names the record page, and nothing for an unknown module', () => {
    assert.equal(t.host.context.recordUrl?.('Deals', 5), 'http://crm.test/records/Deals/5');
    assert.equal(t.host.context.recordUrl?.('Nope', 5), null);
  });
});
