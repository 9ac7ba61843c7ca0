/**
 * Blank form fields are "not given" (a browser sends `email=` for an empty input), unless a row
 * says "send it empty"; a field the host refuses is named in the run log, while the public caller
 * only gets the run id.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost } from '../../helpers/test-host.js';
import { startInboundServer } from '../../helpers/inbound-server.js';
import { seedDemoPermission, seedDemoWorkflows } from '../../../host/seed-workflows.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describeEachEngine('blank fields', (tdb) => {
  test('the demo lead form with every optional field blank creates the lead; blanks leave fields unset', async (t) => {
    const h = await createTestHost(tdb().db);
    t.after(() => h.close());
    await seedDemoWorkflows(h.hookflow, {
      accountingUrl: 'https://acct.example/in',
      thankYouUrl: '/thanks',
      ownerUserId: h.admin.id,
    });
    await seedDemoPermission(h.hookflow);
    const srv = await startInboundServer(h.hookflow);
    t.after(() => srv.close());
    const r = await srv.post('?trigger=leadform&record_id=0', {
      body: 'firstname=&lastname=Lovelace&street=&email=&phone=',
      headers: FORM,
    });
    assert.equal(r.status, 200, r.text);
    const leads = await tdb().db('crm_records').where({ module: 'Leads' });
    const lead = leads
      .map((row: { fields: string }) => JSON.parse(row.fields))
      .find((f: Record<string, unknown>) => f.lastname === 'Lovelace');
    assert.ok(lead, 'the lead exists');
    assert.equal(Object.hasOwn(lead, 'email'), false, 'a blank email is not given');
    assert.equal(Object.hasOwn(lead, 'firstname'), false);
  });

  test('send_empty writes the blank value; a refused field is named in the run log, not to the caller', async (t) => {
    const h = await createTestHost(tdb().db);
    t.after(() => h.close());
    const wf = await h.hookflow.services.workflows.create(
      {
        module: 'Leads',
        title: 'blanks',
        status: 'active',
        trigger: 'http',
        triggerName: 'blanks',
        tasks: [
          {
            type: 'create_record',
            title: 'Create the lead',
            options: {
              module: 'Leads',
              fields: [
                { field: 'lastname', value: '$env.lastname' },
                { field: 'company', value: '$env.company', whenBlank: 'send_empty' },
                { field: 'email', value: '$env.email' },
              ],
            },
          },
        ],
      },
      h.admin.id,
    );
    await h.hookflow.services.permissions.create({ title: 'p', triggerName: 'blanks', sources: '127.0.0.1' });
    const srv = await startInboundServer(h.hookflow);
    t.after(() => srv.close());

    const kept = await srv.post('?trigger=blanks', { body: 'lastname=Hopper&company=&email=', headers: FORM });
    assert.equal(kept.status, 200, kept.text);
    const keptRun = await tdb().db('hookflow_runs').where({ id: kept.json.run_id }).first();
    const created = await h.records.get('Leads', Number(JSON.parse(keptRun.env).created_record_id));
    assert.equal(created?.fields.company, '', 'send_empty wrote the empty company');
    assert.equal(Object.hasOwn(created?.fields ?? {}, 'email'), false);

    const refused = await srv.post('?trigger=blanks', { body: 'lastname=Hopper&email=not-an-address', headers: FORM });
    assert.equal(refused.status, 500);
    assert.match(refused.json.error.message, /run \d+ has the details/);
    assert.doesNotMatch(refused.text, /email|address/i, 'the public caller learns nothing about fields');
    const run = await tdb().db('hookflow_runs').where({ id: refused.json.run_id }).first();
    assert.equal(run.workflow_id, wf.id);
    assert.match(run.error, /Task "Create the lead" \(create_record\) failed: .*email: /);
  });
});
