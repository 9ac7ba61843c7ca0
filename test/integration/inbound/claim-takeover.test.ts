/**
 * Idempotency claims left by a dead process are taken over after 30 s of the database clock; a
 * live request keeps its claim fresh with a heartbeat; and the claim's created_at fences every
 * write, so a request whose claim was taken over writes nothing and answers 409.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestContext, createTestHost, TEST_SECRET_KEY } from '../../helpers/test-host.js';
import { startInboundServer } from '../../helpers/inbound-server.js';
import { install } from '../../../module/index.js';
import { waitFor } from '../../helpers/wait.js';
import { dbNowMs } from '../../../module/storage/engine.js';
import { createIdempotencyStore, type HeldClaim } from '../../../module/inbound/idempotency.js';
import { startClaimHeartbeat } from '../../../module/inbound/claim-heartbeat.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const claims = (db: Knex) => db('hookflow_idempotency');

/** A workflow creating a Leads record per run, permitted from 127.0.0.1. */
async function createWorkflow(h: Awaited<ReturnType<typeof createTestHost>>, execMode: 'sync' | 'async') {
  const wf = await h.hookflow.services.workflows.create(
    {
      module: 'Leads',
      title: `claims ${execMode}`,
      status: 'active',
      trigger: 'http',
      execMode,
      tasks: [
        {
          type: 'create_record',
          title: 'lead',
          options: { module: 'Leads', fields: [{ field: 'lastname', value: '$env.name' }] },
        },
      ],
    },
    h.admin.id,
  );
  const { permission } = await h.hookflow.services.permissions.create({
    title: 'p',
    workflowId: wf.id,
    sources: '127.0.0.1',
  });
  return { wf, permission };
}

/** A second install on the same database whose record reads wait at a gate (its request stalls in preparation). */
async function installGated(t: TestContext, db: Knex) {
  const a = await createTestContext(db);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const records = Object.create(a.records) as typeof a.records;
  records.get = async (...args: Parameters<typeof a.records.get>) => {
    await gate;
    return a.records.get(...args);
  };
  const host = await install({ ...a.context, records }, { secretKey: TEST_SECRET_KEY, startWorker: false });
  t.after(() => host.uninstall());
  const srv = await startInboundServer(host);
  t.after(() => srv.close());
  return { srv, release };
}

