/**
 * The in-memory workflows and permissions never widen access: two installs on one database (two
 * web processes, each with its own connection) — a change committed through one is honoured by
 * the other for every request that starts `configCheckMs` after the commit (storage/
 * versioned-snapshot.ts), and by the one that made it at once. Each test waits for that deadline
 * and then asserts; the guarantee does not depend on how fast the machine is.
 */
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { createTestDatabase, describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { startInboundServer, type InboundServer } from '../../helpers/inbound-server.js';
import { sleep } from '../../helpers/wait.js';
import { openDatabase, parseDatabaseUrl } from '../../../host/db.js';

const BOUND_MS = 400;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const echo = (name: string) => ({ type: 'respond', title: 'echo', options: { body: { db: name } } });

/** Resolves once `BOUND_MS` have passed since `since` (a performance.now() taken after a commit). */
async function pastTheBound(since: number): Promise<void> {
  const left = since + BOUND_MS + 1 - performance.now();
  if (left > 0) await sleep(left);
}

describeEachEngine('config caches: two installs on one database', (tdb) => {
  let a: TestHost;
  let b: TestHost;
  let bDb: Knex;
  let srvA: InboundServer;
  let srvB: InboundServer;

  before(async () => {
    a = await createTestHost(tdb().db, { configCheckMs: BOUND_MS });
    bDb = openDatabase(parseDatabaseUrl(tdb().url));
    b = await createTestHost(bDb, { configCheckMs: BOUND_MS });
    srvA = await startInboundServer(a.hookflow);
    srvB = await startInboundServer(b.hookflow);
  });
  after(async () => {
    await srvA.close();
    await srvB.close();
    await b.close();
    await a.close();
    await bDb.destroy();
  });

  async function httpWorkflow(t: TestContext, title: string): Promise<number> {
    const wf = await a.hookflow.services.workflows.create(
      { module: 'Leads', title, status: 'active', trigger: 'http', tasks: [echo('main')] },
      a.admin.id,
    );
    t.after(() => removeWorkflow(wf.id));
    return wf.id;
  }

  /** Removes a test's workflow with its runs. */
  async function removeWorkflow(id: number): Promise<void> {
    await tdb().db('hookflow_runs').where({ workflow_id: id }).delete();
    await a.hookflow.services.store.remove(id);
  }

  const post = (srv: InboundServer, workflowId: number, token?: string) =>
    srv.post(`?workflow_id=${workflowId}&record_id=0`, {
      body: 'name=x',
      headers: { ...FORM, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });

  test('a rotated token is refused at once by the install that rotated it and by the other once the bound has passed', async (t) => {
    const id = await httpWorkflow(t, 'Rotate');
    const input = { title: 'rotate', workflowId: id, sources: '192.0.2.1', token: 'generate' as const };
    const created = await a.hookflow.services.permissions.create(input);
    t.after(() => a.hookflow.services.permissions.remove(created.permission.id));
    await pastTheBound(performance.now());
    assert.equal((await post(srvB, id, created.token)).status, 200, 'B serves the token it has cached');

    const rotated = await a.hookflow.services.permissions.update(created.permission.id, input);
    const committed = performance.now();
    assert.equal((await post(srvA, id, created.token)).status, 403, 'A: the old token at once');
    assert.equal((await post(srvA, id, rotated.token)).status, 200);
    await pastTheBound(committed);
    assert.equal((await post(srvB, id, created.token)).status, 403, 'B: the old token once the bound has passed');
    assert.equal((await post(srvB, id, rotated.token)).status, 200, 'B: the new token');
  });

  test('a permission disabled, then deleted, on one install is refused by the other once the bound has passed', async (t) => {
    const id = await httpWorkflow(t, 'Disable');
    const input = { title: 'by address', workflowId: id, sources: '127.0.0.1' };
    const { permission } = await a.hookflow.services.permissions.create(input);
    let removed = false;
    t.after(() => (removed ? undefined : a.hookflow.services.permissions.remove(permission.id)));
    await pastTheBound(performance.now());
    assert.equal((await post(srvB, id)).status, 200);

    await a.hookflow.services.permissions.update(permission.id, { ...input, enabled: false });
    await pastTheBound(performance.now());
    assert.equal((await post(srvB, id)).status, 403, 'disabled');

    await a.hookflow.services.permissions.update(permission.id, { ...input, enabled: true });
    await pastTheBound(performance.now());
    assert.equal((await post(srvB, id)).status, 200, 'enabled again');

    await a.hookflow.services.permissions.remove(permission.id);
    removed = true;
    await pastTheBound(performance.now());
    assert.equal((await post(srvB, id)).status, 403, 'deleted');
  });

  test('a workflow deactivated on one install starts no run on the other once the bound has passed: short URL and record save', async (t) => {
    const id = await httpWorkflow(t, 'Deactivate http');
    const { permission } = await a.hookflow.services.permissions.create({
      title: 'deactivate',
      workflowId: id,
      sources: '127.0.0.1',
    });
    t.after(() => a.hookflow.services.permissions.remove(permission.id));
    const onSave = await a.hookflow.services.workflows.create(
      {
        module: 'Deals',
        title: 'Deactivate on save',
        status: 'active',
        trigger: 'record.created',
        tasks: [{ type: 'set_env', title: 'env', options: { values: [{ name: 'x', value: '1' }] } }],
      },
      a.admin.id,
    );
    t.after(() => removeWorkflow(onSave.id));
    const runsOf = async (workflowId: number) =>
      Number((await tdb().db('hookflow_runs').where({ workflow_id: workflowId }).count({ n: '*' }))[0].n);
    await pastTheBound(performance.now());
    assert.equal((await post(srvB, id)).status, 200);
    await b.records.create('Deals', { title: 'before', amount: 1, stage: 'Proposal' }, { actorUserId: b.sales.id });
    assert.equal(await runsOf(onSave.id), 1, "B's save started the active workflow");

    await a.hookflow.services.workflows.setStatus(id, 'inactive');
    await a.hookflow.services.workflows.setStatus(onSave.id, 'inactive');
    const committed = performance.now();
    assert.equal((await post(srvA, id)).status, 409, 'A at once');
    await pastTheBound(committed);
    const httpRuns = await runsOf(id);
    assert.equal((await post(srvB, id)).status, 409, 'B: inactive');
    assert.equal(await runsOf(id), httpRuns, "no run from B's short URL");
    await b.records.create('Deals', { title: 'after', amount: 1, stage: 'Proposal' }, { actorUserId: b.sales.id });
    assert.equal(await runsOf(onSave.id), 1, "no run from B's save");
  });

  test('capture mode set on one install captures on the other once the bound has passed; one request in all', async (t) => {
    const id = await httpWorkflow(t, 'Capture');
    const { permission } = await a.hookflow.services.permissions.create({
      title: 'capture',
      workflowId: id,
      sources: '127.0.0.1',
    });
    t.after(() => a.hookflow.services.permissions.remove(permission.id));
    await pastTheBound(performance.now());
    assert.equal((await post(srvB, id)).status, 200, 'B has the permission cached, not capturing');

    await a.hookflow.services.permissions.setCaptureUntil(permission.id, Date.now() + 60_000);
    await pastTheBound(performance.now());
    const answers = await Promise.all([post(srvA, id), post(srvB, id), post(srvA, id), post(srvB, id)]);
    assert.deepEqual(
      answers.map((r) => r.status).sort(),
      [200, 200, 200, 202],
      'exactly one request across both installs is captured',
    );
    assert.equal((await tdb().db('hookflow_http_captures').where({ permission_id: permission.id })).length, 1);
    await tdb().db('hookflow_http_captures').where({ permission_id: permission.id }).delete();
  });

  test('an install honours its own changes at once, however long its bound', async (t) => {
    const slow = await createTestHost(tdb().db, { configCheckMs: 60_000 });
    const srv = await startInboundServer(slow.hookflow);
    t.after(async () => {
      await srv.close();
      await slow.close();
    });
    const wf = await slow.hookflow.services.workflows.create(
      { module: 'Leads', title: 'Own change', status: 'active', trigger: 'http', tasks: [echo('main')] },
      slow.admin.id,
    );
    t.after(() => removeWorkflow(wf.id));
    const input = { title: 'own', workflowId: wf.id, sources: '192.0.2.1', token: 'generate' as const };
    const created = await slow.hookflow.services.permissions.create(input);
    t.after(() => slow.hookflow.services.permissions.remove(created.permission.id));
    assert.equal((await post(srv, wf.id, created.token)).status, 200, 'cached now');
    const rotated = await slow.hookflow.services.permissions.update(created.permission.id, input);
    assert.equal((await post(srv, wf.id, created.token)).status, 403, 'the old token at once');
    assert.equal((await post(srv, wf.id, rotated.token)).status, 200);
    await slow.hookflow.services.workflows.setStatus(wf.id, 'inactive');
    assert.equal((await post(srv, wf.id, rotated.token)).status, 409, 'the workflow switched off at once');
  });

  test("installs on two databases never serve each other's workflows or permissions", async (t) => {
    const other = await createTestDatabase(tdb().engine);
    const c = await createTestHost(other.db, { configCheckMs: BOUND_MS });
    const srvC = await startInboundServer(c.hookflow);
    t.after(async () => {
      await srvC.close();
      await c.close();
      await other.destroy();
    });
    const setUp = async (h: TestHost, name: string) => {
      const wf = await h.hookflow.services.workflows.create(
        {
          module: 'Leads',
          title: `Which db ${name}`,
          status: 'active',
          trigger: 'http',
          triggerName: 'which-db',
          tasks: [echo(name)],
        },
        h.admin.id,
      );
      const p = await h.hookflow.services.permissions.create({
        title: 'which',
        triggerName: 'which-db',
        sources: '127.0.0.1',
      });
      return { wf, p };
    };
    const mine = await setUp(a, 'main');
    const theirs = await setUp(c, 'other');
    t.after(async () => {
      await a.hookflow.services.permissions.remove(mine.p.permission.id);
      await removeWorkflow(mine.wf.id);
    });
    const ask = async (srv: InboundServer) =>
      srv.post('?trigger=which-db&record_id=0', { body: 'name=x', headers: FORM });
    assert.equal((await ask(srvA)).json.output.db, 'main');
    assert.equal((await ask(srvC)).json.output.db, 'other');

    await c.hookflow.services.permissions.remove(theirs.p.permission.id);
    assert.equal((await ask(srvC)).status, 403, 'C: its own permission is gone');
    await pastTheBound(performance.now());
    assert.equal((await ask(srvA)).json.output.db, 'main', 'A still answers from its own database');
    assert.equal((await ask(srvB)).json.output.db, 'main', 'and so does B, on the same database as A');
  });
});
