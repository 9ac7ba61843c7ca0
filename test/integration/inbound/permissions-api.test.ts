import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { serveAdminApi, type AdminApi } from '../../helpers/admin-api.js';

describeEachEngine('permissions management API', (tdb) => {
  let h: TestHost;
  let api: AdminApi;
  let workflowId = 0;
  const call: AdminApi['call'] = (method, path, body) => api.call(method, path, body);

  before(async () => {
    h = await createTestHost(tdb().db);
    workflowId = (
      await h.hookflow.services.workflows.create(
        {
          module: 'Leads',
          title: 'Form',
          status: 'active',
          trigger: 'http',
          triggerName: 'leadform',
          requiredEnv: [
            { name: 'lastname', type: 'text', required: true },
            { name: 'email', type: 'email', required: false },
          ],
          tasks: [],
        },
        h.admin.id,
      )
    ).id;
    api = await serveAdminApi(h);
  });
  after(async () => {
    await api.close();
    await h.close();
  });

  test('sources are parsed strictly and every bad line is named', async () => {
    const r = await call('POST', '/permissions', {
      title: 'bad',
      triggerName: 'leadform',
      sources: '10.1\n0x0a000001\n1.2.3.4/33\n192.168.0.*\nany',
    });
    assert.equal(r.status, 422);
    assert.deepEqual(Object.keys(r.body.error.fields).sort(), ['sources.1', 'sources.2', 'sources.3', 'sources.5']);
  });

  test('exactly one target: a workflow or a trigger', async () => {
    assert.equal((await call('POST', '/permissions', { title: 'none', sources: '127.0.0.1' })).status, 422);
    assert.equal(
      (await call('POST', '/permissions', { title: 'both', workflowId, triggerName: 'leadform', sources: '127.0.0.1' }))
        .status,
      422,
    );
  });

  test('create normalises sources, shows the token once, never again', async () => {
    const r = await call('POST', '/permissions', {
      title: 'Web form',
      triggerName: 'leadform',
      sources: '10.0.0.5/8\n2001:DB8:0:0::/32\n192.168.0.100-192.168.0.160\n192.168.1.*',
      token: 'generate',
    });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.body.permission.sources, [
      '10.0.0.0/8',
      '2001:db8::/32',
      '192.168.0.100-192.168.0.160',
      '192.168.1.*',
    ]);
    assert.match(r.body.token, /^hft_/);
    assert.equal(r.body.permission.tokenHash, undefined);
    const got = await call('GET', `/permissions/${r.body.permission.id}`);
    assert.equal(got.status, 200);
    assert.ok(!got.text.includes(r.body.token), 'the token is never shown again');
    assert.equal(got.body.permission.hasToken, true);
    assert.match(got.body.examples.curl, /curl -sS -X POST/);
    assert.match(got.body.examples.curl, /lastname=/, "examples use the workflow's declared fields");
    assert.match(got.body.examples.php, /urlencode\(\$value\)\.'&'/);
    assert.match(
      got.body.examples.html,
      /<form method="post" action="http:\/\/crm\.test\/wf\/YOUR_TOKEN\?trigger=leadform&amp;record_id=0">/,
    );
  });

  test('update keeps or rotates the token; delete removes', async () => {
    const created = await call('POST', '/permissions', {
      title: 'rot',
      workflowId,
      sources: '127.0.0.1',
      token: 'generate',
    });
    const id = created.body.permission.id;
    const kept = await call('PUT', `/permissions/${id}`, { title: 'rot2', workflowId, sources: '127.0.0.1' });
    assert.equal(kept.body.token, undefined);
    assert.equal(kept.body.permission.tokenHint, created.body.permission.tokenHint);
    const rotated = await call('PUT', `/permissions/${id}`, {
      title: 'rot2',
      workflowId,
      sources: '127.0.0.1',
      token: 'generate',
    });
    assert.notEqual(rotated.body.token, created.body.token);
    assert.equal((await call('DELETE', `/permissions/${id}`)).status, 204);
    assert.equal((await call('GET', `/permissions/${id}`)).status, 404);
  });

  test('check an address: allow/deny and which entry matched; IPv4-mapped clients match IPv4 entries', async () => {
    await call('POST', '/permissions', { title: 'office', workflowId, sources: '203.0.113.0/24\n2001:db8::/32' });
    const mapped = await call('POST', '/permissions/check', { ip: '::ffff:203.0.113.9', workflowId });
    assert.deepEqual([mapped.body.allowed, mapped.body.entry, mapped.body.ip], [true, '203.0.113.0/24', '203.0.113.9']);
    const v6 = await call('POST', '/permissions/check', { ip: '2001:db8::1', workflowId });
    assert.equal(v6.body.entry, '2001:db8::/32');
    const denied = await call('POST', '/permissions/check', { ip: '198.51.100.1', workflowId });
    assert.equal(denied.body.allowed, false);
    assert.equal((await call('POST', '/permissions/check', { ip: '10.1', workflowId })).status, 422);
  });

  test('refused requests are listed for the admin', async () => {
    await h.hookflow.services.refusals.record({
      ip: '198.51.100.7',
      target: 'trigger leadform',
      reason: 'not an allowed source',
      status: 403,
    });
    const r = await call('GET', '/refusals?limit=5');
    assert.equal(r.status, 200);
    assert.equal(r.body.refusals[0].ip, '198.51.100.7');
    assert.equal(r.body.refusals[0].status, 403);
    assert.ok(r.body.total >= 1);
  });

  test('repeats of a refusal are one entry with a count ("and 2 more like this")', async () => {
    const refusal = { ip: '198.51.100.8', target: 'trigger leadform', reason: 'not an allowed source', status: 403 };
    for (let i = 0; i < 3; i++) await h.hookflow.services.refusals.record(refusal);
    const r = await call('GET', '/refusals?limit=50');
    const mine = r.body.refusals.filter((x: { ip: string }) => x.ip === '198.51.100.8');
    assert.equal(mine.length, 1);
    assert.equal(mine[0].repeats, 2);
    assert.ok(mine[0].lastAt >= mine[0].createdAt);
  });
});
