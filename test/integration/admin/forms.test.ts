/**
 * The forms show only what applies, over real HTTP through the pages (real install, login and
 * CSRF), as a browser without JavaScript sees them: the XML root only for XML (after "Update
 * form" or a save), a trigger name dropped — and said so — when the trigger is not http, the
 * draft notice, and plain validation messages on the pages and in the management API.
 */
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describeEachEngine } from '../../helpers/engines.js';
import { ADMIN, FormClient, startAdminHost, type AdminHost } from '../../helpers/admin-host.js';
import { fieldErrors, liveNames } from '../../unit/admin/form-html.js';

describeEachEngine('admin forms: what applies, dropped values, notices, plain messages', (tdb) => {
  let t: AdminHost;
  let client: FormClient;
  const store = () => t.host.hookflow.services.store;
  const tag = crypto.randomBytes(3).toString('hex');

  /** A workflow of this test only, removed after it. */
  async function newWorkflow(tc: TestContext, input: Record<string, unknown> = {}): Promise<number> {
    const wf = await t.host.hookflow.services.workflows.create(
      { module: 'Deals', title: `Forms ${crypto.randomBytes(3).toString('hex')}`, trigger: 'record.updated', ...input },
      t.admin.id,
    );
    tc.after(() => store().remove(wf.id));
    return wf.id;
  }

  before(async () => {
    t = await startAdminHost(tdb().db);
    client = await new FormClient(t.url).login(t.admin.email, t.admin.password);
  });
  after(async () => {
    await t?.close();
  });

  test('webhook: the XML root is absent for JSON, present for XML after "Update form" and after saving; saving JSON drops it and says so', async (tc) => {
    const id = await newWorkflow(tc);
    const newForm = `${ADMIN}/workflows/${id}/tasks/new?type=webhook`;
    const fields = {
      type: 'webhook',
      title: 'To the ERP',
      url: 'https://erp.example/hook',
      method: 'POST',
      contentType: 'JSON',
      auth: 'none',
    };
    const blank = await client.get(newForm);
    assert.ok(!liveNames(blank.text).has('xmlRoot'), 'JSON: no XML root');
    assert.ok(!liveNames(blank.text).has('applicationToken'), 'JSON: no Bitrix24 token');

    const updated = await client.submit(newForm, `${ADMIN}/workflows/${id}/tasks`, {
      ...fields,
      contentType: 'XML',
      refresh: '1',
    });
    assert.equal(updated.status, 200, 'Update form re-renders');
    assert.ok(liveNames(updated.text).has('xmlRoot'), 'XML: the root element shows');
    assert.equal((await store().require(id)).tasks.length, 0, 'Update form saves nothing');

    const saved = await client.submit(newForm, `${ADMIN}/workflows/${id}/tasks`, {
      ...fields,
      contentType: 'XML',
      xmlRoot: 'deal',
    });
    assert.equal(saved.status, 303);
    const task = (await store().require(id)).tasks[0];
    assert.equal((task.options as { xmlRoot?: string }).xmlRoot, 'deal');
    const edit = `${ADMIN}/workflows/${id}/tasks/${task.id}`;
    assert.ok(liveNames((await client.get(edit)).text).has('xmlRoot'), 'saved as XML: the root element shows');

    // A browser without the script posts the field it showed; the save still must not keep it.
    const json = await client.submit(edit, edit, { ...fields, contentType: 'JSON', xmlRoot: 'deal' });
    assert.equal(json.status, 303);
    assert.match(json.location ?? '', /notice=task-saved&dropped=xmlRoot$/);
    assert.equal(
      ((await store().require(id)).tasks[0].options as { xmlRoot?: string }).xmlRoot,
      undefined,
      'not stored',
    );
    assert.match(
      (await client.get(json.location!)).text,
      /Removed when saving, because the chosen content type or authorization does not use it: the XML root element\./,
    );
    assert.ok(!liveNames((await client.get(edit)).text).has('xmlRoot'), 'saved as JSON: no XML root');
  });

  test('workflow: a trigger name (and the other HTTP-only settings) is dropped when the trigger is not http, and the page says so', async (tc) => {
    const triggerName = `lead-${tag}`;
    const id = await newWorkflow(tc, {
      trigger: 'http',
      triggerName,
      execMode: 'async',
      requiredEnv: [{ name: 'email', type: 'email' }],
    });
    const page = `${ADMIN}/workflows/${id}`;
    const form = {
      title: 'Leads',
      status: 'draft',
      trigger: 'http',
      triggerName,
      execMode: 'async',
      join: 'all',
      runMode: 'every_event',
      envName: ['email', ''],
      envType: ['email', 'text'],
      envRequired: ['required', 'required'],
    };
    assert.ok(liveNames((await client.get(page)).text).has('triggerName'), 'http: the trigger name shows');

    const refreshed = await client.submit(page, page, { ...form, trigger: 'record.updated', refresh: '1' });
    assert.equal(refreshed.status, 200);
    assert.ok(!liveNames(refreshed.text).has('triggerName'), 'record.updated: no trigger name');
    assert.ok(!liveNames(refreshed.text).has('envName'), 'record.updated: no required $env fields');
    assert.match(
      refreshed.text,
      new RegExp(
        `Only HTTP calls use trigger name “${triggerName}”, the async answer mode, 1 required \\$env field: saving with this trigger removes them`,
      ),
    );
    assert.equal((await store().require(id)).triggerName, triggerName, 'Update form saves nothing');

    const saved = await client.submit(page, page, { ...form, trigger: 'record.updated' });
    assert.equal(saved.status, 303);
    assert.match(saved.location ?? '', /notice=saved-draft&dropped=triggerName,execMode,requiredEnv$/);
    const wf = await store().require(id);
    assert.deepEqual([wf.trigger, wf.triggerName, wf.execMode, wf.requiredEnv], ['record.updated', null, 'sync', []]);
    assert.deepEqual(await store().findByTriggerName(triggerName), [], '?trigger= no longer finds it');
    assert.match(
      (await client.get(saved.location!)).text,
      /Removed when saving, because the chosen trigger does not use them: the trigger name, the async answer mode \(now sync\), the required \$env fields\./,
    );
  });

  test('a workflow saved as a draft says "Saved as draft — activate to run"; an active one does not', async (tc) => {
    const fields = {
      module: 'Deals',
      title: `Draft ${tag}`,
      trigger: 'record.updated',
      status: 'draft',
      join: 'all',
      runMode: 'every_event',
    };
    const created = await client.submit(`${ADMIN}/workflows/new?module=Deals`, `${ADMIN}/workflows`, fields);
    assert.equal(created.status, 303);
    const id = Number(/\/workflows\/(\d+)\?notice=created-draft$/.exec(created.location ?? '')?.[1]);
    assert.ok(id > 0, `created as a draft: ${created.location}`);
    tc.after(() => store().remove(id));
    assert.match(
      (await client.get(created.location!)).text,
      /<div class="notice" role="status">Saved as draft — activate to run\. Add its tasks below\.<\/div>/,
    );

    const page = `${ADMIN}/workflows/${id}`;
    const again = await client.submit(page, page, fields);
    assert.match(again.location ?? '', /notice=saved-draft$/);
    assert.match((await client.get(again.location!)).text, /Saved as draft — activate to run\./);
    const active = await client.submit(page, page, { ...fields, status: 'active' });
    assert.match(active.location ?? '', /notice=saved$/);
    assert.ok(!(await client.get(active.location!)).text.includes('Saved as draft'));
  });

  test('an empty title and a bad template get plain messages on the page; the API names the field the same way', async (tc) => {
    const empty = await client.submit(`${ADMIN}/workflows/new?module=Deals`, `${ADMIN}/workflows`, {
      module: 'Deals',
      title: ' ',
      trigger: 'record.updated',
      status: 'draft',
      join: 'all',
      runMode: 'every_event',
    });
    assert.equal(empty.status, 422);
    assert.deepEqual(fieldErrors(empty.text), ['Title is required']);
    assert.ok(!/Too small|expected string/.test(empty.text), 'no library wording');

    const id = await newWorkflow(tc);
    const badTemplate = await client.submit(
      `${ADMIN}/workflows/${id}/tasks/new?type=webhook`,
      `${ADMIN}/workflows/${id}/tasks`,
      {
        type: 'webhook',
        title: 'To the ERP',
        url: 'https://erp.example/{{record.id',
        contentType: 'JSON',
        auth: 'none',
      },
    );
    assert.equal(badTemplate.status, 422);
    assert.deepEqual(fieldErrors(badTemplate.text), ['Template syntax error: a {{ is not closed']);
    assert.ok(!badTemplate.text.includes('Parse error'), 'no parser trace');

    // Errors of a task, listed on the workflow page, carry the task form's labels too.
    const locked = await newWorkflow(tc, {
      status: 'draft',
      tasks: [
        {
          type: 'webhook',
          title: 'Invoice',
          options: { url: 'https://erp.example/x', auth: 'basic', username: 'acct' },
        },
      ],
    });
    const activate = await client.submit(`${ADMIN}/workflows/${locked}`, `${ADMIN}/workflows/${locked}`, {
      title: 'Locked',
      trigger: 'record.updated',
      status: 'active',
      join: 'all',
      runMode: 'every_event',
    });
    assert.equal(activate.status, 422);
    assert.match(activate.text, /<li>Invoice: Password is required before the workflow can be active<\/li>/);

    // The management API with this browser session: the page's CSRF token, same origin.
    const token = /<meta name="hookflow-csrf" content="([^"]+)">/.exec((await client.get(`${ADMIN}/`)).text)?.[1];
    assert.ok(token, 'the layout carries the CSRF token');
    const post = async (body: unknown) => {
      const res = await fetch(`${t.url}${ADMIN}/api/workflows`, {
        method: 'POST',
        headers: {
          cookie: client.jar.header(),
          origin: t.url,
          'x-csrf-token': token,
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
      });
      assert.equal(res.status, 422);
      return ((await res.json()) as { error: { fields: Record<string, string> } }).error.fields;
    };
    assert.deepEqual(await post({ module: 'Deals', title: '', trigger: 'record.updated' }), { title: 'is required' });
    const hook = await post({
      module: 'Deals',
      title: 'API',
      trigger: 'record.updated',
      tasks: [{ type: 'webhook', title: 'w', options: { url: 'https://erp.example/x', method: 'TRACE' } }],
    });
    assert.deepEqual(hook, { 'tasks.0.options.method': 'must be one of POST, PUT, PATCH, DELETE, GET' });
  });
});
