/**
 * Issue 20 items 1 and 2: admin-defined modules of the reference CRM, through its API, with the
 * REAL Hookflow installed; a workflow on such a module sends Bitrix24 dynamic-item (smart
 * process) events that a PHP handler in the seed's style reads with a real `php`.
 */
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { describeEachEngine } from '../../helpers/engines.js';
import { createHostApp, type HostApp } from '../../../host/app.js';
import { call } from './harness.js';

const PHP_HANDLER = path.resolve(import.meta.dirname, '../../fixtures/php/bitrix24-dynamic-item-handler.php');

/** What the PHP handler prints: what it read from $_REQUEST. */
interface PhpRead {
  action: string;
  event: string;
  id: number;
  entityTypeId: number;
  title: string | null;
  token: string | null;
}

function readWithPhp(body: string): PhpRead {
  const out = spawnSync('php', [PHP_HANDLER], { input: body, encoding: 'utf8', timeout: 10_000 });
  assert.equal(out.status, 0, `php failed: ${out.stderr}`);
  return JSON.parse(out.stdout) as PhpRead;
}

function startReceiver() {
  const seen: Array<{ url: string; body: string }> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ url: req.url ?? '', body });
      res.writeHead(200).end('ok');
    });
  });
  return { seen, server };
}

const SHIPMENTS = {
  name: 'Shipments',
  label: 'Shipments',
  fields: [
    { name: 'title', label: 'Title', type: 'text' },
    { name: 'weight', label: 'Weight', type: 'number' },
    { name: 'carrier', label: 'Carrier', type: 'picklist', options: ['DHL', 'UPS'] },
    { name: 'deal_id', label: 'Deal', type: 'reference', references: 'Deals' },
  ],
  aliases: { bitrix24EntityTypeId: 1032 },
};

