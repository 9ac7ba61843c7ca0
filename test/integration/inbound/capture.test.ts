/**
 * Capture a sample request (issue 21.2) over real HTTP on both engines: capture mode records the
 * next permitted form post instead of running it (202, no run row, no secret stored), the next
 * request runs normally, the window expires, retention prunes captures, and a permission that
 * lets no caller in cannot capture (422). The management API's capture endpoints too.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { startInboundServer, type InboundServer } from '../../helpers/inbound-server.js';
import { serveAdminApi, type AdminApi } from '../../helpers/admin-api.js';
import { pruneHistory } from '../../../module/retention.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describeEachEngine('inbound capture mode', (tdb) => {
  let h: TestHost;
  let srv: InboundServer;
  let api: AdminApi;
  let clock = Date.now();
  let workflowId = 0;
  let ipPermission = 0;
  let tokenPermission = 0;
  let token = '';
  const runs = async () => (await tdb().db('hookflow_runs').where({ workflow_id: workflowId })).length;
  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

  before(async () => {
    h = await createTestHost(tdb().db, { now: () => new Date(clock) });
    workflowId = (
      await h.hookflow.services.workflows.create(
        {
          module: 'Leads',
          title: 'Capture form',
          status: 'active',
          trigger: 'http',
          triggerName: 'capform',
          tasks: [{ type: 'respond', title: 'answer', options: { body: { ran: true } } }],
        },
        h.admin.id,
      )
    ).id;
    const perms = h.hookflow.services.permissions;
    ipPermission = (await perms.create({ title: 'web form', triggerName: 'capform', sources: '127.0.0.1' })).permission
      .id;
    const saved = await perms.create({ title: 'token form', workflowId, sources: '', token: 'generate' });
    tokenPermission = saved.permission.id;
    token = saved.token as string;
    srv = await startInboundServer(h.hookflow);
    api = await serveAdminApi(h);
  });
  after(async () => {
    await api.close();
    await srv.close();
    await h.close();
  });

  test('capture on: the next form post is recorded and answered 202 without running; the next one runs', async () => {
    const started = await api.call('POST', `/permissions/${ipPermission}/capture`, { minutes: 5 });
    assert.equal(started.status, 202, started.text);
    assert.equal(started.body.captureUntil, clock + 5 * 60_000);
    const before = await runs();
    const r = await srv.post('?trigger=capform', {
      body: form({ firstname: 'Ada', lastname: 'Lovelace', email: 'ada@example.com', age: '36' }),
      headers: { ...FORM, 'x-form-origin': 'website' },
    });
    assert.equal(r.status, 202, r.text);
    assert.deepEqual(r.json, { ok: true, captured: true });
    assert.equal(await runs(), before, 'nothing ran');
    const seen = await api.call('GET', `/permissions/${ipPermission}/capture`);
    assert.equal(seen.status, 200);
    assert.equal(seen.body.captureUntil, null, 'capture mode ended with the captured request');
    const c = seen.body.capture;
    assert.deepEqual(c.fields, { firstname: 'Ada', lastname: 'Lovelace', email: 'ada@example.com', age: '36' });
    assert.equal(c.contentType, 'application/x-www-form-urlencoded');
    assert.equal(c.source, '127.0.0.1');
    assert.equal(c.headers['x-form-origin'], 'website');

    const next = await srv.post('?trigger=capform', { body: form({ firstname: 'Bob' }), headers: FORM });
    assert.equal(next.status, 200, next.text);
    assert.match(next.text, /"ran":true/, 'the workflow answered');
    assert.equal(await runs(), before + 1, 'the second request ran');
  });

  test('only the first of concurrent requests is captured; the others run', async () => {
    assert.equal((await api.call('POST', `/permissions/${ipPermission}/capture`, {})).status, 202);
    const before = await runs();
    const answers = await Promise.all(
      [1, 2, 3, 4].map((i) => srv.post('?trigger=capform', { body: form({ n: String(i) }), headers: FORM })),
    );
    const statuses = answers.map((a) => a.status).sort();
    assert.deepEqual(statuses, [200, 200, 200, 202], answers.map((a) => a.text).join('\n'));
    assert.equal(await runs(), before + 3);
  });

  test('a capture keeps no secret: Authorization, Cookie, token headers and values holding the token go', async () => {
    assert.equal((await api.call('POST', `/permissions/${tokenPermission}/capture`, {})).status, 202);
    const r = await srv.post(`?workflow_id=${workflowId}`, {
      body: form({ name: 'Ada', echo: `token=${token}` }),
      headers: {
        ...FORM,
        authorization: `Bearer ${token}`,
        cookie: 'sid=s3cr3t',
        'x-api-key': 'k3y',
        'x-trace': token,
      },
    });
    assert.equal(r.status, 202, r.text);
    const stored = await tdb().db('hookflow_http_captures').where({ permission_id: tokenPermission });
    assert.equal(stored.length, 1);
    const raw = JSON.stringify(stored[0]);
    for (const secret of [token, 's3cr3t', 'k3y']) assert.ok(!raw.includes(secret), `${secret} is not stored`);
    const headers = JSON.parse(stored[0].headers);
    for (const name of ['authorization', 'cookie', 'x-api-key', 'x-trace']) assert.equal(headers[name], undefined);
    assert.deepEqual(JSON.parse(stored[0].fields), { name: 'Ada' });
  });

  test('capture mode expires: after the window the request runs normally', async () => {
    assert.equal((await api.call('POST', `/permissions/${ipPermission}/capture`, { minutes: 1 })).status, 202);
    clock += 61_000;
    const before = await runs();
    const r = await srv.post('?trigger=capform', { body: form({ firstname: 'Late' }), headers: FORM });
    assert.equal(r.status, 200, r.text);
    assert.equal(await runs(), before + 1);
    assert.equal((await api.call('GET', `/permissions/${ipPermission}/capture`)).body.captureUntil, null);
  });

  test('retention prunes captures a day after they were taken', async () => {
    const count = async () => (await tdb().db('hookflow_http_captures')).length;
    // A capture of its own: this test must not depend on the ones before it.
    assert.equal((await api.call('POST', `/permissions/${ipPermission}/capture`, {})).status, 202);
    const r = await srv.post('?trigger=capform', { body: form({ kept: 'a day' }), headers: FORM });
    assert.equal(r.status, 202, r.text);
    assert.ok((await count()) > 0);
    const settings = h.hookflow.services.settings.get;
    const kept = await pruneHistory({ db: tdb().db, settings, logger: h.logger });
    assert.equal(kept.captures, 0, 'fresh captures stay');
    await tdb().db('hookflow_http_captures').update({ expires_at: 1 });
    const pruned = await pruneHistory({ db: tdb().db, settings, logger: h.logger });
    assert.ok(pruned.captures > 0);
    assert.equal(await count(), 0);
  });

  test('bad input: no allowed source is a 422, minutes are bounded, an unknown permission is 404', async () => {
    const none = await h.hookflow.services.permissions.create({ title: 'nobody', workflowId, sources: '' });
    const r = await api.call('POST', `/permissions/${none.permission.id}/capture`, {});
    assert.equal(r.status, 422, r.text);
    assert.equal(r.body.error.code, 'validation_failed');
    assert.ok(r.body.error.fields.sources);
    const off = await h.hookflow.services.permissions.create({
      title: 'off',
      workflowId,
      sources: '127.0.0.1',
      enabled: false,
    });
    assert.equal((await api.call('POST', `/permissions/${off.permission.id}/capture`, {})).status, 422, 'disabled');
    assert.equal((await api.call('POST', `/permissions/${ipPermission}/capture`, { minutes: 61 })).status, 422);
    assert.equal((await api.call('POST', `/permissions/${ipPermission}/capture`, { minute: 5 })).status, 422);
    assert.equal((await api.call('POST', '/permissions/999999/capture', {})).status, 404);
    const stop = await api.call('DELETE', `/permissions/${ipPermission}/capture`);
    assert.equal(stop.status, 200);
    assert.equal(stop.body.captureUntil, null);
  });

  test("a deleted permission's captures go with it", async () => {
    const { permission } = await h.hookflow.services.permissions.create({
      title: 'short-lived',
      workflowId,
      sources: '127.0.0.1',
    });
    assert.equal((await api.call('POST', `/permissions/${permission.id}/capture`, {})).status, 202);
    const r = await srv.post(`?workflow_id=${workflowId}`, { body: form({ a: '1' }), headers: FORM });
    assert.equal(r.status, 202, r.text);
    const captures = () => tdb().db('hookflow_http_captures').where({ permission_id: permission.id });
    assert.equal((await captures()).length, 1);
    assert.equal((await api.call('DELETE', `/permissions/${permission.id}`)).status, 204);
    assert.equal((await captures()).length, 0);
  });
});
