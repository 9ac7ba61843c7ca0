/**
 * Issue 20: editing and deleting admin-defined modules through `PATCH`/`DELETE /api/modules/:name`,
 * with the REAL Hookflow installed: what is safe to change is changed (and Hookflow sees it at
 * once), what is not is a 422 naming the field; a module with records is a 409 unless force=1,
 * which deletes them through the record delete (hooks fire); afterwards the module's workflows
 * are flagged on Hookflow's workflows page and their runs are skipped.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { describeEachEngine } from '../../helpers/engines.js';
import { createHostApp, type HostApp } from '../../../host/app.js';
import { RecordService } from '../../../host/records.js';
import { call } from './harness.js';

const text = (name: string, label = name) => ({ name, label, type: 'text' });
const PARCELS = (name: string) => ({
  name,
  label: 'Parcels',
  fields: [text('title', 'Title'), { name: 'size', label: 'Size', type: 'picklist', options: ['S', 'M'] }],
});

describeEachEngine('editing and deleting custom modules', (tdb) => {
  let host: HostApp;
  let server: http.Server;
  let url = '';
  let adminToken = '';
  let salesToken = '';
  let adminId = 0;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookflow-module-edits-'));

  before(async () => {
    host = await createHostApp({
      db: tdb().db,
      logger: pino({ level: 'silent' }),
      demoRoutes: false,
      config: {
        baseUrl: 'http://crm.test',
        mailFrom: 'crm@example.com',
        dataDir,
        secretKey: crypto.randomBytes(32).toString('hex'),
        inProcessWorker: false,
      },
      mailer: { sendMail: async () => ({}) },
    });
    const tag = crypto.randomBytes(3).toString('hex');
    const admin = await host.services.users.createUser({ name: 'Ada', email: `ada-${tag}@example.com`, isAdmin: true });
    const sales = await host.services.users.createUser({ name: 'Sam', email: `sam-${tag}@example.com` });
    adminId = admin.id;
    adminToken = await host.services.users.setApiToken(admin.id);
    salesToken = await host.services.users.setApiToken(sales.id);
    server = http.createServer(host.app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
    await host.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const define = async (json: unknown) => {
    const res = await call(`${url}/api/modules`, { method: 'POST', token: adminToken, json });
    assert.equal(res.status, 201, res.text);
  };
  const patch = (name: string, json: unknown, token = adminToken) =>
    call(`${url}/api/modules/${name}`, { method: 'PATCH', token, json });
  const remove = (name: string, query = '', token = adminToken) =>
    call(`${url}/api/modules/${name}${query}`, { method: 'DELETE', token });
  const createRecord = async (module: string, fields: Record<string, unknown>) => {
    const res = await call(`${url}/api/records/${module}`, { method: 'POST', token: adminToken, json: { fields } });
    assert.equal(res.status, 201, res.text);
    return res.body.record.id as number;
  };
  const listed = async (name: string) =>
    (await call(`${url}/api/modules`, { token: salesToken })).body.modules.find(
      (m: { name: string }) => m.name === name,
    );
  const conditionOn = (module: string, field: string) =>
    host.hookflow.services.workflows.create(
      {
        module,
        title: `on ${field}`,
        status: 'draft',
        trigger: 'record.updated',
        conditions: { join: 'all', conditions: [{ field, op: 'equals', value: 'x' }] },
        tasks: [],
      },
      adminId,
    );

  test('PATCH changes the label, adds a field, renames labels, picklist options and aliases; Hookflow sees it at once', async () => {
    await define(PARCELS('Parcels'));
    await assert.rejects(conditionOn('Parcels', 'carrier'), 'no carrier field yet');
    const res = await patch('Parcels', {
      label: 'Parcels to ship',
      fields: [
        text('title', 'Parcel title'),
        { name: 'size', label: 'Size', type: 'picklist', options: ['S', 'M', 'L'] },
        text('carrier', 'Carrier'),
      ],
      aliases: { bitrix24EntityTypeId: 1200, event: 'parcel' },
    });
    assert.equal(res.status, 200, res.text);
    const mod = await listed('Parcels');
    assert.equal(mod.label, 'Parcels to ship');
    assert.deepEqual(
      mod.fields.map((f: { label: string }) => f.label),
      ['Parcel title', 'Size', 'Carrier'],
    );
    assert.deepEqual(mod.fields[1].options, ['S', 'M', 'L']);
    assert.deepEqual(mod.aliases, { bitrix24EntityTypeId: 1200, event: 'parcel' });
    // Hookflow reads the modules fresh: the new field is offered and accepted straight away.
    const wf = await conditionOn('Parcels', 'carrier');
    assert.equal(wf.conditions.conditions[0]?.field, 'carrier');
    const form = await call(`${url}/settings/hookflow/workflows/new?module=Parcels`, {
      token: adminToken,
      headers: { accept: 'text/html' },
    });
    assert.equal(form.status, 200);
    assert.match(form.text, /<option value="carrier"[^>]*>Carrier<\/option>/, 'in the condition field picker');
    // A record takes the new option and field; a patch of only the label keeps the fields.
    await createRecord('Parcels', { title: 'Box', size: 'L', carrier: 'DHL' });
    assert.equal((await patch('Parcels', { label: 'Parcels' })).status, 200);
    assert.equal((await listed('Parcels')).fields.length, 3);
  });

  test('unsafe changes are 422s naming the field, and change nothing', async () => {
    await define(PARCELS('Crates'));
    await define({ name: 'Boxes', label: 'Boxes', fields: [text('title')], aliases: { bitrix24EntityTypeId: 1300 } });
    const cases: Array<[unknown, string, RegExp]> = [
      [{ name: 'Cartons' }, 'name', /name cannot change/],
      [
        { fields: [{ name: 'title', label: 'T', type: 'number' }, PARCELS('x').fields[1]] },
        'fields.0.type',
        /text field/,
      ],
      [{ fields: [text('title')] }, 'fields', /remove size/],
      [
        { fields: [text('title'), PARCELS('x').fields[1]], removeFields: ['colour'] },
        'removeFields.0',
        /no field colour/,
      ],
      [
        { fields: [text('title'), PARCELS('x').fields[1]], removeFields: ['size'] },
        'removeFields.0',
        /still in fields/,
      ],
      [{ aliases: { bitrix24EntityTypeId: 1300 } }, 'aliases.bitrix24EntityTypeId', /Boxes/],
      [{ fields: [text('title'), text('title')] }, 'fields.1.name', /duplicate/],
      [{ label: '' }, 'label', /required/],
      [{ colour: 'red' }, 'colour', /unknown/],
    ];
    for (const [json, key, message] of cases) {
      const res = await patch('Crates', json);
      assert.equal(res.status, 422, `${key}: ${res.text}`);
      assert.match(String(res.body.error.fields?.[key]), message, `${key} in ${JSON.stringify(res.body.error.fields)}`);
    }
    assert.deepEqual((await listed('Crates')).fields, PARCELS('x').fields, 'nothing changed');
    await define({
      name: 'Pallets',
      label: 'Pallets',
      fields: [text('title'), { name: 'crate_id', label: 'Crate', type: 'reference', references: 'Crates' }],
    });
    const retarget = await patch('Pallets', {
      fields: [text('title'), { name: 'crate_id', label: 'Crate', type: 'reference', references: 'Boxes' }],
    });
    assert.equal(retarget.status, 422);
    assert.match(retarget.body.error.fields['fields.1.references'], /points at Crates/);
  });

  test('a removed field needs removeFields; then its values are erased from every record', async () => {
    await define(PARCELS('Sacks'));
    const id = await createRecord('Sacks', { title: 'Sack', size: 'M' });
    const res = await patch('Sacks', { fields: [text('title', 'Title')], removeFields: ['size'] });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(
      (await listed('Sacks')).fields.map((f: { name: string }) => f.name),
      ['title'],
    );
    const record = await call(`${url}/api/records/Sacks/${id}`, { token: adminToken });
    assert.deepEqual(record.body.record.fields, { title: 'Sack' }, 'the value went with the field');
    // Added again later (even as another type), it starts empty.
    assert.equal(
      (await patch('Sacks', { fields: [text('title'), { name: 'size', label: 'Size', type: 'number' }] })).status,
      200,
    );
  });

  test('403 for a non-admin, 409 for a built-in module, 404 for an unknown one, 400 for a bad force', async () => {
    await define(PARCELS('Bags'));
    assert.equal((await patch('Bags', { label: 'Mine' }, salesToken)).status, 403);
    assert.equal((await remove('Bags', '', salesToken)).status, 403);
    assert.equal((await listed('Bags')).label, 'Parcels', 'unchanged');
    for (const res of [await patch('Deals', { label: 'Opportunities' }), await remove('Deals')]) {
      assert.equal(res.status, 409, res.text);
      assert.match(res.body.error.message, /built-in/);
    }
    assert.equal((await patch('Nothing', { label: 'x' })).status, 404);
    assert.equal((await remove('Nothing')).status, 404);
    const bad = await remove('Bags', '?force=yes');
    assert.equal(bad.status, 400);
    assert.ok(bad.body.error.fields.force);
  });

  test('DELETE: 409 while records exist or a module points at it; force=1 deletes them with hooks, then the module', async () => {
    await define(PARCELS('Drums'));
    const ids = [await createRecord('Drums', { title: 'a' }), await createRecord('Drums', { title: 'b' })];
    const onDelete = await host.hookflow.services.workflows.create(
      { module: 'Drums', title: 'drum gone', status: 'active', trigger: 'record.deleted', tasks: [] },
      adminId,
    );
    const refused = await remove('Drums');
    assert.equal(refused.status, 409, refused.text);
    assert.match(refused.body.error.message, /still has 2 records/);
    assert.equal((await listed('Drums')).name, 'Drums', 'still there');

    await define({
      name: 'Lids',
      label: 'Lids',
      fields: [{ name: 'drum_id', label: 'Drum', type: 'reference', references: 'Drums' }],
    });
    const pointed = await remove('Drums', '?force=1');
    assert.equal(pointed.status, 409);
    assert.match(pointed.body.error.fields.name, /Lids\.drum_id/);
    assert.equal((await remove('Lids')).status, 204);

    const gone = await remove('Drums', '?force=1');
    assert.equal(gone.status, 204, gone.text);
    assert.equal(await listed('Drums'), undefined);
    assert.equal((await call(`${url}/api/records/Drums/${ids[0]}`, { token: adminToken })).status, 404);
    assert.equal(
      await tdb()
        .db('crm_records')
        .where({ module: 'Drums' })
        .count({ n: '*' })
        .first()
        .then((r) => Number(r?.n)),
      0,
    );
    // Each deletion went through the record delete: its hook queued the workflow's run (skipped now).
    const runs = await tdb().db('hookflow_runs').where({ workflow_id: onDelete.id }).orderBy('id');
    assert.deepEqual(
      runs.map((r) => Number(r.record_id)),
      ids,
    );
    await host.hookflow.worker.drain();
    const after = await tdb().db('hookflow_runs').where({ workflow_id: onDelete.id });
    assert.ok(
      after.every((r) => r.status === 'skipped'),
      JSON.stringify(after.map((r) => r.status)),
    );
    const page = await call(`${url}/settings/hookflow/workflows`, {
      token: adminToken,
      headers: { accept: 'text/html' },
    });
    assert.match(page.text, /drum gone[\s\S]*?module no longer exists/, 'flagged on the workflows page');
  });

  test('a record saved while its module is deleted: re-read in the save transaction, a 404, no orphan', async () => {
    const records = new RecordService(tdb().db);
    const name = `Parcels${crypto.randomBytes(2).toString('hex')}`;
    const created = await records.createModule(PARCELS(name));
    // The check before the transaction passed (a stale answer, as in a race), then the module went.
    records.requireModule = async () => created;
    await tdb().db('crm_modules').where({ name }).delete();
    await assert.rejects(records.create(name, { title: 'late' }, { actorUserId: adminId }), { status: 404 });
    assert.equal((await tdb().db('crm_records').where({ module: name })).length, 0, 'no record outlives its module');
  });
});
