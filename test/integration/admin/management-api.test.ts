import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { serveAdminApi, type AdminApi } from '../../helpers/admin-api.js';

const validWorkflow = {
  module: 'Deals',
  title: 'API flow',
  status: 'draft',
  trigger: 'ONCRMDEALUPDATE',
  conditions: { join: 'any', conditions: [{ field: 'stage', op: 'changed_to', value: 'Won' }] },
  tasks: [
    { type: 'set_env', title: 'env', options: { values: [{ name: 'x', value: '{{record.title}}' }] } },
    {
      type: 'webhook',
      title: 'hook',
      options: { url: 'https://example.com/hook', params: [{ name: 'a.b', value: '$env.x' }] },
      secrets: { signingSecret: 'whsec_' + Buffer.alloc(24, 7).toString('base64') },
    },
  ],
};

describeEachEngine('management API', (tdb) => {
  let h: TestHost;
  let api: AdminApi;
  const call: AdminApi['call'] = (method, path, body) => api.call(method, path, body);

  before(async () => {
    h = await createTestHost(tdb().db);
    api = await serveAdminApi(h);
  });
  after(async () => {
    await api.close();
    await h.close();
  });

  test('create, read (secrets never shown), activate, list, update, delete', async () => {
    const created = await call('POST', '/workflows', validWorkflow);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const wf = created.body.workflow;
    assert.equal(wf.trigger, 'record.updated', 'Bitrix alias normalised');
    assert.deepEqual(wf.tasks[1].secretsSet, ['signingSecret']);
    assert.ok(!JSON.stringify(created.body).includes('whsec_'), 'secret not echoed');
    assert.equal((await call('POST', `/workflows/${wf.id}/activate`)).body.workflow.status, 'active');
    const active = (await call('GET', '/workflows?status=active')).body.workflows;
    assert.ok(
      active.some((w: any) => w.id === wf.id) && active.every((w: any) => w.status === 'active'),
      'listed under active, and only active ones are',
    );
    const update = {
      ...validWorkflow,
      title: 'Renamed',
      tasks: [{ ...validWorkflow.tasks[1], id: wf.tasks[1].id, secrets: undefined }],
    };
    const updated = await call('PUT', `/workflows/${wf.id}`, update);
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    assert.equal(updated.body.workflow.tasks.length, 1);
    assert.equal(updated.body.workflow.tasks[0].id, wf.tasks[1].id, 'kept task keeps its id');
    assert.deepEqual(updated.body.workflow.tasks[0].secretsSet, ['signingSecret'], 'omitted secrets are kept');
    assert.equal((await call('DELETE', `/workflows/${wf.id}`)).status, 204);
    assert.equal((await call('GET', `/workflows/${wf.id}`)).status, 404);
  });

  test('bad workflows are refused with 422 naming every bad field, and nothing is written', async () => {
    const bad = {
      ...validWorkflow,
      conditions: {
        join: 'all',
        conditions: [
          { field: 'no_such_field', op: 'equals', value: 1 },
          { field: 'a.__proto__.b', op: 'is_empty' },
        ],
      },
      tasks: [
        { type: 'teleport', title: 't', options: {} },
        { type: 'set_env', title: 'tpl', options: { values: [{ name: 'x', value: '{{#each}' }] } },
        { type: 'create_record', title: 'c', options: { module: 'Leads', fields: [{ field: 'nope', value: 1 }] } },
        {
          type: 'webhook',
          title: 'w',
          options: {
            url: 'http://169.254.169.254/latest',
            params: [{ name: 'constructor.x', value: 1 }],
            headers: [{ name: 'X-A', value: 'a\r\nInjected: 1' }],
          },
        },
      ],
    };
    const stored = (await call('GET', '/workflows')).body.workflows.length;
    const res = await call('POST', '/workflows', bad);
    assert.equal(res.status, 422);
    assert.equal(res.body.error.code, 'validation_failed');
    const fields = Object.keys(res.body.error.fields);
    for (const expected of [
      'tasks.0.type',
      'tasks.1.options.values.0.value',
      'tasks.2.options.fields.0.field',
      'tasks.3.options.headers.0.value',
    ]) {
      assert.ok(fields.includes(expected), `${expected} in ${fields.join(', ')}`);
    }
    assert.ok(
      fields.some((f) => f.startsWith('conditions.conditions.1')),
      `__proto__ path refused: ${fields.join(', ')}`,
    );
    const moduleRes = await call('POST', '/workflows', { ...validWorkflow, module: 'Spaceships', tasks: [] });
    assert.equal(moduleRes.status, 422);
    assert.ok(moduleRes.body.error.fields.module);
    const condRes = await call('POST', '/workflows', {
      ...validWorkflow,
      tasks: [],
      conditions: { conditions: [{ field: 'no_such_field', op: 'is_empty' }] },
    });
    assert.equal(condRes.status, 422);
    assert.ok(Object.keys(condRes.body.error.fields).some((f) => f.includes('conditions')));
    assert.equal((await call('GET', '/workflows')).body.workflows.length, stored, 'nothing written');
    assert.equal((await call('POST', '/workflows', '{"module":')).status, 400);
    assert.equal((await call('GET', '/workflows/abc')).status, 400);
  });

  test('manual run on a record, runs log with filters, re-run of a failed run', async () => {
    const acc = await h.records.create('Accounts', { name: 'Manual' }, { actorUserId: h.admin.id });
    const wf = (
      await call('POST', '/workflows', {
        module: 'Accounts',
        title: 'Manual',
        status: 'active',
        trigger: 'http',
        tasks: [{ type: 'update_record', title: 'u', options: { fields: [{ field: 'city', value: '{{env.city}}' }] } }],
      })
    ).body.workflow;
    const ok = await call('POST', `/workflows/${wf.id}/run`, { recordId: acc.id, env: { city: 'Rome' } });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.run.status, 'succeeded');
    assert.equal((await h.records.get('Accounts', acc.id))!.fields.city, 'Rome');
    const failed = await call('POST', `/workflows/${wf.id}/run`, { recordId: 0 });
    assert.equal(failed.body.run.status, 'failed');
    assert.match(failed.body.run.error, /no record/);
    const missing = await call('POST', `/workflows/${wf.id}/run`, { recordId: 999999 });
    assert.equal(missing.status, 404);
    const list = await call('GET', `/runs?workflowId=${wf.id}&status=failed`);
    assert.equal(list.body.total, 1);
    const rerun = await call('POST', `/runs/${failed.body.run.id}/rerun`);
    assert.equal(rerun.body.run.rerunOfId, failed.body.run.id);
    assert.equal((await call('POST', `/runs/${ok.body.run.id}/rerun`)).status, 409);
    assert.equal((await call('GET', '/runs?status=bogus')).status, 422);
  });

  test('export and import round trip; an invalid import writes nothing', async () => {
    // Its own workflow, so the export has one whatever ran before.
    assert.equal((await call('POST', '/workflows', { ...validWorkflow, title: 'Exported' })).status, 201);
    const exported = (await call('GET', '/export')).body;
    assert.equal(exported.format, 'hookflow.workflows.v1');
    const before = exported.workflows.length;
    assert.ok(before >= 1);
    const doc = { ...exported, workflows: [...exported.workflows, { ...validWorkflow, title: 'Imported' }] };
    const bad = { ...doc, workflows: [...doc.workflows, { ...validWorkflow, title: 'Broken', module: 'Nope' }] };
    const refused = await call('POST', '/import', bad);
    assert.equal(refused.status, 422);
    assert.ok(Object.keys(refused.body.error.fields).some((f) => f.startsWith(`workflows.${before + 1}.module`)));
    assert.equal((await call('GET', '/workflows')).body.workflows.length, before, 'nothing written');
    const imported = await call('POST', '/import', doc);
    assert.deepEqual([imported.body.created, imported.body.updated], [1, before], JSON.stringify(imported.body));
    const again = (await call('GET', '/export')).body;
    const strip = (d: any) =>
      d.workflows.map((w: any) => ({ ...w, tasks: w.tasks.map((t: any) => ({ ...t, secretsRequired: [] })) }));
    assert.deepEqual(
      strip(again),
      strip({ workflows: [...exported.workflows, { ...(await call('GET', '/export')).body.workflows.at(-1) }] }),
    );
    assert.equal(again.workflows.length, before + 1);
    assert.equal((await call('POST', '/import', { workflows: [] })).status, 422);
  });
});
