/**
 * Capture a sample request through the admin pages (issue 21.2) in the reference host: click 1
 * starts capture mode on the permission page, a real urlencoded form post is captured (202,
 * nothing ran), the page shows the captured fields, and click 2 makes them required `$env`
 * fields of the workflow (types guessed, declared fields kept, the honeypot never offered).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { ADMIN, FormClient, startAdminHost, type AdminHost } from '../../helpers/admin-host.js';

/** The checked checkboxes named `name` of a page, as a browser would post them. */
function checkedValues(html: string, name: string): string[] {
  return [...html.matchAll(new RegExp(`<input type="checkbox" name="${name}" value="([^"]+)" checked`, 'g'))].map(
    (m) => m[1],
  );
}

describeEachEngine('admin pages: capture a sample request', (tdb) => {
  let t: AdminHost;
  let client: FormClient;
  const services = () => t.host.hookflow.services;

  before(async () => {
    t = await startAdminHost(tdb().db);
    client = await new FormClient(t.url).login(t.admin.email, t.admin.password);
  });
  after(async () => {
    await t?.close();
  });

  test('a captured form post becomes required $env fields in two clicks', async () => {
    const wf = await services().workflows.create(
      {
        module: 'Leads',
        title: 'Signup form',
        status: 'active',
        trigger: 'http',
        triggerName: 'signup',
        requiredEnv: [{ name: 'lastname', type: 'text', required: false }],
        tasks: [],
      },
      t.admin.id,
    );
    const { permission } = await services().permissions.create({
      title: 'signup',
      triggerName: 'signup',
      sources: '127.0.0.1',
      honeypotField: 'website',
    });
    const page = `${ADMIN}/permissions/${permission.id}`;

    const click1 = await client.submit(page, `${page}/capture`, { minutes: '10' });
    assert.equal(click1.status, 303, click1.text.slice(0, 300));
    assert.match((await client.get(page)).text, /Waiting for the next request/);

    const fields = { firstname: 'Ada', lastname: 'Lovelace', email: 'ada@example.com', age: '36', website: '' };
    const posted = await fetch(`${t.url}/wf?trigger=signup`, {
      method: 'POST',
      body: new URLSearchParams(fields),
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: 'crm_session=s3cr3t' },
    });
    assert.equal(posted.status, 202, await posted.text());
    assert.equal((await tdb().db('hookflow_runs').where({ workflow_id: wf.id })).length, 0, 'nothing ran');

    const shown = await client.get(page);
    assert.match(shown.text, /Make these required \$env fields/);
    assert.match(shown.text, /ada@example\.com/);
    assert.doesNotMatch(shown.text, /s3cr3t/, 'the cookie was not kept');
    const offered = checkedValues(shown.text, 'field');
    assert.deepEqual(offered.sort(), ['age', 'email', 'firstname', 'lastname'], 'the honeypot is not offered');

    const click2 = await client.submit(page, `${page}/capture/make-required`, { pick: '1', field: offered });
    assert.equal(click2.status, 303, click2.text.slice(0, 300));
    assert.equal(click2.location, `${ADMIN}/workflows/${wf.id}?notice=capture-required`);
    const saved = await services().store.require(wf.id);
    assert.deepEqual(
      Object.fromEntries(saved.requiredEnv.map((f) => [f.name, `${f.type}/${f.required}`])),
      { lastname: 'text/false', firstname: 'text/true', email: 'email/true', age: 'number/true' },
      'new fields are required with guessed types; the declared one is kept',
    );
    assert.match((await client.get(`${ADMIN}/workflows/${wf.id}`)).text, /value="age"/);
  });

  test('captured fields map to the record fields of the same name in a create_record task', async () => {
    const wf = await services().workflows.create(
      {
        module: 'Leads',
        title: 'Mapped form',
        status: 'active',
        trigger: 'http',
        triggerName: 'mapped',
        tasks: [
          {
            type: 'create_record',
            title: 'create',
            options: { module: 'Leads', fields: [{ field: 'lastname', value: '$env["lastname"]' }] },
          },
        ],
      },
      t.admin.id,
    );
    const { permission } = await services().permissions.create({
      title: 'mapped',
      triggerName: 'mapped',
      sources: '127.0.0.1',
    });
    const page = `${ADMIN}/permissions/${permission.id}`;
    assert.equal((await client.submit(page, `${page}/capture`, { minutes: '5' })).status, 303);
    const fields = { firstname: 'Ada', lastname: 'Lovelace', email: 'ada@example.com', shoe_size: '38' };
    const posted = await fetch(`${t.url}/wf?trigger=mapped`, {
      method: 'POST',
      body: new URLSearchParams(fields),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(posted.status, 202);
    const shown = await client.get(page);
    assert.match(shown.text, /Map to record fields/);
    const r = await client.submit(page, `${page}/capture/map-fields`, {
      pick: '1',
      field: checkedValues(shown.text, 'field'),
    });
    assert.equal(r.location, `${ADMIN}/workflows/${wf.id}?notice=capture-mapped`);
    const task = (await services().store.require(wf.id)).tasks[0];
    assert.deepEqual((task.options as { fields: unknown[] }).fields, [
      { field: 'lastname', value: '$env["lastname"]', whenBlank: 'leave_unset' },
      { field: 'firstname', value: '$env["firstname"]', whenBlank: 'leave_unset' },
      { field: 'email', value: '$env["email"]', whenBlank: 'leave_unset' },
    ]);
    const again = await client.submit(page, `${page}/capture/map-fields`, { pick: '1', field: ['firstname'] });
    assert.equal(again.location, `${ADMIN}/workflows/${wf.id}?notice=capture-mapped-none`, 'nothing mapped twice');
  });

  test('capture on a permission that lets no caller in is refused (422), nothing changes', async () => {
    const wf = await services().workflows.create(
      { module: 'Leads', title: 'Closed', status: 'draft', trigger: 'http', tasks: [] },
      t.admin.id,
    );
    const { permission } = await services().permissions.create({ title: 'closed', workflowId: wf.id, sources: '' });
    const page = `${ADMIN}/permissions/${permission.id}`;
    const r = await client.submit(page, `${page}/capture`, { minutes: '10' });
    assert.equal(r.status, 422);
    assert.match(r.text, /lets no caller in/);
    assert.equal((await services().permissions.require(permission.id)).captureUntil, null);
  });
});
