import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { claimDueRuns } from '../../../module/workflows/runs-lease.js';
import { listRuns } from '../../../module/workflows/runs.js';

const wonWorkflow = {
  module: 'Deals',
  title: 'Notify when a deal is won',
  status: 'active',
  trigger: 'record.updated',
  conditions: { join: 'all', conditions: [{ field: 'stage', op: 'changed_to', value: 'Won' }] },
  tasks: [
    {
      type: 'set_env',
      title: 'Compute',
      options: { values: [{ name: 'label', value: '{{record.title}} ({{record.amount}})' }] },
    },
    {
      type: 'send_email',
      title: 'Mail owner',
      options: {
        to: { kind: 'owner' },
        subject: 'Won: {{env.label}}',
        body: 'Deal $record.title moved from {{previous.stage}} to {{record.stage}}',
      },
    },
  ],
};

describeEachEngine('workflow engine', (tdb) => {
  let h: TestHost;
  before(async () => {
    h = await createTestHost(tdb().db);
  });
  after(async () => {
    await h.close();
  });

  /**
   * A workflow for this test only. Afterwards (also when an assertion failed) its unfinished
   * runs are closed, so no later test's claim or drain picks them up, and it is removed.
   */
  async function workflow(
    t: TestContext,
    input: Parameters<TestHost['hookflow']['services']['workflows']['create']>[0],
  ) {
    const wf = await h.hookflow.services.workflows.create(input, h.admin.id);
    t.after(async () => {
      await tdb()
        .db('hookflow_runs')
        .where({ workflow_id: wf.id })
        .whereIn('status', ['queued', 'running'])
        .update({ status: 'failed', lease_owner: null, error: 'left over by its test' });
      await tdb()
        .db('hookflow_deliveries')
        .where({ workflow_id: wf.id })
        .whereIn('status', ['queued', 'dispatched'])
        .update({ status: 'failed', lease_owner: null });
      await h.hookflow.services.store.remove(wf.id);
    });
    return wf;
  }

  test('stage changed_to Won starts exactly one run per change, executed by the worker', async (t) => {
    const wf = await workflow(t, wonWorkflow);
    const deal = await h.records.create(
      'Deals',
      { title: 'Big deal', amount: 5000, stage: 'Proposal' },
      { actorUserId: h.sales.id, ownerUserId: h.sales.id },
    );
    await h.records.update('Deals', deal.id, { amount: 6000 }, { actorUserId: h.sales.id });
    assert.equal(
      (await listRuns(tdb().db, { workflowId: wf.id })).total,
      0,
      'created/updated without the stage change: no run',
    );
    await h.records.update('Deals', deal.id, { stage: 'Won' }, { actorUserId: h.sales.id });
    await h.records.update('Deals', deal.id, { amount: 7000 }, { actorUserId: h.sales.id });
    const queued = await listRuns(tdb().db, { workflowId: wf.id });
    assert.equal(queued.total, 1, 'only the change to Won matched');
    assert.equal(queued.runs[0].status, 'queued');
    await h.hookflow.worker.drain();
    const [run] = (await listRuns(tdb().db, { workflowId: wf.id })).runs;
    assert.equal(run.status, 'succeeded', run.error ?? '');
    assert.deepEqual(
      run.taskResults.map((r) => r.status),
      ['succeeded', 'succeeded'],
    );
    const mail = h.mails.at(-1)!;
    assert.equal(mail.to, 'sam@example.com');
    assert.equal(mail.subject, 'Won: Big deal (6000)');
    assert.equal(mail.text, 'Deal Big deal moved from Proposal to Won');
  });

  test('a rolled-back save leaves no run (the hook writes through the host transaction)', async (t) => {
    const wf = await workflow(t, {
      ...wonWorkflow,
      title: 'any lead',
      module: 'Leads',
      trigger: 'record.created',
      conditions: undefined,
      tasks: [],
    });
    const real = h.hookflow.hooks;
    h.records.setHooks({
      ...real,
      async recordCreated(e, trx) {
        await real.recordCreated(e, trx);
        throw new Error('host fails after the hook');
      },
    });
    await assert.rejects(
      h.records.create('Leads', { lastname: 'Rollback' }, { actorUserId: h.admin.id }),
      /host fails/,
    );
    h.records.setHooks(real);
    assert.equal((await listRuns(tdb().db, { workflowId: wf.id })).total, 0);
    assert.equal(
      Number(
        (
          await tdb()
            .db('crm_records')
            .where({ module: 'Leads' })
            .where('fields', 'like', '%Rollback%')
            .count({ n: '*' })
        )[0].n,
      ),
      0,
      'the record is gone too',
    );
    await h.records.create('Leads', { lastname: 'Committed' }, { actorUserId: h.admin.id });
    assert.equal((await listRuns(tdb().db, { workflowId: wf.id })).total, 1, 'a committed save queues its run');
    await h.hookflow.worker.drain();
  });

  test('runs of one record are claimed strictly in event order; other records are not held up', async (t) => {
    const wf = await workflow(t, {
      ...wonWorkflow,
      title: 'every save',
      trigger: 'record.saved',
      conditions: undefined,
      tasks: [],
    });
    const a = await h.records.create('Deals', { title: 'A' }, { actorUserId: h.admin.id });
    await h.records.update('Deals', a.id, { amount: 1 }, { actorUserId: h.admin.id });
    await h.records.update('Deals', a.id, { amount: 2 }, { actorUserId: h.admin.id });
    const b = await h.records.create('Deals', { title: 'B' }, { actorUserId: h.admin.id });
    const first = await claimDueRuns(tdb().db, 'w1', 10, 60);
    assert.deepEqual(
      first.map((r) => r.recordId),
      [a.id, b.id],
      'one run per record at a time',
    );
    assert.deepEqual(await claimDueRuns(tdb().db, 'w2', 10, 60), [], 'later runs of A wait for the first');
    await h.hookflow.worker.drain(); // other worker id: leases of w1 still block until they expire
    const runsOfA = (await listRuns(tdb().db, { workflowId: wf.id, recordId: a.id })).runs.sort((x, y) => x.id - y.id);
    assert.equal(runsOfA.length, 3);
    assert.deepEqual(
      runsOfA.map((r) => r.event.type),
      ['record.created', 'record.updated', 'record.updated'],
    );
    await tdb().db('hookflow_runs').where({ workflow_id: wf.id }).update({ lease_expires_at: 0 });
    await h.hookflow.worker.drain();
    const done = (await listRuns(tdb().db, { workflowId: wf.id, recordId: a.id })).runs.sort((x, y) => x.id - y.id);
    assert.deepEqual(
      done.map((r) => r.status),
      ['succeeded', 'succeeded', 'succeeded'],
    );
    const started = done.map((r) => r.startedAt ?? 0);
    assert.ok(started[0] <= started[1] && started[1] <= started[2], 'executed in event order');
  });

  test('a self-updating workflow stops at the chain depth limit and says why', async (t) => {
    // The loop also ends by itself two levels past the limit, so without the limit this test
    // fails on the statuses instead of draining forever.
    const wf = await workflow(t, {
      module: 'Accounts',
      title: 'Loop',
      status: 'active',
      trigger: 'record.updated',
      conditions: { join: 'all', conditions: [{ field: 'industry', op: 'not_equals', value: 'ixxxxxxx' }] },
      tasks: [
        {
          type: 'update_record',
          title: 'touch',
          options: { fields: [{ field: 'industry', value: '{{record.industry}}x' }] },
        },
      ],
    });
    const acc = await h.records.create('Accounts', { name: 'Loopy', industry: 'i' }, { actorUserId: h.admin.id });
    await h.records.update('Accounts', acc.id, { city: 'Berlin' }, { actorUserId: h.admin.id });
    await h.hookflow.worker.drain(); // claims again until nothing is due: the whole chain
    const runs = (await listRuns(tdb().db, { workflowId: wf.id })).runs.sort((x, y) => x.id - y.id);
    assert.deepEqual(
      runs.map((r) => r.status),
      ['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'skipped'],
    );
    assert.deepEqual(
      runs.map((r) => r.chainDepth),
      [0, 1, 2, 3, 4, 5],
    );
    assert.match(runs[5].error ?? '', /chain depth limit 5/);
    assert.equal((await h.records.get('Accounts', acc.id))!.fields.industry, 'ixxxxx');
    assert.ok(h.logger.entries.some((e) => e.level === 'warn' && /chain depth limit/.test(e.msg ?? '')));
  });

  test('run once per record: only the first matching event runs', async (t) => {
    const wf = await workflow(t, {
      module: 'Contacts',
      title: 'Welcome once',
      status: 'active',
      trigger: 'record.saved',
      runMode: 'once_per_record',
      tasks: [],
    });
    const c = await h.records.create('Contacts', { lastname: 'Once' }, { actorUserId: h.admin.id });
    await h.records.update('Contacts', c.id, { phone: '1' }, { actorUserId: h.admin.id });
    await h.records.update('Contacts', c.id, { phone: '2' }, { actorUserId: h.admin.id });
    const other = await h.records.create('Contacts', { lastname: 'Other' }, { actorUserId: h.admin.id });
    const runs = (await listRuns(tdb().db, { workflowId: wf.id })).runs;
    assert.deepEqual(runs.map((r) => r.recordId).sort(), [c.id, other.id].sort());
    await h.hookflow.worker.drain();
  });

  test('a failing task fails the run, later tasks do not run, other runs carry on; re-run works', async (t) => {
    const wf = await workflow(t, {
      module: 'Leads',
      title: 'Fails',
      status: 'active',
      trigger: 'record.created',
      tasks: [
        {
          type: 'update_record',
          title: 'relate',
          options: { module: 'Accounts', recordId: '{{record.company}}', fields: [{ field: 'city', value: 'Paris' }] },
        },
        {
          type: 'send_email',
          title: 'never',
          options: { to: { kind: 'address', address: 'x@example.com' }, subject: 's', body: 'b' },
        },
      ],
    });
    const mailTask = () => h.mails.filter((m) => m.to === 'x@example.com').length; // not the failure alerts
    const mailsBefore = mailTask();
    const bad = await h.records.create(
      'Leads',
      { lastname: 'Bad', company: 'not-a-number' },
      { actorUserId: h.admin.id },
    );
    const acc = await h.records.create('Accounts', { name: 'Target' }, { actorUserId: h.admin.id });
    await h.records.create('Leads', { lastname: 'Good', company: String(acc.id) }, { actorUserId: h.admin.id });
    await h.hookflow.worker.drain();
    const runs = (await listRuns(tdb().db, { workflowId: wf.id })).runs.sort((x, y) => x.id - y.id);
    assert.deepEqual(
      runs.map((r) => r.status),
      ['failed', 'succeeded'],
    );
    assert.match(
      runs[0].error ?? '',
      /Task "relate" \(update_record\) failed: record id "not-a-number" is not a positive integer/,
    );
    assert.deepEqual(
      runs[0].taskResults.map((r) => r.status),
      ['failed'],
    );
    assert.equal(mailTask(), mailsBefore + 1, 'only the good run reached the mail task');
    await tdb()
      .db('crm_records')
      .where({ id: bad.id })
      .update({ fields: JSON.stringify({ lastname: 'Bad', company: String(acc.id) }) });
    const rerun = await h.hookflow.services.runs.rerun(runs[0].id, wf, h.admin.id);
    assert.equal(rerun.outcome?.status, 'succeeded', 're-run reads the fixed record');
    assert.equal(mailTask(), mailsBefore + 2);
    await assert.rejects(h.hookflow.services.runs.rerun(runs[1].id, wf, h.admin.id), /only failed runs/);
  });

  test('webhook task builds the request snapshot and queues one delivery per run and task', async (t) => {
    const allowlist = h.hookflow.services.settings.get().outboundAllowlist;
    t.after(() => h.hookflow.services.settings.save({ outboundAllowlist: allowlist }));
    await h.hookflow.services.settings.save({ outboundAllowlist: ['127.0.0.1/32'] });
    const wf = await workflow(t, {
      module: 'Deals',
      title: 'Hook',
      status: 'active',
      trigger: 'record.created',
      tasks: [
        {
          type: 'webhook',
          title: 'notify',
          options: {
            url: 'http://127.0.0.1:9/invoices/{{record.id}}',
            method: 'PUT',
            contentType: 'JSON',
            params: [
              { name: 'deal.title', value: '{{record.title}}' },
              { name: 'deal.amount', value: '$record.amount' },
            ],
            headers: [{ name: 'X-Source', value: 'crm' }],
          },
        },
      ],
    });
    const deal = await h.records.create(
      'Deals',
      { title: 'Hooked "}, "admin": true', amount: 12.5 },
      { actorUserId: h.admin.id },
    );
    await h.hookflow.worker.drain();
    const [run] = (await listRuns(tdb().db, { workflowId: wf.id })).runs;
    assert.equal(run.status, 'succeeded', run.error ?? '');
    const rows = await tdb().db('hookflow_deliveries').where({ workflow_id: wf.id });
    assert.equal(rows.length, 1);
    const d = rows[0];
    assert.equal(d.status, 'queued');
    assert.equal(d.method, 'PUT');
    assert.equal(d.url, `http://127.0.0.1:9/invoices/${deal.id}`);
    assert.deepEqual(JSON.parse(d.body), { deal: { title: 'Hooked "}, "admin": true', amount: 12.5 } });
    assert.equal(JSON.parse(d.headers)['X-Source'], 'crm');
    assert.match(d.webhook_id, /^msg_/);
  });
});
