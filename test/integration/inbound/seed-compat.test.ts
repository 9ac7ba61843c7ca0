/**
 * What the seed documents' callers send, accepted as they send it: Redoo's legacy
 * `workflow_trigger` GET variable, Stackflows' bare `authorization: <token>` header, WorkflowGen's
 * `clientMutationId` inside `args.input` (echoed, null when absent), and a token-only URL whose
 * token alone selects its permission's workflow.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { startInboundServer } from '../../helpers/inbound-server.js';

const JSON_HEADERS = { 'content-type': 'application/json' };
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describeEachEngine('seed compatibility of the short URL', (tdb) => {
  async function setUp(t: { after(fn: () => unknown): void }) {
    // A database per test: each test's workflows use the same trigger name.
    const own = await createTestDatabase(tdb().engine);
    let host: TestHost | undefined;
    t.after(async () => {
      await host?.close();
      await own.destroy();
    });
    const h = (host = await createTestHost(own.db));
    const wf = h.hookflow.services.workflows;
    const echo = {
      type: 'respond',
      title: 'answer',
      options: { body: { got: '$env.name', input: '$env.args.input.name' } },
    };
    const byTrigger = await wf.create(
      { module: 'Leads', title: 'by trigger', status: 'active', trigger: 'http', triggerName: 'legacy', tasks: [echo] },
      h.admin.id,
    );
    const byId = await wf.create(
      { module: 'Leads', title: 'by id', status: 'active', trigger: 'http', tasks: [echo] },
      h.admin.id,
    );
    const perms = h.hookflow.services.permissions;
    await perms.create({ title: 'redoo', triggerName: 'legacy', sources: '127.0.0.1' });
    // Token only, from anywhere: the Stackflows / WorkflowGen style.
    const tokenPermission = await perms.create({
      title: 'external system',
      workflowId: byId.id,
      sources: [],
      token: 'generate',
    });
    const srv = await startInboundServer(h.hookflow);
    t.after(() => srv.close());
    return { h, srv, byTrigger, byId, token: tokenPermission.token as string };
  }

  test("Redoo's workflow_trigger is trigger; both at once is a 400 naming trigger", async (t) => {
    const { srv, byTrigger } = await setUp(t);
    const ok = await srv.post('?workflow_trigger=legacy&record_id=0', { body: 'name=Ada', headers: FORM });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.workflow_id, byTrigger.id);
    assert.equal(ok.json.output.got, 'Ada');
    const both = await srv.post('?workflow_trigger=legacy&trigger=legacy&record_id=0', {
      body: 'name=Ada',
      headers: FORM,
    });
    assert.equal(both.status, 400);
    assert.ok(both.json.error.fields.trigger);
  });

  test("Stackflows' bare `authorization: <token>` is the token; Basic is not", async (t) => {
    const { srv, byId, token } = await setUp(t);
    const bare = await srv.post(`?workflow_id=${byId.id}`, {
      body: JSON.stringify({ name: 'Bo' }),
      headers: { ...JSON_HEADERS, authorization: token },
    });
    assert.equal(bare.status, 200, bare.text);
    assert.equal(bare.json.output.got, 'Bo');
    const wrong = await srv.post(`?workflow_id=${byId.id}`, {
      body: '{}',
      headers: { ...JSON_HEADERS, authorization: `${token}x` },
    });
    assert.equal(wrong.status, 403);
    const basic = await srv.post(`?workflow_id=${byId.id}`, {
      body: '{}',
      headers: { ...JSON_HEADERS, authorization: `Basic ${Buffer.from(`u:${token}`).toString('base64')}` },
    });
    assert.equal(basic.status, 403, 'a Basic header carries no token');
  });

  test("WorkflowGen's clientMutationId in args.input is echoed and keys idempotency; null when absent", async (t) => {
    const { srv, byId, token } = await setUp(t);
    const body = JSON.stringify({
      operation: 'createRequest',
      args: { input: { clientMutationId: 'cm-1', name: 'Cy' } },
    });
    const first = await srv.post(`/${token}?workflow_id=${byId.id}`, { body, headers: JSON_HEADERS });
    assert.equal(first.status, 200, first.text);
    assert.equal(first.json.clientMutationId, 'cm-1');
    assert.equal(first.json.output.input, 'Cy');
    const again = await srv.post(`/${token}?workflow_id=${byId.id}`, { body, headers: JSON_HEADERS });
    assert.equal(again.headers.get('idempotent-replayed'), 'true', 'the nested id is the idempotency key');
    assert.equal(again.json.run_id, first.json.run_id);
    const top = await srv.post(`/${token}?workflow_id=${byId.id}`, {
      body: JSON.stringify({ clientMutationId: 'cm-2', name: 'Di' }),
      headers: JSON_HEADERS,
    });
    assert.equal(top.json.clientMutationId, 'cm-2');
    const none = await srv.post(`/${token}?workflow_id=${byId.id}`, {
      body: JSON.stringify({ name: 'Ed' }),
      headers: JSON_HEADERS,
    });
    assert.equal(none.status, 200);
    assert.ok(Object.hasOwn(none.json, 'clientMutationId'));
    assert.equal(none.json.clientMutationId, null);
  });

  test('a token-only URL runs the workflow of the permission the token belongs to', async (t) => {
    const { h, srv, byId, token } = await setUp(t);
    const viaPath = await srv.post(`/${token}`, { body: JSON.stringify({ name: 'Flo' }), headers: JSON_HEADERS });
    assert.equal(viaPath.status, 200, viaPath.text);
    assert.equal(viaPath.json.workflow_id, byId.id);
    assert.equal(viaPath.json.output.got, 'Flo');
    const viaHeader = await srv.post('?record_id=0', {
      body: JSON.stringify({ name: 'Gus' }),
      headers: { ...JSON_HEADERS, authorization: `Bearer ${token}` },
    });
    assert.equal(viaHeader.json.workflow_id, byId.id);
    const unknown = await srv.post('/hft_nottherealtoken', { body: '{}', headers: JSON_HEADERS });
    assert.equal(unknown.status, 403, 'an unknown token is the usual refusal');
    const noToken = await srv.post('?record_id=0', { body: '{}', headers: JSON_HEADERS });
    assert.equal(noToken.status, 400);
    assert.match(noToken.json.error.fields.workflow_id, /or a token/);
    const { refusals: refused } = await h.hookflow.services.refusals.list();
    assert.ok(
      refused.some(
        (r: { target: string | null; status: number }) => r.status === 403 && r.target === "the token's own target",
      ),
      JSON.stringify(refused),
    );
  });
});
