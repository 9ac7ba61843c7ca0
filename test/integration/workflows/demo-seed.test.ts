import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { exec } from 'node:child_process';
import { promisify } from 'node:util';
import { leadformCurl, seedDemoPermission, seedDemoWorkflows } from '../../../host/seed-workflows.js';
import { startInboundServer, type InboundServer } from '../../helpers/inbound-server.js';
import { listRuns } from '../../../module/workflows/runs.js';

describeEachEngine('demo workflows', (tdb) => {
  let h: TestHost;
  before(async () => {
    h = await createTestHost(tdb().db, { settings: { outboundAllowlist: ['127.0.0.1/32'] } });
  });
  after(async () => {
    await h.close();
  });

  test('are valid, idempotent, and both run end to end', async () => {
    const opts = {
      accountingUrl: 'http://127.0.0.1:3000/demo/accounting/invoices',
      thankYouUrl: '/demo/thank-you',
      ownerUserId: h.admin.id,
    };
    assert.equal(await seedDemoWorkflows(h.hookflow, opts), 2);
    assert.equal(await seedDemoWorkflows(h.hookflow, opts), 0, 'second seed creates nothing');
    const [won, leadform] = await h.hookflow.services.store.list();

    const deal = await h.records.create(
      'Deals',
      { title: 'Demo', amount: 900, currency: 'EUR', stage: 'Negotiation' },
      { actorUserId: h.sales.id, ownerUserId: h.sales.id },
    );
    await h.records.update('Deals', deal.id, { stage: 'Won' }, { actorUserId: h.sales.id });
    await h.hookflow.worker.drain();
    const [run] = (await listRuns(tdb().db, { workflowId: won.id })).runs;
    assert.equal(run.status, 'succeeded', run.error ?? '');
    const delivery = await tdb().db('hookflow_deliveries').where({ workflow_id: won.id }).first();
    assert.deepEqual(JSON.parse(delivery.body), {
      deal: { id: deal.id, title: 'Demo', amount: 900, currency: 'EUR' },
      owner: { name: 'Sam Sales', email: 'sam@example.com' },
    });

    const started = await h.hookflow.services.runs.start({
      workflow: leadform,
      recordId: null,
      env: { firstname: 'Firstname', lastname: 'Lastname', street: 'streetname 123' },
      source: 'http',
      mode: 'sync',
      actorUserId: h.admin.id,
    });
    assert.equal(started.outcome?.status, 'succeeded', started.outcome?.error ?? '');
    const leadId = (started.outcome?.response?.body as { leadId: number }).leadId;
    assert.equal(started.outcome?.response?.redirectUrl, '/demo/thank-you');
    const lead = await h.records.get('Leads', leadId);
    assert.deepEqual(lead?.fields, {
      firstname: 'Firstname',
      lastname: 'Lastname',
      street: 'streetname 123',
      source: 'Web form',
    });
  });
});

describeEachEngine('demo lead form over the short URL', (tdb) => {
  let h: TestHost;
  let srv: InboundServer;
  before(async () => {
    h = await createTestHost(tdb().db, { settings: { outboundAllowlist: ['127.0.0.1/32'] } });
    await seedDemoWorkflows(h.hookflow, {
      accountingUrl: 'http://127.0.0.1:3000/demo/accounting/invoices',
      thankYouUrl: '/demo/thank-you',
      ownerUserId: h.admin.id,
    });
    assert.equal(await seedDemoPermission(h.hookflow), true);
    assert.equal(await seedDemoPermission(h.hookflow), false, 'idempotent');
    srv = await startInboundServer(h.hookflow);
  });
  after(async () => {
    await srv.close();
    await h.close();
  });

  test("the seed's PHP body from 127.0.0.1 and from ::1 creates leads", async () => {
    for (const family of [4, 6] as const) {
      const r = await srv.post('?trigger=leadform&record_id=0', {
        body: 'firstname=Firstname&lastname=Lastname&street=streetname+123&',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        family,
      });
      assert.equal(r.status, 200, r.text);
      const lead = await h.records.get('Leads', Number(r.json.output.leadId));
      assert.equal(lead?.fields.street, 'streetname 123');
    }
  });

  test('a browser form posted from another origin lands on the thank-you page', async () => {
    const r = await srv.post('?trigger=leadform&record_id=0', {
      body: 'firstname=Web&lastname=Visitor',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'http://forms.example',
        accept: 'text/html,*/*;q=0.8',
      },
    });
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), '/demo/thank-you');
  });

  test("the banner's curl line works as printed", async () => {
    const line = leadformCurl(`http://127.0.0.1:${srv.port}/wf`);
    const { stdout: out } = await promisify(exec)(line, { encoding: 'utf8' });
    const answer = JSON.parse(out);
    assert.equal(answer.ok, true, out);
    assert.ok(answer.output.leadId > 0);
  });
});
