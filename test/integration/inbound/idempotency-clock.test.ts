/**
 * Idempotency keys use the database clock: a second web host whose clock is 11 minutes ahead
 * must see a key still being processed as in progress (409) — not as abandoned — and replay the
 * first answer once it is done, never running the request twice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestContext, TEST_SECRET_KEY } from '../../helpers/test-host.js';
import { startInboundServer } from '../../helpers/inbound-server.js';
import { install } from '../../../module/index.js';
import { waitFor } from '../../helpers/wait.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded', 'idempotency-key': 'order-42' };

describeEachEngine('idempotency across web hosts with skewed clocks', (tdb) => {
  test('a host 11 minutes ahead gets 409 while the first request runs, then the replay', async (t) => {
    const a = await createTestContext(tdb().db);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const records = Object.create(a.records) as typeof a.records;
    records.create = async (...args: Parameters<typeof a.records.create>) => {
      await gate;
      return a.records.create(...args);
    };
    const hostA = await install({ ...a.context, records }, { secretKey: TEST_SECRET_KEY, startWorker: false });
    t.after(() => hostA.uninstall());
    const b = await createTestContext(tdb().db, { now: () => new Date(Date.now() + 11 * 60_000) });
    const hostB = await install(b.context, { secretKey: TEST_SECRET_KEY, startWorker: false });
    t.after(() => hostB.uninstall());

    await hostA.services.workflows.create(
      {
        module: 'Leads',
        title: 'order',
        status: 'active',
        trigger: 'http',
        triggerName: 'order',
        tasks: [
          {
            type: 'create_record',
            title: 'lead',
            options: { module: 'Leads', fields: [{ field: 'lastname', value: '$env.name' }] },
          },
          { type: 'respond', title: 'answer', options: { body: { id: '$env.created_record_id' } } },
        ],
      },
      a.admin.id,
    );
    await hostA.services.permissions.create({ title: 'p', triggerName: 'order', sources: '127.0.0.1' });
    const srvA = await startInboundServer(hostA);
    t.after(() => srvA.close());
    const srvB = await startInboundServer(hostB);
    t.after(() => srvB.close());

    const first = srvA.post('?trigger=order', { body: 'name=Once', headers: FORM });
    // Wait until A's claim row exists (the request is inside its run, held at the gate).
    await waitFor(
      'the first request to claim its key',
      30_000,
      async () => Number((await tdb().db('hookflow_idempotency').count({ n: '*' }))[0].n) > 0,
    );
    const meanwhile = await srvB.post('?trigger=order', { body: 'name=Once', headers: FORM });
    assert.equal(meanwhile.status, 409, meanwhile.text);
    release();
    const done = await first;
    assert.equal(done.status, 200, done.text);
    const replay = await srvB.post('?trigger=order', { body: 'name=Once', headers: FORM });
    assert.equal(replay.status, 200);
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    assert.equal(replay.json.output.id, done.json.output.id);
    const leads = await tdb().db('crm_records').where({ module: 'Leads' });
    assert.equal(
      leads.filter((r: { fields: string }) => JSON.parse(r.fields).lastname === 'Once').length,
      1,
      'ran exactly once',
    );
  });

  test('a request whose process died after storing its run is answered from that run, never run again', async (t) => {
    const a = await createTestContext(tdb().db);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const records = Object.create(a.records) as typeof a.records;
    records.create = async (...args: Parameters<typeof a.records.create>) => {
      await gate;
      return a.records.create(...args);
    };
    const hostA = await install({ ...a.context, records }, { secretKey: TEST_SECRET_KEY, startWorker: false });
    t.after(() => hostA.uninstall());
    const b = await createTestContext(tdb().db);
    const hostB = await install(b.context, { secretKey: TEST_SECRET_KEY, startWorker: false });
    t.after(() => hostB.uninstall());
    const wf = await hostA.services.workflows.create(
      {
        module: 'Leads',
        title: 'stored',
        status: 'active',
        trigger: 'http',
        triggerName: 'stored',
        tasks: [
          {
            type: 'create_record',
            title: 'lead',
            options: { module: 'Leads', fields: [{ field: 'lastname', value: '$env.name' }] },
          },
          { type: 'respond', title: 'answer', options: { body: { id: '$env.created_record_id' } } },
        ],
      },
      a.admin.id,
    );
    await hostA.services.permissions.create({ title: 'p', triggerName: 'stored', sources: '127.0.0.1' });
    const srvA = await startInboundServer(hostA);
    t.after(() => srvA.close());
    const srvB = await startInboundServer(hostB);
    t.after(() => srvB.close());
    const headers = { ...FORM, 'idempotency-key': 'order-stored' };
    const claimRow = () => tdb().db('hookflow_idempotency').where({ idem_key: 'order-stored' }).first();

    const first = srvA.post('?trigger=stored', { body: 'name=Stored', headers });
    await waitFor(
      'the first request to store its run on the claim',
      30_000,
      async () => (await claimRow())?.run_id != null,
    );
    // As if the first process had died long ago: the claim is past the stale time, still unanswered.
    await tdb()
      .db('hookflow_idempotency')
      .where({ idem_key: 'order-stored' })
      .update({ created_at: tdb().db.raw('created_at - ?', [11 * 60_000]) });
    const meanwhile = await srvB.post('?trigger=stored', { body: 'name=Stored', headers });
    assert.equal(meanwhile.status, 409, meanwhile.text);
    assert.match(meanwhile.text, /still being processed \(run \d+\)/);
    assert.equal(
      (await tdb().db('hookflow_runs').where({ workflow_id: wf.id })).length,
      1,
      'the stale claim was not taken over by a second run',
    );

    release();
    const done = await first;
    assert.equal(done.status, 200, done.text);
    // The run finished but its answer never reached the claim (the process died in between).
    await tdb()
      .db('hookflow_idempotency')
      .where({ idem_key: 'order-stored' })
      .update({ response_status: null, response_body: null, response_headers: null });
    const fromRun = await srvB.post('?trigger=stored', { body: 'name=Stored', headers });
    assert.equal(fromRun.status, 200, fromRun.text);
    assert.equal(fromRun.headers.get('idempotent-replayed'), 'true');
    assert.equal(fromRun.json.output.id, done.json.output.id, 'the answer the first request gave');
    assert.equal(Number((await claimRow()).response_status), 200, 'and the claim keeps it for the next repeat');
    assert.equal((await tdb().db('hookflow_runs').where({ workflow_id: wf.id })).length, 1, 'ran exactly once');
  });
});
