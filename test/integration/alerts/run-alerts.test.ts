/**
 * Failed runs alert like failed deliveries: one outbox row per failed run, written in the
 * transaction that fails it; the owner of the run's record and every active admin mailed once,
 * each mail naming the workflow, the record, the failed task, its fields and reason; links by
 * audience (the owner: the record in the CRM only; admins: the record and the run's log entry);
 * a digest per workflow within the window; a run failure and a delivery failure of the same
 * workflow are separate mails.
 */
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { finishRun } from '../../../module/workflows/runs-lease.js';
import { insertRun } from '../../../module/workflows/runs.js';
import { queueRunAlert } from '../../../module/alerts/alert-queue.js';
import {
  ADMIN_URL,
  createDealWorkflow,
  createRunAlertWorld,
  dealOf,
  drainAll,
  hrefsOf,
  recordUrlOf,
  refusedLeadTask,
  runAlertsOf,
  type RunAlertWorld,
} from './run-alert-fixture.js';

const MIN = 60_000;
const ADMINS = ['admin@example.com', 'bob@example.com'];

describeEachEngine('run failure alerts', (tdb) => {
  let w: RunAlertWorld;
  before(async () => {
    w = await createRunAlertWorld(tdb().db);
  });
  after(async () => {
    await w.close();
  });
  beforeEach(() => {
    w.smtp.received.length = 0;
    w.smtp.refuse.clear();
  });
  const db = () => tdb().db;

  test('a failed run: one alert row; the owner and each active admin mailed once, naming task, field and reason', async () => {
    const { workflowId } = await createDealWorkflow(w, 'Leads from deals', [refusedLeadTask()]);
    const deal = await dealOf(w, w.sales, 'not-an-address');
    await w.hookflow.worker.drain();
    const [run] = await db()('hookflow_runs').where({ workflow_id: workflowId });
    assert.equal(run.status, 'failed');
    const alerts = await runAlertsOf(w, workflowId);
    assert.equal(alerts.length, 1, 'one alert row per failed run');
    assert.equal(Number(alerts[0].run_id), Number(run.id));
    assert.equal(alerts[0].delivery_id, null);
    assert.equal(alerts[0].status, 'sent');
    assert.deepEqual(
      w.smtp.received.flatMap((m) => m.rcptTo).sort(),
      [...ADMINS, 'sam@example.com'],
      'owner and active admins, not the inactive one',
    );
    const record = `Deals #${deal.id} “not-an-address”`;
    for (const m of w.smtp.received) {
      assert.equal(m.subject, `[Hookflow] Workflow run failed: Leads from deals (${record})`);
      for (const want of [
        `Run #${run.id} - ${record}`,
        '  Failed task: 1. Create the lead (create_record)',
        '  Reason:      Some fields have invalid values',
        '  Field:       email - must be an email address',
        `  Record:      ${recordUrlOf('Deals', deal.id)}`,
      ]) {
        assert.ok(m.text.split('\n').includes(want), `${m.rcptTo[0]}: line ${want} in\n${m.text}`);
      }
      assert.match(m.text, /  Failed at:   \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\n/);
      assert.match(m.html, /<code>email<\/code> &mdash; must be an email address/);
    }
    const [sam] = w.smtp.to('sam@example.com');
    assert.deepEqual(hrefsOf(sam.html), [recordUrlOf('Deals', deal.id)], 'the owner gets the record link only');
    assert.ok(!sam.text.includes('/settings/hookflow'), 'no admin link in the owner’s text');
    for (const address of ADMINS) {
      const [m] = w.smtp.to(address);
      assert.deepEqual(hrefsOf(m.html), [
        recordUrlOf('Deals', deal.id),
        `${ADMIN_URL}/runs/${run.id}`,
        `${ADMIN_URL}/runs?status=failed&workflowId=${workflowId}`,
        `${ADMIN_URL}/workflows/${workflowId}`,
      ]);
      assert.ok(m.text.includes(`  Log entry:   ${ADMIN_URL}/runs/${run.id}\n`));
    }
    await w.hookflow.worker.drain();
    assert.equal(w.smtp.received.length, 3, 'reported exactly once');
    assert.equal((await runAlertsOf(w, workflowId)).length, 1);
  });

  test('several failed runs of one workflow within the window: the first at once, the rest as one digest per recipient', async () => {
    const { workflowId } = await createDealWorkflow(w, 'Digest of runs', [refusedLeadTask()]);
    const first = await dealOf(w, w.sales, 'first');
    await w.hookflow.worker.drain();
    assert.equal(w.smtp.received.length, 3, 'first failure: mailed at once');
    const firstMailAt = Number((await db()('hookflow_alert_recipients').max({ t: 'sent_at' }))[0].t);
    const samDeals = [await dealOf(w, w.sales, 'second'), await dealOf(w, w.sales, 'third')];
    const adminDeal = await dealOf(w, w.admin, 'fourth');
    await w.hookflow.worker.drain();
    assert.equal(w.smtp.received.length, 3, 'within the window nothing more is sent yet');
    const pending = await runAlertsOf(w, workflowId).where({ status: 'pending' });
    assert.equal(pending.length, 3);
    for (const a of pending)
      assert.equal(Number(a.due_at), firstMailAt + 15 * MIN, 'held until the window of the last mail ends');

    await db()('hookflow_alert_recipients').update({ sent_at: db().raw('sent_at - ?', [16 * MIN]) });
    await runAlertsOf(w, workflowId).where({ status: 'pending' }).update({ due_at: 0 });
    w.smtp.received.length = 0;
    await w.hookflow.worker.drain();
    const runIds = (await db()('hookflow_runs').where({ workflow_id: workflowId }).orderBy('id')).map((r: any) =>
      Number(r.id),
    );
    for (const address of ADMINS) {
      const [m, ...more] = w.smtp.to(address);
      assert.equal(more.length, 0, `${address}: one digest`);
      assert.equal(m.subject, '[Hookflow] 3 workflow runs failed: Digest of runs');
      for (const id of runIds.slice(1)) assert.ok(m.text.includes(`${ADMIN_URL}/runs/${id}\n`));
      assert.ok(!m.text.includes(`Run #${runIds[0]} `), 'the first failure is not reported twice');
      assert.ok(m.text.includes(`Deals #${adminDeal.id} `));
    }
    const [samMail, ...samMore] = w.smtp.to('sam@example.com');
    assert.equal(samMore.length, 0);
    assert.equal(samMail.subject, '[Hookflow] 2 workflow runs failed: Digest of runs');
    for (const d of samDeals) assert.ok(samMail.text.includes(`Deals #${d.id} “`));
    assert.ok(!samMail.text.includes(`Deals #${adminDeal.id} `), 'an owner only hears about their own records');
    assert.ok(!samMail.text.includes(`Deals #${first.id} `));
    assert.equal(w.smtp.received.length, 3);
  });

  test('a run failure and a delivery failure of one workflow: separate mails, each about its own failure', async () => {
    const hook = {
      type: 'webhook',
      title: 'Post to ERP',
      options: { url: `http://127.0.0.1:${w.rxPort}/erp`, params: [{ name: 'title', value: '{{record.title}}' }] },
    };
    const { workflowId } = await createDealWorkflow(w, 'ERP and leads', [hook, refusedLeadTask('Create the lead')]);
    const deal = await dealOf(w, w.sales, 'bad address');
    await drainAll(w, workflowId);
    const [delivery] = await db()('hookflow_deliveries').where({ workflow_id: workflowId });
    const [run] = await db()('hookflow_runs').where({ workflow_id: workflowId });
    assert.equal(delivery.status, 'failed');
    assert.equal(run.status, 'failed');
    assert.equal((await db()('hookflow_alerts').where({ delivery_id: delivery.id })).length, 1);
    assert.equal((await runAlertsOf(w, workflowId)).length, 1);
    for (const address of [...ADMINS, 'sam@example.com']) {
      const mails = w.smtp.to(address);
      assert.deepEqual(
        mails.map((m) => m.subject).sort(),
        [
          `[Hookflow] Webhook failed: ERP and leads / Post to ERP (Deals #${deal.id} “bad address”)`,
          `[Hookflow] Workflow run failed: ERP and leads (Deals #${deal.id} “bad address”)`,
        ],
        `${address}: one mail per failure, neither held back by the other`,
      );
      const runMail = mails.find((m) => m.subject.includes('Workflow run failed'))!;
      const hookMail = mails.find((m) => m.subject.includes('Webhook failed'))!;
      assert.ok(runMail.text.includes('  Failed task: 2. Create the lead (create_record)\n'), runMail.text);
      assert.ok(!runMail.text.includes('HTTP 500'), 'the run mail is not about the delivery');
      assert.match(hookMail.text, /HTTP 500/);
      assert.ok(!hookMail.text.includes('email'), 'the delivery mail is not about the refused field');
      for (const m of [runMail, hookMail])
        assert.ok(
          m.text.includes(`  Record:      ${recordUrlOf('Deals', deal.id)}\n`),
          `${address}: both link the record`,
        );
      if (address === 'sam@example.com') {
        for (const m of [runMail, hookMail])
          assert.deepEqual(
            hrefsOf(m.html),
            [recordUrlOf('Deals', deal.id)],
            'the owner: the record only, never the admin log',
          );
      } else {
        assert.ok(
          hookMail.text.includes(`  Log entry:   ${ADMIN_URL}/deliveries/${delivery.id}\n`),
          'admins: the log entry too',
        );
      }
    }
  });

  test('a task whose secrets cannot be opened fails the run naming the task, and is mailed', async () => {
    const hook = {
      type: 'webhook',
      title: 'Signed post',
      options: { url: `http://127.0.0.1:${w.rxPort}/signed`, auth: 'bearer' },
      secrets: { token: 'tok-123' },
    };
    const { workflowId, taskIds } = await createDealWorkflow(w, 'Broken secrets', [hook]);
    await db()('hookflow_tasks').where({ id: taskIds[0] }).update({ secrets: 'v1.AAAA.BBBB.CCCC' });
    await dealOf(w, w.sales, 'secretive');
    await w.hookflow.worker.drain();
    const [run] = await db()('hookflow_runs').where({ workflow_id: workflowId });
    assert.equal(run.status, 'failed');
    const [result] = JSON.parse(run.task_results);
    assert.equal(result.taskId, taskIds[0], 'the failure is the task’s');
    assert.match(result.error, /stored secrets cannot be opened/);
    const [m] = w.smtp.to('admin@example.com');
    assert.ok(m.text.includes('  Failed task: 1. Signed post (webhook)\n'), m.text);
    assert.match(m.text, /Reason: {6}the task's stored secrets cannot be opened/);
  });

  test('a run whose workflow was deleted before it ran says so instead of naming a task', async () => {
    const { workflowId } = await createDealWorkflow(w, 'Soon gone', [refusedLeadTask()]);
    const deal = await dealOf(w, w.sales, 'orphan');
    await w.hookflow.services.store.remove(workflowId);
    await w.hookflow.worker.drain();
    const [run] = await db()('hookflow_runs').where({ workflow_id: workflowId });
    assert.equal(run.status, 'failed');
    assert.equal((await runAlertsOf(w, workflowId)).length, 1);
    for (const m of w.smtp.received) {
      assert.equal(m.subject, `[Hookflow] Workflow run failed: deleted workflow (Deals #${deal.id} “orphan”)`);
      assert.ok(m.text.includes('  Failed:      before any task ran\n'), m.text);
      assert.ok(m.text.includes(`  Reason:      workflow ${workflowId} no longer exists\n`), m.text);
    }
    assert.equal(w.smtp.received.length, 3);
  });

  test('the failure and its alert row commit together: a rollback leaves neither, a failed alert write fails nothing', async (t) => {
    const { workflowId } = await createDealWorkflow(w, 'Atomic', [refusedLeadTask()]);
    // Nothing of this test may be mailed or run by a later test's drain: its alerts count as
    // sent, its runs left leased as finished.
    t.after(async () => {
      await db()('hookflow_alerts').where({ workflow_id: workflowId }).update({ status: 'sent', lease_owner: null });
      await db()('hookflow_runs')
        .where({ workflow_id: workflowId, status: 'running' })
        .update({ status: 'failed', lease_owner: null, lease_expires_at: null });
    });
    await db()('hookflow_workflows').where({ id: workflowId }).update({ status: 'inactive' });
    const leased = () =>
      insertRun(db(), {
        workflowId,
        trigger: 'manual',
        source: 'manual',
        module: 'Deals',
        recordId: null,
        status: 'running',
        mode: 'async',
        event: {
          type: 'manual',
          module: 'Deals',
          recordId: null,
          timeMs: Date.now(),
          actorUserId: null,
          record: null,
          previous: null,
        },
        env: {},
        leaseOwner: 'w-test',
        leaseSeconds: 60,
      });
    const failed = { status: 'failed' as const, taskResults: [], env: {}, error: 'boom' };

    const rolledBack = await leased();
    await assert.rejects(
      db().transaction(async (trx) => {
        assert.equal(await finishRun(trx, { id: rolledBack, workflowId }, 'w-test', failed, queueRunAlert), true);
        assert.equal(
          (await trx('hookflow_alerts').where({ run_id: rolledBack })).length,
          1,
          'written with the failure',
        );
        throw new Error('host rolls back');
      }),
      /host rolls back/,
    );
    assert.equal(
      (await db()('hookflow_runs').where({ id: rolledBack }).first()).status,
      'running',
      'the run is not failed',
    );
    assert.equal((await db()('hookflow_alerts').where({ run_id: rolledBack })).length, 0, 'and has no alert');

    const unlucky = await leased();
    // An alert row that already claims this run makes the alert insert fail.
    await db()('hookflow_alerts').insert({
      run_id: unlucky,
      workflow_id: workflowId,
      status: 'sent',
      due_at: 0,
      created_at: 0,
    });
    await assert.rejects(finishRun(db(), { id: unlucky, workflowId }, 'w-test', failed, queueRunAlert));
    assert.equal(
      (await db()('hookflow_runs').where({ id: unlucky }).first()).status,
      'running',
      'no failure without its alert',
    );

    const ok = await leased();
    assert.equal(await finishRun(db(), { id: ok, workflowId }, 'w-test', failed, queueRunAlert), true);
    assert.equal((await db()('hookflow_runs').where({ id: ok }).first()).status, 'failed');
    assert.equal((await db()('hookflow_alerts').where({ run_id: ok })).length, 1);
    assert.equal(
      await finishRun(db(), { id: ok, workflowId }, 'w-test', failed, queueRunAlert),
      false,
      'a finished run is not finished twice',
    );
    assert.equal((await db()('hookflow_alerts').where({ run_id: ok })).length, 1);

    const succeeded = await leased();
    assert.equal(
      await finishRun(
        db(),
        { id: succeeded, workflowId },
        'w-test',
        { ...failed, status: 'succeeded', error: null },
        queueRunAlert,
      ),
      true,
    );
    assert.equal((await db()('hookflow_alerts').where({ run_id: succeeded })).length, 0, 'only failures alert');
  });
});
