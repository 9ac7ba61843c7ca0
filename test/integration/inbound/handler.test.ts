import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { startInboundServer, type InboundServer } from '../../helpers/inbound-server.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const JSON_HEADERS = { 'content-type': 'application/json' };

describeEachEngine('inbound short URL', (tdb) => {
  let h: TestHost;
  let srv: InboundServer;
  let leadformId = 0;
  let quoteId = 0;
  let account = 0;

  before(async () => {
    h = await createTestHost(tdb().db);
    const wf = h.hookflow.services.workflows;
    leadformId = (
      await wf.create(
        {
          module: 'Leads',
          title: 'Lead form',
          status: 'active',
          trigger: 'http',
          triggerName: 'leadform',
          requiredEnv: [
            { name: 'lastname', type: 'text', required: true },
            { name: 'email', type: 'email', required: false },
          ],
          tasks: [
            {
              type: 'create_record',
              title: 'create',
              options: {
                module: 'Leads',
                fields: [
                  { field: 'firstname', value: '$env["firstname"]' },
                  { field: 'lastname', value: '$env["lastname"]' },
                  { field: 'street', value: '$env["street"]' },
                ],
              },
            },
            {
              type: 'respond',
              title: 'answer',
              options: {
                body: { leadId: '$env.created_record_id', echo: '{{env.firstname}}' },
                redirectUrl: '/thanks',
              },
            },
          ],
        },
        h.admin.id,
      )
    ).id;
    quoteId = (
      await wf.create(
        {
          module: 'Accounts',
          title: 'Quote',
          status: 'active',
          trigger: 'http',
          tasks: [
            {
              type: 'respond',
              title: 'answer',
              options: { body: { account: '{{record.name}}', nested: '$env.items' } },
            },
          ],
        },
        h.admin.id,
      )
    ).id;
    await wf.create(
      { module: 'Leads', title: 'Draft', status: 'draft', trigger: 'http', triggerName: 'drafty', tasks: [] },
      h.admin.id,
    );
    account = (await h.records.create('Accounts', { name: 'Acme GmbH' }, { actorUserId: h.admin.id })).id;
    const perms = h.hookflow.services.permissions;
    await perms.create({ title: 'web form', triggerName: 'leadform', sources: '127.0.0.1' });
    await perms.create({ title: 'admin system', workflowId: quoteId, sources: ['127.0.0.1', '::1'] });
    await perms.create({ title: 'draft', triggerName: 'drafty', sources: '127.0.0.1' });
    srv = await startInboundServer(h.hookflow);
  });
  after(async () => {
    await srv.close();
    await h.close();
  });

  test("the seed's PHP curl body, byte for byte, creates a lead and answers JSON", async () => {
    const r = await srv.post('?trigger=leadform&record_id=0', {
      body: 'firstname=Firstname&lastname=Lastname&street=streetname+123&',
      headers: FORM,
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.ok, true);
    assert.equal(r.json.workflow_id, leadformId);
    assert.equal(r.json.record_id, 0);
    assert.equal(r.json.output.echo, 'Firstname');
    assert.equal(r.json.redirect_url, '/thanks');
    const lead = await h.records.get('Leads', Number(r.json.output.leadId));
    assert.deepEqual(
      [lead?.fields.firstname, lead?.fields.lastname, lead?.fields.street],
      ['Firstname', 'Lastname', 'streetname 123'],
    );
    const run = await tdb().db('hookflow_runs').where({ id: r.json.run_id }).first();
    assert.equal(run.source, 'http');
    assert.equal(run.source_ip, '127.0.0.1');
    assert.ok(run.permission_id > 0);
  });

  test('a browser form post (Accept: text/html) is redirected with 303', async () => {
    const r = await srv.post('?trigger=leadform&record_id=0', {
      body: 'lastname=Browser',
      headers: { ...FORM, accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
    });
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), '/thanks');
  });

  test('workflow_id on a record: JSON body with nested values, record fields in the answer', async () => {
    const r = await srv.post(`?record_id=${account}&workflow_id=${quoteId}`, {
      body: JSON.stringify({ items: [{ sku: 'A-1', qty: 2 }], note: '{{constructor}}' }),
      headers: JSON_HEADERS,
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.output.account, 'Acme GmbH');
    assert.deepEqual(r.json.output.nested, [{ sku: 'A-1', qty: 2 }]);
    const run = await tdb().db('hookflow_runs').where({ id: r.json.run_id }).first();
    assert.match(run.env, /\{\{constructor\}\}/, 'a template-looking value stays literal data');
  });

  test('IPv6 loopback is a distinct client: denied by an IPv4-only list, allowed where ::1 is listed', async () => {
    const denied = await srv.post('?trigger=leadform&record_id=0', { body: 'lastname=Six', headers: FORM, family: 6 });
    assert.equal(denied.status, 403);
    const allowed = await srv.post(`?workflow_id=${quoteId}&record_id=${account}`, {
      body: '',
      headers: FORM,
      family: 6,
    });
    assert.equal(allowed.status, 200, allowed.text);
  });

  test('default deny: the same 403 whether or not the workflow exists, and the refusal is logged', async () => {
    // One source holds only a few log rows (refusal-policy.ts): the other tests' refusals from
    // 127.0.0.1 would swallow this one into theirs, so the log starts empty here.
    await tdb().db('hookflow_http_refusals').del();
    const exists = await srv.post(`?workflow_id=${leadformId}&record_id=0`, { body: 'lastname=x', headers: FORM });
    const missing = await srv.post('?workflow_id=999999&record_id=0', { body: 'lastname=x', headers: FORM });
    const unknownTrigger = await srv.post('?trigger=nope&record_id=0', { body: 'lastname=x', headers: FORM });
    assert.equal(exists.status, 403);
    assert.equal(missing.status, 403);
    assert.deepEqual(exists.json, missing.json);
    assert.deepEqual(missing.json, unknownTrigger.json);
    const { refusals } = await h.hookflow.services.refusals.list(5);
    assert.ok(refusals.some((r) => r.target === 'workflow 999999' && r.ip === '127.0.0.1'));
  });

  test('X-Forwarded-For from an untrusted client is ignored', async () => {
    await h.hookflow.services.permissions.create({ title: 'lan only', workflowId: leadformId, sources: '10.0.0.0/8' });
    const r = await srv.post(`?workflow_id=${leadformId}&record_id=0`, {
      body: 'lastname=Spoof',
      headers: { ...FORM, 'x-forwarded-for': '10.0.0.1' },
    });
    assert.equal(r.status, 403);
  });

  test('control parameters are strict: arrays, SQL, unsafe integers, both or neither target', async () => {
    for (const q of [
      '?trigger=leadform&record_id[]=1',
      '?trigger=leadform&record_id=1%20OR%201=1',
      '?trigger=leadform&record_id=9007199254740993',
      `?trigger=leadform&workflow_id=${leadformId}&record_id=0`,
      '?record_id=0',
      '?trigger=leadform&trigger=leadform',
      '?trigger=lead%20form',
      '?trigger=leadform&mode=later',
    ]) {
      const r = await srv.post(q, { body: 'lastname=x', headers: FORM });
      assert.equal(r.status, 400, `${q}: ${r.text}`);
      assert.equal(r.json.ok, false);
      assert.equal(r.json.error.code, 'bad_request');
      assert.ok(r.json.error.fields, q);
    }
  });

  test('404 only after the caller is permitted: record not found', async () => {
    const r = await srv.post(`?workflow_id=${quoteId}&record_id=424242`, { body: '', headers: FORM });
    assert.equal(r.status, 404);
    assert.match(r.json.error.message, /Accounts record 424242 not found/);
  });

  test('409 for a draft workflow', async () => {
    const r = await srv.post('?trigger=drafty&record_id=0', { body: '', headers: FORM });
    assert.equal(r.status, 409);
    assert.equal(r.json.error.code, 'conflict');
  });

  test('422 lists each missing or invalid declared field', async () => {
    const r = await srv.post('?trigger=leadform&record_id=0', {
      body: 'firstname=NoLast&email=not-an-address',
      headers: FORM,
    });
    assert.equal(r.status, 422);
    assert.deepEqual(Object.keys(r.json.error.fields).sort(), ['email', 'lastname']);
  });

  test('415 for an unsupported content type, 413 for a 2 MB body and for 10,000 fields', async () => {
    const t = await srv.post('?trigger=leadform&record_id=0', {
      body: 'lastname=x',
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(t.status, 415);
    const big = await srv.post('?trigger=leadform&record_id=0', {
      body: `lastname=${'a'.repeat(2 * 1024 * 1024)}`,
      headers: FORM,
    });
    assert.equal(big.status, 413);
    const many = await srv.post('?trigger=leadform&record_id=0', {
      body: Array.from({ length: 10_000 }, (_, i) => `f${i}=1`).join('&'),
      headers: FORM,
    });
    assert.equal(many.status, 413);
  });

  test('prototype keys are refused with 400 in forms and JSON; nothing is polluted', async () => {
    for (const [body, headers] of [
      ['__proto__[admin]=1&lastname=x', FORM],
      ['a[constructor][prototype][x]=1&lastname=x', FORM],
      ['{"lastname":"x","__proto__":{"admin":true}}', JSON_HEADERS],
    ] as const) {
      const r = await srv.post('?trigger=leadform&record_id=0', { body, headers });
      assert.equal(r.status, 400, `${body}: ${r.text}`);
    }
    assert.equal(({} as Record<string, unknown>).admin, undefined);
  });

  test('multipart text fields work; file parts are refused clearly', async () => {
    const fd = new FormData();
    fd.set('lastname', 'Multi');
    fd.set('firstname', 'Part');
    const ok = await srv.post('?trigger=leadform&record_id=0', { body: fd });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.output.echo, 'Part');
    const withFile = new FormData();
    withFile.set('lastname', 'File');
    withFile.set('cv', new Blob(['%PDF']), 'cv.pdf');
    const refused = await srv.post('?trigger=leadform&record_id=0', { body: withFile });
    assert.equal(refused.status, 400);
    assert.match(refused.json.error.message, /File uploads are not accepted/);
  });

  test('JSON arrays at the top level are refused', async () => {
    const r = await srv.post('?trigger=leadform&record_id=0', { body: '[1,2]', headers: JSON_HEADERS });
    assert.equal(r.status, 400);
  });

  test('only POST is accepted', async () => {
    const r = await fetch(`${srv.url()}?trigger=leadform&record_id=0`);
    assert.equal(r.status, 405);
    assert.equal(r.headers.get('allow'), 'POST');
  });
});