describeEachEngine('inbound: abandoned idempotency claims, heartbeat and fence', (tdb) => {
  test('an unanswered claim 31 s old (database clock) is taken over and runs; one 20 s old is still 409', async (t) => {
    const db = tdb().db;
    const h = await createTestHost(db);
    t.after(() => h.close());
    const { wf } = await createWorkflow(h, 'sync');
    const srv = await startInboundServer(h.hookflow);
    t.after(() => srv.close());
    const headers = { ...FORM, 'idempotency-key': 'abandoned-1' };
    const post = () => srv.post(`?workflow_id=${wf.id}&record_id=0`, { body: 'name=Once', headers });
    assert.equal((await post()).status, 200);
    // As if a process had claimed the key and died before storing a run or an answer.
    const abandonedAt = async (ageMs: number) =>
      claims(db)
        .where({ idem_key: 'abandoned-1' })
        .update({
          created_at: (await dbNowMs(db)) - ageMs,
          response_status: null,
          response_headers: null,
          response_body: null,
          run_id: null,
        });
    await abandonedAt(20_000);
    const young = await post();
    assert.equal(young.status, 409, young.text);
    await abandonedAt(31_000);
    const taken = await post();
    assert.equal(taken.status, 200, taken.text);
    assert.equal(taken.headers.get('idempotent-replayed'), null, 'the new request ran');
    assert.equal((await db('hookflow_runs').where({ workflow_id: wf.id })).length, 2);
    const row = await claims(db).where({ idem_key: 'abandoned-1' }).first();
    assert.equal(Number(row.response_status), 200);
  });

  test('a claim refreshed by its heartbeat is not taken over', async (t) => {
    const db = tdb().db;
    const h = await createTestHost(db);
    t.after(() => h.close());
    const { permission } = await createWorkflow(h, 'sync');
    const store = createIdempotencyStore({ db });
    // A claim made 31 s ago by a request that is still alive.
    const held: HeldClaim = { permissionId: permission.id, key: 'beating', createdAt: (await dbNowMs(db)) - 31_000 };
    await claims(db).insert({
      permission_id: held.permissionId,
      idem_key: held.key,
      body_hash: 'h',
      created_at: held.createdAt,
    });
    let tick!: () => void;
    const beat = startClaimHeartbeat(() => store.refresh(held), {
      timers: { setInterval: (fn) => (tick = fn), clearInterval: () => undefined },
    });
    tick();
    await beat.stop();
    assert.equal(beat.lost, false);
    await assert.rejects(store.claim(permission.id, 'beating', 'h'), /still being processed/);
    // Once taken over (made stale again without a beat), the old holder's writes change nothing.
    await claims(db)
      .where({ idem_key: 'beating' })
      .update({ created_at: (await dbNowMs(db)) - 31_000 });
    const old = { ...held, createdAt: Number((await claims(db).where({ idem_key: 'beating' }).first()).created_at) };
    const next = await store.claim(permission.id, 'beating', 'h');
    assert.equal(next.state, 'new');
    assert.equal(await store.refresh(old), false, 'the old heartbeat finds the claim lost');
    const answer = { status: 200, headers: {}, body: 'late' };
    assert.equal(await store.complete(old, answer, null), false, 'the late completion writes nothing');
    assert.equal(await store.attachRun(old, 99, undefined), false);
    assert.equal((await claims(db).where({ idem_key: 'beating' }).first()).response_status, null);
  });

  test('a live request keeps refreshing its claim while it prepares', async (t) => {
    const db = tdb().db;
    const h = await createTestHost(db);
    t.after(() => h.close());
    const { wf } = await createWorkflow(h, 'sync');
    const lead = await h.records.create('Leads', { lastname: 'Slow' }, { actorUserId: h.admin.id });
    const gated = await installGated(t, db);
    const headers = { ...FORM, 'idempotency-key': 'slow-prep' };
    const first = gated.srv.post(`?workflow_id=${wf.id}&record_id=${lead.id}`, { body: 'name=Slow', headers });
    const row = () => claims(db).where({ idem_key: 'slow-prep' }).first();
    await waitFor('the request to claim its key', 10_000, async () => (await row()) !== undefined);
    const claimedAt = Number((await row()).created_at);
    await waitFor(
      'the heartbeat to move the claim forward',
      15_000,
      async () => Number((await row()).created_at) > claimedAt,
    );
    gated.release();
    assert.equal((await first).status, 200);
  });

  for (const mode of ['async', 'sync'] as const) {
    test(`${mode}: a request whose claim was taken over rolls back its run and answers 409; the new owner's answer stays`, async (t) => {
      const db = tdb().db;
      const h = await createTestHost(db);
      t.after(() => h.close());
      const { wf } = await createWorkflow(h, mode);
      const lead = await h.records.create('Leads', { lastname: 'Fenced' }, { actorUserId: h.admin.id });
      const gated = await installGated(t, db);
      const srv = await startInboundServer(h.hookflow);
      t.after(() => srv.close());
      const headers = { ...FORM, 'idempotency-key': `fenced-${mode}` };
      const q = `?workflow_id=${wf.id}&record_id=${lead.id}`;
      const first = gated.srv.post(q, { body: 'name=Fenced', headers });
      const row = () =>
        claims(db)
          .where({ idem_key: `fenced-${mode}` })
          .first();
      await waitFor('the first request to claim its key', 10_000, async () => (await row()) !== undefined);
      // The first request looks dead (its claim 31 s old): a retry takes the key over.
      await claims(db)
        .where({ idem_key: `fenced-${mode}` })
        .update({ created_at: (await dbNowMs(db)) - 31_000 });
      const retry = await srv.post(q, { body: 'name=Fenced', headers });
      assert.equal(retry.status, mode === 'async' ? 202 : 200, retry.text);
      gated.release();
      const late = await first;
      assert.equal(late.status, 409, late.text);
      const runs = await db('hookflow_runs').where({ workflow_id: wf.id });
      assert.equal(runs.length, 1, 'the taken-over request stored no run');
      const claim = await row();
      assert.equal(Number(claim.response_status), retry.status, "the new owner's answer");
      assert.equal(Number(claim.run_id), Number(runs[0].id));
    });
  }
});
