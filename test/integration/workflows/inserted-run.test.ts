/**
 * A sync run executes from the run `insertedRun` builds in memory, not from a re-read of its row:
 * that copy must equal the stored row (event and env as JSON gives them back), times aside.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { getRun, insertRun, insertedRun, type NewRun } from '../../../module/workflows/runs.js';
import { dbNowMs } from '../../../module/storage/engine.js';

describeEachEngine('a run built in memory after its insert', (tdb) => {
  let h: TestHost;
  let workflowId: number;
  before(async () => {
    h = await createTestHost(tdb().db);
    const wf = await h.hookflow.services.workflows.create(
      { module: 'Deals', title: 'In memory', status: 'inactive', trigger: 'http', tasks: [] },
      h.admin.id,
    );
    workflowId = wf.id;
  });
  after(async () => {
    await h.close();
  });

  const newRun = (over: Partial<NewRun>): NewRun => ({
    workflowId,
    trigger: 'http',
    source: 'http',
    module: 'Deals',
    recordId: 7,
    status: 'running',
    mode: 'sync',
    event: {
      type: 'http',
      module: 'Deals',
      recordId: 7,
      timeMs: 1_700_000_000_000,
      actorUserId: null,
      // A Date and an undefined field: the row holds them as JSON gives them back.
      record: { id: 7, ownerUserId: 3, fields: { title: 'Big deal', closesAt: new Date(0), note: undefined } },
      previous: null,
      initialEnv: { lead: 'x' },
    },
    env: { lead: 'x', nested: { n: 1 } },
    permissionId: null,
    sourceIp: '203.0.113.9',
    originSystem: 'shop',
    leaseOwner: 'web-1',
    leaseSeconds: 60,
    ...over,
  });

  for (const [name, over] of [
    ['a sync run under this process’s lease', {}],
    ['a queued run with no lease and defaults left out', { status: 'queued', mode: 'async', leaseOwner: null }],
    ['a finished (skipped) run with an error', { status: 'skipped', error: 'why', sourceIp: undefined }],
  ] as const) {
    test(`${name}: equals the stored row except its times`, async () => {
      const run = newRun(over as Partial<NewRun>);
      const id = await insertRun(tdb().db, run);
      const stored = await getRun(tdb().db, id);
      assert.ok(stored);
      const built = insertedRun(id, run, 123);
      const times = (r: typeof built) => ({
        ...r,
        createdAt: 0,
        startedAt: r.startedAt && 1,
        finishedAt: r.finishedAt && 1,
      });
      assert.deepEqual(times(built), times(stored));
      assert.equal(built.createdAt, 123);
      assert.equal(built.startedAt === null, stored.startedAt === null, 'started when leased');
      assert.equal(built.finishedAt === null, stored.finishedAt === null, 'finished when finished');
    });
  }
  test('insertRun stamps the database clock: created always, started and the lease only when leased, finished only when finished', async () => {
    const row = (id: number) => tdb().db('hookflow_runs').where({ id }).first();
    const before = await dbNowMs(tdb().db);
    const leased = await row(await insertRun(tdb().db, newRun({ leaseSeconds: 45 })));
    const queued = await row(await insertRun(tdb().db, newRun({ status: 'queued', mode: 'async', leaseOwner: null })));
    const skipped = await row(await insertRun(tdb().db, newRun({ status: 'skipped', leaseOwner: null })));
    const after = await dbNowMs(tdb().db);
    for (const r of [leased, queued, skipped]) {
      const created = Number(r.created_at);
      assert.ok(created >= before && created <= after, `created_at ${created} within [${before}, ${after}]`);
    }
    assert.equal(Number(leased.started_at), Number(leased.created_at));
    assert.equal(Number(leased.lease_expires_at), Number(leased.created_at) + 45_000);
    assert.equal(leased.lease_owner, 'web-1');
    assert.equal(Number(leased.attempts), 1);
    assert.equal(leased.finished_at, null);
    assert.equal(leased.order_key, 'Deals:7');
    for (const r of [queued, skipped]) {
      assert.equal(r.started_at, null);
      assert.equal(r.lease_expires_at, null);
      assert.equal(r.lease_owner, null);
      assert.equal(Number(r.attempts), 0);
    }
    assert.equal(queued.finished_at, null);
    assert.equal(Number(skipped.finished_at), Number(skipped.created_at));
    const ids = [leased.id, queued.id, skipped.id].map(Number);
    assert.equal(new Set(ids).size, 3, 'each insert answers its own row id');
  });
});
