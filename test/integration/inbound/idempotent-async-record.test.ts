/**
 * An async short-URL request with a record_id and an Idempotency-Key: its runs and its answer
 * commit in one transaction, and the record is read for the run's event. On SQLite the
 * transaction holds the only connection, so a record read through the pool inside it waited for
 * the knex acquire timeout (60 s) and answered 503. It must answer 202 at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost } from '../../helpers/test-host.js';
import { startInboundServer } from '../../helpers/inbound-server.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describeEachEngine('inbound: async request with a record and an Idempotency-Key', (tdb) => {
  test('answers 202 promptly, stores the record in the run, and replays on a repeat', async (t) => {
    const h = await createTestHost(tdb().db);
    t.after(() => h.close());
    const echo = { type: 'respond', title: 'echo', options: { body: { name: '{{env.name}}' } } };
    const wf = await h.hookflow.services.workflows.create(
      { module: 'Leads', title: 'Async rec', status: 'active', trigger: 'http', execMode: 'async', tasks: [echo] },
      h.admin.id,
    );
    await h.hookflow.services.permissions.create({ title: 'p', workflowId: wf.id, sources: '127.0.0.1' });
    const lead = await h.records.create('Leads', { lastname: 'Rec' }, { actorUserId: h.admin.id });
    const srv = await startInboundServer(h.hookflow);
    t.after(() => srv.close());

    const post = async () => {
      // Well under the 60 s acquire timeout: the old code deadlocked here and this aborts.
      const res = await fetch(`${srv.url()}?workflow_id=${wf.id}&record_id=${lead.id}`, {
        method: 'POST',
        body: 'name=Later',
        headers: { ...FORM, 'idempotency-key': 'async-rec-1' },
        signal: AbortSignal.timeout(10_000),
      }).catch((err: Error) => assert.fail(`no answer within 10 s (${err.name}): the request deadlocked`));
      return { status: res.status, headers: res.headers, json: await res.json() };
    };
    const first = await post();
    assert.equal(first.status, 202, JSON.stringify(first.json));
    const run = await tdb().db('hookflow_runs').where({ id: first.json.run_id }).first();
    assert.equal(run.status, 'queued');
    assert.equal(Number(run.record_id), lead.id);
    assert.equal(JSON.parse(run.event).record.id, lead.id, 'the event snapshots the record');
    const again = await post();
    assert.equal(again.status, 202);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(again.json.run_id, first.json.run_id);
    assert.equal((await tdb().db('hookflow_runs').where({ workflow_id: wf.id })).length, 1, 'one run');
  });
});
