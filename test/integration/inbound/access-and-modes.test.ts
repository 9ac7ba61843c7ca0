import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { startInboundServer, type InboundServer } from '../../helpers/inbound-server.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describeEachEngine('inbound: tokens, limits, idempotency, async, run-as', (tdb) => {
  let h: TestHost;
  let srv: InboundServer;
  let echoId = 0;
  let asyncId = 0;
  let failingId = 0;
  let createId = 0;

  before(async () => {
    h = await createTestHost(tdb().db);
    const wf = h.hookflow.services.workflows;
    const echo = { type: 'respond', title: 'echo', options: { body: { name: '{{env.name}}', q: '{{env.source}}' } } };
    echoId = (
      await wf.create({ module: 'Leads', title: 'Echo', status: 'active', trigger: 'http', tasks: [echo] }, h.admin.id)
    ).id;
    asyncId = (
      await wf.create(
        { module: 'Leads', title: 'Async', status: 'active', trigger: 'http', execMode: 'async', tasks: [echo] },
        h.admin.id,
      )
    ).id;
    failingId = (
      await wf.create(
        {
          module: 'Leads',
          title: 'Fails',
          status: 'active',
          trigger: 'http',
          tasks: [
            {
              type: 'update_record',
              title: 'no record to update',
              options: { fields: [{ field: 'lastname', value: 'x' }] },
            },
          ],
        },
        h.admin.id,
      )
    ).id;
    createId = (
      await wf.create(
        {
          module: 'Leads',
          title: 'Create as',
          status: 'active',
          trigger: 'http',
          triggerName: 'createas',
          tasks: [
            {
              type: 'create_record',
              title: 'create',
              options: { module: 'Leads', fields: [{ field: 'lastname', value: '$env["name"]' }] },
            },
            { type: 'respond', title: 'r', options: { body: { id: '$env.created_record_id' } } },
          ],
        },
        h.admin.id,
      )
    ).id;
    srv = await startInboundServer(h.hookflow);
  });
  after(async () => {
    await srv.close();
    await h.close();
  });

  const perms = () => h.hookflow.services.permissions;
  type Settings = ReturnType<TestHost['hookflow']['services']['settings']['get']>;

  /** A permission for this test only: removed after it, also when an assertion fails. */
  async function permit(t: TestContext, input: Parameters<ReturnType<typeof perms>['create']>[0]) {
    const created = await perms().create(input);
    t.after(() => perms().remove(created.permission.id));
    return created;
  }

  /** Settings for this test only: the previous values of the same keys are saved back after it. */
  async function setForTest(t: TestContext, patch: Partial<Settings>): Promise<void> {
    const current = h.hookflow.services.settings.get();
    const previous = Object.fromEntries(Object.keys(patch).map((k) => [k, current[k as keyof Settings]]));
    t.after(() => h.hookflow.services.settings.save(previous));
    await h.hookflow.services.settings.save(patch);
  }

  test('a token opens the door from any address: Bearer, X-Hookflow-Token or the last path segment; a wrong one never', async (t) => {
    const { permission, token } = await permit(t, {
      title: 'token only',
      workflowId: echoId,
      sources: '',
      token: 'generate',
    });
    assert.match(token ?? '', /^hft_/);
    assert.equal(permission.hasToken, true);
    const row = await tdb().db('hookflow_http_permissions').where({ id: permission.id }).first();
    assert.notEqual(row.token_hash, token, 'stored hashed');
    const q = `?workflow_id=${echoId}&record_id=0`;
    assert.equal((await srv.post(q, { body: 'name=a', headers: FORM })).status, 403);
    assert.equal(
      (await srv.post(q, { body: 'name=a', headers: { ...FORM, authorization: `Bearer ${token}` } })).status,
      200,
    );
    assert.equal((await srv.post(q, { body: 'name=a', headers: { ...FORM, 'x-hookflow-token': token! } })).status, 200);
    assert.equal((await srv.post(`/${token}${q}`, { body: 'name=a', headers: FORM })).status, 200);
    assert.equal(
      (await srv.post(q, { body: 'name=a', headers: { ...FORM, authorization: `Bearer ${token}x` } })).status,
      403,
    );
  });

  test('require IP and token: either alone is refused', async (t) => {
    const { token } = await permit(t, {
      title: 'both',
      workflowId: echoId,
      sources: '::1',
      token: 'generate',
      requireIpAndToken: true,
    });
    const q = `?workflow_id=${echoId}&record_id=0`;
    assert.equal((await srv.post(q, { body: 'name=a', headers: FORM, family: 6 })).status, 403);
    assert.equal(
      (await srv.post(q, { body: 'name=a', headers: { ...FORM, authorization: `Bearer ${token}` }, family: 4 })).status,
      403,
    );
    assert.equal(
      (await srv.post(q, { body: 'name=a', headers: { ...FORM, authorization: `Bearer ${token}` }, family: 6 })).status,
      200,
    );
  });

  test('a disabled permission grants nothing', async (t) => {
    await permit(t, { title: 'off', workflowId: echoId, sources: '127.0.0.1', enabled: false });
    assert.equal((await srv.post(`?workflow_id=${echoId}&record_id=0`, { body: 'name=a', headers: FORM })).status, 403);
  });

  test('trusted proxy: X-Forwarded-For is believed only from a configured proxy', async (t) => {
    await permit(t, { title: 'office', workflowId: echoId, sources: '203.0.113.7' });
    const q = `?workflow_id=${echoId}&record_id=0`;
    const xff = { ...FORM, 'x-forwarded-for': '203.0.113.7' };
    assert.equal((await srv.post(q, { body: 'name=a', headers: xff })).status, 403);
    await setForTest(t, { trustedProxies: ['127.0.0.1'] });
    const r = await srv.post(q, { body: 'name=a', headers: xff });
    assert.equal(r.status, 200, r.text);
    const run = await tdb().db('hookflow_runs').where({ id: r.json.run_id }).first();
    assert.equal(run.source_ip, '203.0.113.7');
  });

  test('query parameters become $env only when the permission says so', async (t) => {
    const { permission } = await permit(t, { title: 'q', workflowId: echoId, sources: '127.0.0.1' });
    const q = `?workflow_id=${echoId}&record_id=0&source=newsletter`;
    const plain = await srv.post(q, { body: 'name=a', headers: FORM });
    assert.equal(plain.status, 200, plain.text);
    assert.ok(!plain.json.output.q, 'query parameter must not leak into $env');
    await perms().update(permission.id, { title: 'q', workflowId: echoId, sources: '127.0.0.1', queryAsEnv: true });
    assert.equal((await srv.post(q, { body: 'name=a', headers: FORM })).json.output.q, 'newsletter');
  });

  test('per-permission rate limit answers 429 with Retry-After', async (t) => {
    await permit(t, { title: 'slow', workflowId: echoId, sources: '127.0.0.1', rateLimitPerMinute: 2 });
    const q = `?workflow_id=${echoId}&record_id=0`;
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await srv.post(q, { body: 'name=a', headers: FORM })).status);
    assert.deepEqual(codes, [200, 200, 429, 429]);
    const last = await srv.post(q, { body: 'name=a', headers: FORM });
    assert.equal(last.json.error.code, 'rate_limited');
    assert.ok(last.headers.get('retry-after'));
  });

  test('honeypot: a filled trap field gets a 200, runs nothing, and is logged', async (t) => {
    await permit(t, { title: 'form', triggerName: 'createas', sources: '127.0.0.1', honeypotField: 'website' });
    // One source holds only a few log rows: the other tests' refusals from 127.0.0.1 could
    // swallow this one into theirs, so the log starts empty here.
    await tdb().db('hookflow_http_refusals').del();
    const before = await tdb().db('hookflow_runs').where({ workflow_id: createId }).count({ n: '*' }).first();
    const r = await srv.post('?trigger=createas&record_id=0', {
      body: 'name=Bot&website=http://spam.example',
      headers: FORM,
    });
    assert.equal(r.status, 200);
    const after = await tdb().db('hookflow_runs').where({ workflow_id: createId }).count({ n: '*' }).first();
    assert.equal(Number(after?.n), Number(before?.n));
    const { refusals } = await h.hookflow.services.refusals.list(3);
    assert.match(refusals[0].reason, /honeypot/);
  });

  test("run-as user: records created by the run belong to the permission's user, else the workflow owner", async (t) => {
    const { permission } = await permit(t, {
      title: 'as sam',
      triggerName: 'createas',
      sources: '127.0.0.1',
      runAsUserId: h.sales.id,
    });
    const r = await srv.post('?trigger=createas&record_id=0', { body: 'name=Owned', headers: FORM });
    assert.equal(r.status, 200, r.text);
    assert.equal((await h.records.get('Leads', Number(r.json.output.id)))?.ownerUserId, h.sales.id);
    await perms().update(permission.id, {
      title: 'as owner',
      triggerName: 'createas',
      sources: '127.0.0.1',
      runAsUserId: null,
    });
    const r2 = await srv.post('?trigger=createas&record_id=0', { body: 'name=Owned2', headers: FORM });
    assert.equal((await h.records.get('Leads', Number(r2.json.output.id)))?.ownerUserId, h.admin.id);
  });

  test('idempotency: a repeat is replayed, a different body is 422, clientMutationId is echoed', async (t) => {
    const { permission } = await permit(t, { title: 'idem', triggerName: 'createas', sources: '127.0.0.1' });
    const headers = { ...FORM, 'idempotency-key': 'order-77' };
    const first = await srv.post('?trigger=createas&record_id=0', { body: 'name=Once', headers });
    const again = await srv.post('?trigger=createas&record_id=0', { body: 'name=Once', headers });
    assert.equal(first.status, 200, first.text);
    assert.equal(again.text, first.text);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(
      (await tdb().db('hookflow_runs').where({ workflow_id: createId, permission_id: permission.id })).length,
      1,
    );
    const changed = await srv.post('?trigger=createas&record_id=0', { body: 'name=Twice', headers });
    assert.equal(changed.status, 422);
    const m1 = await srv.post('?trigger=createas&record_id=0', {
      body: JSON.stringify({ name: 'Gen', clientMutationId: 'cm-1' }),
      headers: { 'content-type': 'application/json' },
    });
    const m2 = await srv.post('?trigger=createas&record_id=0', {
      body: JSON.stringify({ name: 'Gen', clientMutationId: 'cm-1' }),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(m1.json.clientMutationId, 'cm-1');
    assert.equal(m2.json.run_id, m1.json.run_id);
  });

  test('async: 202 with the run id at once; the worker executes it', async (t) => {
    await permit(t, { title: 'async', workflowId: asyncId, sources: '127.0.0.1' });
    const r = await srv.post(`?workflow_id=${asyncId}&record_id=0`, { body: 'name=Later', headers: FORM });
    assert.equal(r.status, 202, r.text);
    assert.equal((await tdb().db('hookflow_runs').where({ id: r.json.run_id }).first()).status, 'queued');
    await h.hookflow.worker.drain();
    assert.equal((await tdb().db('hookflow_runs').where({ id: r.json.run_id }).first()).status, 'succeeded');
    const forced = await srv.post(`?workflow_id=${asyncId}&record_id=0&mode=sync`, { body: 'name=Now', headers: FORM });
    assert.equal(forced.status, 200);
    assert.equal(forced.json.output.name, 'Now');
  });

  test('a failing task answers 500 with the run id and no internals', async (t) => {
    await permit(t, { title: 'fails', workflowId: failingId, sources: '127.0.0.1' });
    const r = await srv.post(`?workflow_id=${failingId}&record_id=0`, { body: 'name=x', headers: FORM });
    assert.equal(r.status, 500);
    assert.equal(r.json.error.code, 'task_failed');
    assert.ok(r.json.run_id > 0);
    assert.doesNotMatch(r.text, /at .*\.ts|stack/i);
  });

  test('switched off: the short URL answers 503; a custom short path moves it', async (t) => {
    await permit(t, { title: 'echo', workflowId: echoId, sources: '127.0.0.1' });
    await setForTest(t, { enabled: false, shortUrlPath: '/' });
    assert.equal((await srv.post(`?workflow_id=${echoId}&record_id=0`, { body: 'name=a', headers: FORM })).status, 503);
    await h.hookflow.services.settings.save({ enabled: true, shortUrlPath: '/go' });
    assert.equal((await srv.post(`?workflow_id=${echoId}&record_id=0`, { body: 'name=a', headers: FORM })).status, 404);
    assert.equal(
      (await srv.post(`/go?workflow_id=${echoId}&record_id=0`, { body: 'name=a', headers: FORM })).status,
      200,
    );
  });
});
