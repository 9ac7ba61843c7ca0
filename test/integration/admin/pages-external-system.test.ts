/**
 * The external system of echo suppression through the admin pages and the API: a permission's
 * "External system" is checked (a bad name is refused beside the field, in plain words), saved,
 * shown on the permissions list, and changing it commits a new configuration version (so every
 * process's cached permissions learn it); a webhook's form offers the systems permissions name.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { ADMIN, FormClient, startAdminHost, type AdminHost } from '../../helpers/admin-host.js';
import { readConfigVersion } from '../../../module/storage/config-version.js';

describeEachEngine('admin pages: a permission names its external system', (tdb) => {
  let t: AdminHost;
  let client: FormClient;
  let workflowId = 0;
  const services = () => t.host.hookflow.services;

  before(async () => {
    t = await startAdminHost(tdb().db);
    client = await new FormClient(t.url).login(t.admin.email, t.admin.password);
    workflowId = (
      await services().workflows.create(
        {
          module: 'Deals',
          title: 'From accounting',
          status: 'active',
          trigger: 'http',
          tasks: [
            {
              type: 'webhook',
              title: 'to accounting',
              options: { url: 'https://acct.example/hook', system: 'Accounting' },
            },
          ],
        },
        t.admin.id,
      )
    ).id;
  });
  after(async () => {
    await t?.close();
  });

  const form = () => ({
    title: 'Accounting system',
    targetKind: 'workflow',
    workflowId: String(workflowId),
    triggerName: '',
    sources: '127.0.0.1',
    token: 'keep',
    enabled: '1',
    rateLimitPerMinute: '',
    honeypotField: '',
    runAsUserId: '',
  });

  test('a bad name is refused beside the field; a good one is saved, listed, and bumps the config version', async () => {
    const bad = await client.submit(`${ADMIN}/permissions/new`, `${ADMIN}/permissions`, {
      ...form(),
      externalSystem: 'acct/eu',
    });
    assert.equal(bad.status, 422);
    assert.match(bad.text, /id="externalSystem-error"[^>]*>must be 1-64 letters, digits, spaces, - or _/);
    assert.match(bad.text, /name="externalSystem"[^>]*value="acct\/eu"/, 'what was typed is kept');

    const saved = await client.submit(`${ADMIN}/permissions/new`, `${ADMIN}/permissions`, {
      ...form(),
      externalSystem: '  Accounting ',
    });
    assert.equal(saved.status, 303, saved.text.slice(0, 300));
    const p = (await services().permissions.list()).find((x) => x.title === 'Accounting system')!;
    assert.equal(p.externalSystem, 'Accounting', 'trimmed');
    assert.match((await client.get(`${ADMIN}/permissions`)).text, /data-label="System">Accounting</);
    assert.match(
      (await client.get(`${ADMIN}/permissions/${p.id}`)).text,
      /name="externalSystem"[^>]*value="Accounting"/,
    );

    const before = await readConfigVersion(tdb().db);
    const changed = await client.submit(`${ADMIN}/permissions/${p.id}`, `${ADMIN}/permissions/${p.id}`, {
      ...form(),
      externalSystem: 'ERP',
    });
    assert.equal(changed.status, 303);
    assert.notEqual(await readConfigVersion(tdb().db), before, 'a new configuration version');
    assert.equal((await services().permissions.require(p.id)).externalSystem, 'ERP');
    const cleared = await client.submit(`${ADMIN}/permissions/${p.id}`, `${ADMIN}/permissions/${p.id}`, {
      ...form(),
      externalSystem: '',
    });
    assert.equal(cleared.status, 303);
    assert.equal((await services().permissions.require(p.id)).externalSystem, null, 'blank names none');
    await services().permissions.update(p.id, {
      title: 'Accounting system',
      workflowId,
      sources: '127.0.0.1',
      externalSystem: 'Accounting',
    });
  });

  test('the permissions API refuses a bad name, naming the field', async () => {
    await assert.rejects(
      services().permissions.create({ title: 'x', workflowId, sources: '127.0.0.1', externalSystem: 'x'.repeat(65) }),
      (err: any) => err.status === 422 && /at most 64/.test(err.fields?.externalSystem),
    );
  });

  test('the webhook form shows the destination system and suggests the systems permissions name', async () => {
    // Its own permission naming Accounting, unless the first test left one (tests run in any order).
    if (!(await services().permissions.list()).some((x) => x.externalSystem === 'Accounting'))
      await services().permissions.create({
        title: 'Accounting (suggested)',
        workflowId,
        sources: '127.0.0.1',
        externalSystem: 'Accounting',
      });
    const wf = await services().store.get(workflowId);
    const page = await client.get(`${ADMIN}/workflows/${workflowId}/tasks/${wf!.tasks[0].id}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /name="system"[^>]*value="Accounting"/);
    assert.match(page.text, /<datalist id="known-systems"><option value="Accounting"><\/option><\/datalist>/);
    assert.match(page.text, /<input type="checkbox" name="skipEchoes" value="1" checked>/);
  });

  test('the run page says where a change came from and why its webhook was skipped', async () => {
    const wf = await services().workflows.create(
      {
        module: 'Deals',
        title: 'Deal updated → accounting',
        status: 'active',
        trigger: 'record.updated',
        tasks: [
          {
            type: 'webhook',
            title: 'to accounting',
            options: { url: 'https://acct.example/hook', system: 'accounting' },
          },
        ],
      },
      t.admin.id,
    );
    const records = t.host.services.records;
    const deal = await records.create('Deals', { title: 'Ada' }, { actorUserId: t.admin.id });
    // What the CRM hands back for a change a run from accounting made.
    await records.update(
      'Deals',
      deal.id,
      { invoice_id: 'INV-1' },
      { origin: { runId: 1, chainDepth: 1, system: 'Accounting' } },
    );
    await t.host.hookflow.worker.drain();
    const run = await tdb().db('hookflow_runs').where({ workflow_id: wf.id, record_id: deal.id }).first();
    const page = await client.get(`${ADMIN}/runs/${run.id}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /<dt>Came from<\/dt><dd>Accounting /);
    assert.match(page.text, /class="attempt is-skipped"/);
    assert.match(page.text, /<p class="small task-reason">skipped: came from Accounting<\/p>/);
    assert.equal((await tdb().db('hookflow_deliveries').where({ run_id: run.id })).length, 0);
  });
});
