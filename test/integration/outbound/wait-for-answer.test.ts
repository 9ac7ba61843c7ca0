/**
 * "Wait for the answer": the run sends the webhook itself and later tasks use the answer as
 * `{{steps.<task id>.response…}}` (record runs and sync manual runs); a failed attempt fails the
 * task and leaves the delivery to its retries; a run resumed after a crash uses the answer
 * already received and sends nothing twice; a disabled webhook has no answer to wait for.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { serveAdminApi, type AdminApi } from '../../helpers/admin-api.js';

describeEachEngine('webhooks that wait for the answer', (tdb) => {
  let h: TestHost;
  let api: AdminApi;
  let rx: http.Server;
  let base = '';
  let status = 201;
  const received: string[] = [];
  const db = () => tdb().db;

  before(async () => {
    rx = http
      .createServer((req, res) => {
        let body = '';
        req.on('data', (c) => {
          body += c;
        });
        req.on('end', () => {
          received.push(body);
          const title = JSON.parse(body || '{}').title ?? '';
          res
            .writeHead(status, { 'content-type': 'application/json' })
            .end(status < 300 ? JSON.stringify({ invoice: { id: `INV-${title.length}` } }) : '{"error":"down"}');
        });
      })
      .listen(0, '127.0.0.1');
    await new Promise((r) => rx.once('listening', r));
    base = `http://127.0.0.1:${(rx.address() as AddressInfo).port}`;
    // The worker is not started: only the runs themselves send (drain runs the lanes by hand).
    h = await createTestHost(db(), {
      settings: { outboundAllowlist: ['127.0.0.1/32'], retrySchedule: [3600], retryJitter: 0 },
    });
    api = await serveAdminApi(h);
  });
  after(async () => {
    await api.close();
    rx.closeAllConnections();
    await new Promise((r) => rx.close(r));
    await h.close();
  });

  /** A workflow whose webhook waits, and an update_record (or a set_env: no effect outside the run) that uses its answer. */
  async function workflow(title: string, useWith: 'update_record' | 'set_env' = 'update_record') {
    const trigger = 'record.created';
    const hook = {
      type: 'webhook',
      title: 'Ask accounting',
      options: {
        url: `${base}/invoices`,
        waitForAnswer: true,
        answerTimeoutMs: 5000,
        params: [{ name: 'title', value: '{{record.title}}' }],
      },
    };
    const wf = await h.hookflow.services.workflows.create(
      {
        module: 'Deals',
        title,
        status: 'active',
        trigger,
        conditions: { join: 'all', conditions: [{ field: 'title', op: 'contains', value: title }] },
        tasks: [hook],
      },
      h.admin.id,
    );
    const hookId = wf.tasks[0].id;
    const answer = `{{steps.${hookId}.response.invoice.id}}/{{steps.${hookId}.status}}`;
    const use =
      useWith === 'update_record'
        ? {
            type: 'update_record',
            title: 'Note the invoice',
            options: { fields: [{ field: 'currency', value: answer }] },
          }
        : { type: 'set_env', title: 'Keep the invoice', options: { values: [{ name: 'invoice', value: answer }] } };
    await h.hookflow.services.workflows.update(wf.id, {
      module: 'Deals',
      title,
      status: 'active',
      trigger,
      conditions: wf.conditions,
      tasks: [{ ...hook, id: hookId }, use],
    });
    return { workflowId: wf.id, hookId };
  }
  const runOf = (workflowId: number) =>
    db()('hookflow_runs').where({ workflow_id: workflowId }).orderBy('id', 'desc').first();

  test('a later task uses the answer; the delivery is one ordinary, logged attempt', async () => {
    const { workflowId, hookId } = await workflow('Waiting');
    const before = received.length;
    const deal = await h.records.create('Deals', { title: 'Waiting deal' }, { actorUserId: h.admin.id });
    await h.hookflow.worker.drain();
    const run = await runOf(workflowId);
    assert.equal(run.status, 'succeeded', run.error);
    assert.equal(
      (await h.records.get('Deals', deal.id))!.fields.currency,
      'INV-12/201',
      'the update used the answer and its status',
    );
    assert.equal(received.length - before, 1, 'sent once, by the run');
    const delivery = await db()('hookflow_deliveries').where({ task_id: hookId, record_id: deal.id }).first();
    assert.equal(delivery.status, 'success');
    assert.equal(Number(delivery.attempt_count), 1);
  });

  test("a sync manual run answers with a value from the webhook's answer", async () => {
    const wf = await h.hookflow.services.workflows.create(
      {
        module: 'Deals',
        title: 'Sync answer',
        status: 'active',
        trigger: 'http',
        tasks: [
          {
            type: 'webhook',
            title: 'Ask',
            options: {
              url: `${base}/invoices`,
              waitForAnswer: true,
              params: [{ name: 'title', value: '{{env.title}}' }],
            },
          },
        ],
      },
      h.admin.id,
    );
    const hookId = wf.tasks[0].id;
    await h.hookflow.services.workflows.update(wf.id, {
      module: 'Deals',
      title: 'Sync answer',
      status: 'active',
      trigger: 'http',
      tasks: [
        {
          id: hookId,
          type: 'webhook',
          title: 'Ask',
          options: {
            url: `${base}/invoices`,
            waitForAnswer: true,
            params: [{ name: 'title', value: '{{env.title}}' }],
          },
        },
        {
          type: 'respond',
          title: 'Answer',
          options: { status: 200, body: `{"invoice":"{{steps.${hookId}.response.invoice.id}}"}` },
        },
      ],
    });
    const res = await api.call('POST', `/workflows/${wf.id}/run`, { mode: 'sync', env: { title: 'abc' } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.run.status, 'succeeded', res.body.run.error);
    assert.match(JSON.stringify(res.body.run.output), /INV-3/);
  });

  test('a failed attempt fails the task, so later tasks never run; the delivery keeps its retries', async (t) => {
    const { workflowId, hookId } = await workflow('Failing');
    status = 503;
    t.after(() => {
      status = 201;
    });
    const deal = await h.records.create('Deals', { title: 'Failing deal' }, { actorUserId: h.admin.id });
    await h.hookflow.worker.drain();
    const run = await runOf(workflowId);
    assert.equal(run.status, 'failed');
    assert.match(
      run.error,
      /the receiver answered HTTP 503; the delivery will be retried on its schedule, but this run could not use the answer/,
    );
    assert.equal((await h.records.get('Deals', deal.id))!.fields.currency ?? null, null, 'the later task did not run');
    const delivery = await db()('hookflow_deliveries').where({ task_id: hookId, record_id: deal.id }).first();
    assert.equal(delivery.status, 'queued', 'waiting for its retry');
    assert.equal(Number(delivery.attempt_count), 1);
  });

  test('a run resumed after a crash uses the answer it already got: nothing is sent twice', async () => {
    const { workflowId } = await workflow('Resumed', 'set_env');
    await h.records.create('Deals', { title: 'Resumed deal' }, { actorUserId: h.admin.id });
    await h.hookflow.worker.drain();
    const sent = received.length;
    const invoiceOf = async () => JSON.parse((await runOf(workflowId)).env).invoice;
    assert.equal(await invoiceOf(), 'INV-12/201');
    // As if the worker died right after the webhook task: the run is claimable again with no progress.
    const run = await runOf(workflowId);
    await db()('hookflow_runs').where({ id: run.id }).update({
      status: 'queued',
      task_results: '[]',
      env: '{}',
      finished_at: null,
      lease_owner: null,
      lease_expires_at: null,
    });
    await h.hookflow.worker.drain();
    assert.equal(received.length, sent, 'the answered delivery is not sent again');
    assert.equal((await runOf(workflowId)).status, 'succeeded');
    assert.equal(await invoiceOf(), 'INV-12/201', 'the later task got the stored answer');

    // As if it died after the webhook task's progress was saved: the later task reads the answer from it.
    const finished = await runOf(workflowId);
    const hookResult = JSON.parse(finished.task_results).slice(0, 1);
    assert.equal(hookResult[0].output.response.invoice.id, 'INV-12', 'the answer is part of the stored task result');
    await db()('hookflow_runs')
      .where({ id: finished.id })
      .update({
        status: 'queued',
        task_results: JSON.stringify(hookResult),
        env: '{}',
        finished_at: null,
        lease_owner: null,
        lease_expires_at: null,
      });
    await h.hookflow.worker.drain();
    assert.equal(received.length, sent, 'still sent once');
    assert.equal(await invoiceOf(), 'INV-12/201', 'steps are rebuilt from the stored results');
  });

  test('a disabled webhook holds its delivery: the task fails saying there is no answer to wait for', async () => {
    const { workflowId, hookId } = await workflow('Disabled');
    await db()('hookflow_tasks').where({ id: hookId }).update({ disabled_at: Date.now(), disabled_reason: 'test' });
    const sent = received.length;
    await h.records.create('Deals', { title: 'Disabled deal' }, { actorUserId: h.admin.id });
    await h.hookflow.worker.drain();
    assert.equal(received.length, sent);
    const run = await runOf(workflowId);
    assert.equal(run.status, 'failed');
    assert.match(run.error, /the webhook is disabled: its delivery is held/);
  });
});
