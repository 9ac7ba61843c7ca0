/**
 * What keeps a run correct when its worker dies or is overtaken, on every engine:
 *  - resume: a run re-claimed after a crash carries its finished tasks' results and goes on after
 *    the last one; nothing finished runs twice (a create_record between two webhooks shows it:
 *    the webhooks' origin keys alone would hide a repeat);
 *  - origin key: a webhook task repeated for the same run (the worker died after queueing its
 *    delivery, before saving progress) finds the delivery it queued, never queues a second;
 *  - lease lost: a worker whose lease another worker took between two tasks stops at once and
 *    writes nothing more.
 * The crash is real: the executor meets a lost-connection error from the host's save of the
 * marked task, exactly as when the database goes away, and leaves the run leased.
 */
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { startReceiver, type Receiver } from '../../helpers/admin-host.js';
import { enqueueDelivery } from '../../../module/outbound/queue/enqueue.js';
import type { RecordEvent } from '../../../module/host.js';
import type { Knex } from 'knex';

const lostConnection = () => Object.assign(new Error('connection lost (injected by the test)'), { code: 'ECONNRESET' });

describeEachEngine('runs survive crashes and takeovers', (tdb) => {
  let h: TestHost;
  let rx: Receiver;
  const db = () => tdb().db;

  before(async () => {
    rx = await startReceiver();
    h = await createTestHost(tdb().db, { settings: { outboundAllowlist: ['127.0.0.1/32'] } });
  });
  after(async () => {
    await h.close();
    await rx.close();
  });

  const webhook = (title: string) => ({
    type: 'webhook',
    title,
    options: { url: `${rx.url}/${title}`, params: [{ name: 'run', value: '{{event.runId}}' }] },
  });
  const createRecord = (title: string, module: string, lastname: string) => ({
    type: 'create_record',
    title,
    options: { module, fields: [{ field: 'lastname', value: lastname }] },
  });

  /** An HTTP-triggered workflow for this test only (nothing else starts it), and one queued run of it. */
  async function queuedRun(t: TestContext, title: string, tasks: unknown[]) {
    const wf = await h.hookflow.services.workflows.create(
      { module: 'Deals', title, status: 'active', trigger: 'http', tasks },
      h.admin.id,
    );
    t.after(async () => {
      await db()('hookflow_runs')
        .where({ workflow_id: wf.id })
        .whereIn('status', ['queued', 'running'])
        .update({ status: 'failed', lease_owner: null });
      await h.hookflow.services.workflows.setStatus(wf.id, 'inactive');
    });
    const { runId } = await h.hookflow.services.runs.start({
      workflow: wf,
      recordId: null,
      env: {},
      source: 'manual',
      mode: 'async',
      actorUserId: h.admin.id,
    });
    return { wf, runId };
  }

  /** Wraps the host's record hooks for this test: `onCreated` runs inside the save's transaction. */
  function onRecordCreated(t: TestContext, onCreated: (e: RecordEvent, trx: Knex.Transaction) => Promise<void>) {
    const real = h.hookflow.hooks;
    h.records.setHooks({
      ...real,
      async recordCreated(e, trx) {
        await onCreated(e, trx);
        await real.recordCreated(e, trx);
      },
    });
    t.after(() => h.records.setHooks(real));
  }

  /** The save of a `module` record made by a run fails once with a lost connection: the worker "crashes" there. */
  function crashOnceAt(t: TestContext, module: string) {
    let armed = true;
    onRecordCreated(t, async (e) => {
      if (armed && e.module === module && e.origin?.runId) {
        armed = false;
        throw lostConnection();
      }
    });
  }

  const runRow = async (id: number) => db()('hookflow_runs').where({ id }).first();
  const taskResults = async (id: number) =>
    JSON.parse((await runRow(id)).task_results) as Array<{ taskId: number; status: string; output?: any }>;
  const deliveriesOf = (runId: number) => db()('hookflow_deliveries').where({ run_id: runId }).orderBy('id');
  const recordsNamed = async (module: string, lastname: string) =>
    (await db()('crm_records').where({ module })).filter((r: any) => JSON.parse(r.fields).lastname === lastname).length;
  /** The crashed worker's lease runs out: the next claim may take the run. */
  const expireLease = (runId: number) => db()('hookflow_runs').where({ id: runId }).update({ lease_expires_at: 0 });

  test('a re-claimed run resumes after its last finished task: nothing finished runs again', async (t) => {
    const lastname = `Resumed ${Math.random()}`;
    const { wf, runId } = await queuedRun(t, 'resume', [
      webhook('first'),
      createRecord('lead', 'Leads', lastname),
      createRecord('crash here', 'Contacts', 'Crash point'),
      webhook('last'),
    ]);
    crashOnceAt(t, 'Contacts');
    await h.hookflow.worker.drain();
    const crashed = await runRow(runId);
    assert.equal(crashed.status, 'running', 'the crashed run is still leased');
    const saved = await taskResults(runId);
    assert.deepEqual(
      saved.map((r) => r.status),
      ['succeeded', 'succeeded'],
      'progress saved after each finished task',
    );
    assert.equal(await recordsNamed('Leads', lastname), 1);
    const [firstDelivery] = await deliveriesOf(runId);

    await expireLease(runId);
    await h.hookflow.worker.drain();
    const run = await runRow(runId);
    assert.equal(run.status, 'succeeded', run.error ?? '');
    const results = await taskResults(runId);
    assert.deepEqual(
      results.map((r) => r.taskId),
      wf.tasks.map((x) => x.id),
    );
    assert.deepEqual(results.slice(0, 2), saved, 'the finished tasks keep their results');
    assert.equal(await recordsNamed('Leads', lastname), 1, 'the finished create_record did not run again');
    const deliveries = await deliveriesOf(runId);
    assert.deepEqual(
      deliveries.map((d: any) => Number(d.task_id)),
      [wf.tasks[0].id, wf.tasks[3].id],
      'one delivery per webhook task',
    );
    assert.equal(Number(deliveries[0].id), Number(firstDelivery.id));
  });

  test('enqueuing the same (run, task) twice yields one delivery, with the first webhook-id', async (t) => {
    const { wf, runId } = await queuedRun(t, 'origin key', [webhook('only')]);
    const task = wf.tasks[0];
    const delivery = (webhookId: string) => ({
      webhookId,
      runId,
      workflowId: wf.id,
      taskId: task.id,
      eventType: 'manual',
      module: 'Deals',
      recordId: null,
      method: 'POST',
      url: `${rx.url}/only`,
      headers: {},
      contentType: 'application/json',
      body: '{}',
      originKey: `run:${runId}:task:${task.id}`,
    });
    const first = await enqueueDelivery(db(), delivery('msg_origin_first'));
    const again = await enqueueDelivery(db(), delivery('msg_origin_again'));
    assert.deepEqual(again, first, 'the repeat is answered with the delivery already queued');
    assert.deepEqual(
      (await deliveriesOf(runId)).map((d: any) => d.webhook_id),
      ['msg_origin_first'],
    );
  });

  test('a run repeating its webhook task after a crash finds the delivery it queued; its log names that webhook-id', async (t) => {
    const lastname = `After the hook ${Math.random()}`;
    const { runId } = await queuedRun(t, 'repeat', [webhook('hook'), createRecord('crash here', 'Leads', lastname)]);
    crashOnceAt(t, 'Leads');
    await h.hookflow.worker.drain();
    const [queued] = await deliveriesOf(runId);
    assert.ok(queued, 'the webhook task queued its delivery before the crash');
    // As if the worker had died right after queueing, before saving that progress.
    await db()('hookflow_runs').where({ id: runId }).update({ task_results: '[]' });
    await expireLease(runId);
    await h.hookflow.worker.drain();
    const run = await runRow(runId);
    assert.equal(run.status, 'succeeded', run.error ?? '');
    const deliveries = await deliveriesOf(runId);
    assert.deepEqual(
      deliveries.map((d: any) => Number(d.id)),
      [Number(queued.id)],
      'still one delivery',
    );
    assert.equal(
      (await taskResults(runId))[0].output.webhookId,
      queued.webhook_id,
      'the log names the webhook-id the receiver gets',
    );
  });

  test('a worker whose lease was taken between two tasks stops: the next task never runs and nothing more is written', async (t) => {
    const { runId } = await queuedRun(t, 'takeover', [
      createRecord('before', 'Leads', 'Before takeover'),
      createRecord('after', 'Contacts', 'After takeover'),
      webhook('never'),
    ]);
    const contactsBefore = await recordsNamed('Contacts', 'After takeover');
    // While the first task saves its record, another worker takes the run over (its lease
    // expired and was claimed again): written in the save's own transaction, as a claim would be.
    onRecordCreated(t, async (e, trx) => {
      if (e.module === 'Leads' && e.origin?.runId === runId)
        await trx('hookflow_runs').where({ id: runId }).update({ lease_owner: 'another-worker' });
    });
    await h.hookflow.worker.drain();
    const run = await runRow(runId);
    assert.equal(run.lease_owner, 'another-worker', 'the new holder keeps the run');
    assert.equal(run.status, 'running');
    assert.equal(run.task_results, '[]', 'the overtaken worker saved no progress over the new holder');
    assert.equal(await recordsNamed('Contacts', 'After takeover'), contactsBefore, 'the next task did not run');
    assert.equal((await deliveriesOf(runId)).length, 0);
    assert.ok(
      h.logger.entries.some((e) => /lease lost/.test(JSON.stringify(e.obj))),
      'the worker logged the lost lease',
    );
  });
});