describeEachEngine('custom modules and Bitrix24 dynamic items', (tdb) => {
  let host: HostApp;
  let server: http.Server;
  let url = '';
  let adminToken = '';
  let salesToken = '';
  let adminId = 0;
  let rxPort = 0;
  const rx = startReceiver();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookflow-modules-'));

  before(async () => {
    rx.server.listen(0, '127.0.0.1');
    await new Promise((r) => rx.server.once('listening', r));
    rxPort = (rx.server.address() as AddressInfo).port;
    host = await createHostApp({
      db: tdb().db,
      logger: pino({ level: 'silent' }),
      demoRoutes: false,
      settings: { outboundAllowlist: ['127.0.0.1/32'] },
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
    rx.server.closeAllConnections();
    await new Promise((r) => rx.server.close(r));
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    rx.seen.length = 0;
  });

  const defineModule = (json: unknown, token = adminToken) =>
    call(`${url}/api/modules`, { method: 'POST', token, json });

  test('POST /api/modules defines a module; GET /api/modules and the records API serve it like Deals', async () => {
    const created = await defineModule(SHIPMENTS);
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.module.name, 'Shipments');
    const listed = await call(`${url}/api/modules`, { token: salesToken });
    const mod = listed.body.modules.find((m: { name: string }) => m.name === 'Shipments');
    assert.deepEqual(mod.aliases, { bitrix24EntityTypeId: 1032 });
    assert.deepEqual(
      mod.fields.map((f: { name: string }) => f.name),
      ['title', 'weight', 'carrier', 'deal_id'],
    );
    const rec = await call(`${url}/api/records/Shipments`, {
      method: 'POST',
      token: salesToken,
      json: { fields: { title: 'Pallet', weight: '12.5', carrier: 'DHL' } },
    });
    assert.equal(rec.status, 201, rec.text);
    assert.equal(rec.body.record.fields.weight, 12.5, 'a number field is stored as a number');
    const bad = await call(`${url}/api/records/Shipments`, {
      method: 'POST',
      token: salesToken,
      json: { fields: { carrier: 'FedEx' } },
    });
    assert.equal(bad.status, 422);
    assert.ok(bad.body.error.fields.carrier, 'the picklist is checked');
    const page = await call(`${url}/api/records/Shipments`, { token: salesToken });
    assert.equal(page.body.total, 1);
    const del = await call(`${url}/api/records/Shipments/${rec.body.record.id}`, {
      method: 'DELETE',
      token: salesToken,
    });
    assert.equal(del.status, 204);
  });

  test('bad module definitions are refused: 422 naming the field, 403 for a non-admin', async () => {
    const field = (name: string, extra: object = {}) => ({ name, label: name, type: 'text', ...extra });
    const cases: Array<[unknown, string]> = [
      [{ name: 'Parcels', label: 'P', fields: [field('a'), field('b'), field('a')] }, 'fields.2.name'],
      [
        { name: 'Parcels', label: 'P', fields: [field('a'), field('box', { type: 'reference', references: 'Boxes' })] },
        'fields.1.references',
      ],
      [{ name: 'Parcels', label: 'P', fields: [field('a', { colour: 'red' })] }, 'fields.0.colour'],
      [{ name: 'Parcels', label: 'P', fields: [field('a', { type: 'money' })] }, 'fields.0.type'],
      [{ name: 'Deals', label: 'Again', fields: [field('a')] }, 'name'],
      [
        { name: 'Parcels', label: 'P', fields: [field('a')], aliases: { bitrix24EntityTypeId: 31 } },
        'aliases.bitrix24EntityTypeId',
      ],
      [{ name: 'parcels', label: 'P', fields: [field('a')] }, 'name'],
      [{ name: 'Parcels', label: 'P', fields: [field('a', { type: 'picklist' })] }, 'fields.0.options'],
    ];
    for (const [json, key] of cases) {
      const res = await defineModule(json);
      assert.equal(res.status, 422, `${key}: ${res.text}`);
      assert.ok(res.body.error.fields[key], `${key} named in ${JSON.stringify(res.body.error.fields)}`);
    }
    const denied = await defineModule({ name: 'Parcels', label: 'P', fields: [field('a')] }, salesToken);
    assert.equal(denied.status, 403);
    const listed = await call(`${url}/api/modules`, { token: adminToken });
    assert.ok(!listed.body.modules.some((m: { name: string }) => m.name === 'Parcels'), 'nothing was stored');
  });

  test('an admin-defined module with workflows sends ONCRMDYNAMICITEMADD/UPDATE/DELETE bodies that a PHP handler reads', async () => {
    // Its own module, so this test runs alone too (the mutation check runs it by name).
    const defined = await defineModule({ ...SHIPMENTS, name: 'Freights', aliases: { bitrix24EntityTypeId: 1036 } });
    assert.equal(defined.status, 201, defined.text);
    const webhook = (trigger: string, hookPath: string) =>
      host.hookflow.services.workflows.create(
        {
          module: 'Freights',
          title: `b24 ${trigger}`,
          status: 'active',
          trigger,
          tasks: [
            {
              type: 'webhook',
              title: 'b24',
              options: {
                url: `http://127.0.0.1:${rxPort}/${hookPath}`,
                contentType: 'BITRIX24',
                params: [{ name: 'TITLE', value: '{{record.title}}' }],
              },
              secrets: { applicationToken: 'app-token-1' },
            },
          ],
        },
        adminId,
      );
    // The per-type names and the generic one (the workflow's module settles which module it means).
    const add = await webhook('ONCRMDYNAMICITEMADD_1036', 'add');
    const update = await webhook('ONCRMDYNAMICITEMUPDATE', 'update');
    await webhook('oncrmdynamicitemdelete_1036', 'delete');
    assert.equal(add.trigger, 'record.created');
    assert.equal(update.trigger, 'record.updated');
    const rec = await call(`${url}/api/records/Freights`, {
      method: 'POST',
      token: adminToken,
      json: { fields: { title: 'Crate' } },
    });
    const id = rec.body.record.id as number;
    await call(`${url}/api/records/Freights/${id}`, {
      method: 'PATCH',
      token: adminToken,
      json: { fields: { title: 'Crate 2' } },
    });
    await call(`${url}/api/records/Freights/${id}`, { method: 'DELETE', token: adminToken });
    await host.hookflow.worker.drain();
    const bodyOf = (p: string) => rx.seen.find((s) => s.url === `/${p}`)?.body ?? assert.fail(`no ${p} webhook`);
    assert.equal(rx.seen.length, 3, JSON.stringify(rx.seen));
    assert.match(
      bodyOf('add'),
      /^event=ONCRMDYNAMICITEMADD&data%5BFIELDS%5D%5BID%5D=\d+&data%5BFIELDS%5D%5BENTITY_TYPE_ID%5D=1036&/,
    );
    const expected = (action: string, event: string, title: string): PhpRead => ({
      action,
      event,
      id,
      entityTypeId: 1036,
      title,
      token: 'app-token-1',
    });
    assert.deepEqual(readWithPhp(bodyOf('add')), expected('add', 'ONCRMDYNAMICITEMADD', 'Crate'));
    assert.deepEqual(readWithPhp(bodyOf('update')), expected('update', 'ONCRMDYNAMICITEMUPDATE', 'Crate 2'));
    assert.deepEqual(readWithPhp(bodyOf('delete')), expected('delete', 'ONCRMDYNAMICITEMDELETE', 'Crate 2'));
  });

  test('ONCRMDYNAMICITEMADD_31 is a trigger of the seeded Invoices only; an unknown type id is refused', async () => {
    const input = (module: string, trigger: string) => ({
      module,
      title: `t ${trigger}`,
      status: 'draft',
      trigger,
      tasks: [],
    });
    const wf = await host.hookflow.services.workflows.create(input('Invoices', 'ONCRMDYNAMICITEMADD_31'), adminId);
    assert.equal(wf.trigger, 'record.created');
    for (const [module, trigger] of [
      ['Deals', 'ONCRMDYNAMICITEMADD_31'],
      ['Invoices', 'ONCRMDYNAMICITEMADD_999'],
    ]) {
      await assert.rejects(
        host.hookflow.services.workflows.create(input(module, trigger), adminId),
        (err: { fields?: Record<string, string> }) => typeof err.fields?.trigger === 'string',
        `${module} ${trigger}`,
      );
    }
  });
});
