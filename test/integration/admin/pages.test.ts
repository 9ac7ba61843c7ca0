/**
 * The admin pages over real HTTP in the reference host (real install, real login, real CSRF):
 * access control, CSRF, workflows and tasks through the forms, validation errors with values
 * kept, secrets never rendered back, and "Send test" against a real receiver.
 */
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { hiddenInput } from '../host/harness.js';
import {
  ADMIN,
  FormClient,
  startAdminHost,
  startReceiver,
  type AdminHost,
  type Receiver,
} from '../../helpers/admin-host.js';

describeEachEngine('admin pages', (tdb) => {
  let t: AdminHost;
  let rx: Receiver;
  let client: FormClient;
  let base = '';
  const settings = () => t.host.hookflow.services.settings.get();
  const store = () => t.host.hookflow.services.store;
  const saveSettings = (patch: Parameters<AdminHost['host']['hookflow']['services']['settings']['save']>[0]) =>
    t.host.hookflow.services.settings.save(patch);
  /** Each test makes its own workflow: every test must also pass alone, or after any other. */
  const newWorkflow = async (title: string, tasks: unknown[] = []) =>
    (
      await t.host.hookflow.services.workflows.create(
        { module: 'Deals', title, status: 'active', trigger: 'record.updated', tasks },
        t.admin.id,
      )
    ).id;
  /** The receiver is on 127.0.0.1: allowed for this test, the previous allowlist restored after it. */
  async function allowLoopback(tc: TestContext): Promise<void> {
    const previous = settings().outboundAllowlist;
    await saveSettings({ outboundAllowlist: ['127.0.0.1/32'] });
    tc.after(() => saveSettings({ outboundAllowlist: previous }));
  }

  before(async () => {
    rx = await startReceiver();
    t = await startAdminHost(tdb().db);
    base = t.url;
    client = await new FormClient(base).login(t.admin.email, t.admin.password);
  });

  after(async () => {
    await t?.close();
    await rx?.close();
  });

  test('a logged-out browser is sent to the login page; a non-admin gets 403 on pages and forms', async () => {
    const anon = new FormClient(base);
    const page = await anon.get(`${ADMIN}/workflows`);
    assert.equal(page.status, 302);
    assert.equal(page.location, `/login?next=${encodeURIComponent(`${ADMIN}/workflows`)}`);

    const salesClient = new FormClient(base);
    await salesClient.login(t.sales.email, t.sales.password);
    for (const p of ['/', '/workflows', '/deliveries', '/runs', '/settings', '/permissions']) {
      assert.equal((await salesClient.get(`${ADMIN}${p}`)).status, 403, p);
    }
    const post = await salesClient.post(`${ADMIN}/enabled`, { enabled: 'false' }, 'whatever');
    assert.equal(post.status, 403);
    assert.equal(settings().enabled, true);
  });

  test('pages are escaped, carry a strict CSP, and every POST needs the CSRF token', async (tc) => {
    tc.after(() => saveSettings({ enabled: true })); // also when an assertion below fails
    const overview = await client.get(`${ADMIN}/`);
    assert.equal(overview.status, 200);
    assert.match(overview.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.match(overview.text, /http:\/\/crm\.test\/wf/, 'short URL on the overview');

    const missing = await client.post(`${ADMIN}/enabled`, { enabled: 'false' });
    assert.equal(missing.status, 403);
    assert.match(missing.text, /form has expired/);
    const forged = await client.post(`${ADMIN}/enabled`, { enabled: 'false' }, 'a'.repeat(64) + '.' + 'b'.repeat(64));
    assert.equal(forged.status, 403);
    // A valid token of another browser session does not match this browser's cookie.
    const other = new FormClient(base);
    await other.login(t.admin.email, t.admin.password);
    const otherToken = hiddenInput((await other.get(`${ADMIN}/`)).text, '_csrf')!;
    assert.equal(settings().enabled, true, 'nothing changed without a valid token');

    const off = await client.submit(`${ADMIN}/`, `${ADMIN}/enabled`, { enabled: 'false' });
    assert.equal(off.status, 303);
    assert.equal(settings().enabled, false);
    assert.match((await client.get(off.location!)).text, /Hookflow is <span class="state-off">off/);
    const on = await client.post(`${ADMIN}/enabled`, { enabled: 'true' }, otherToken);
    assert.equal(on.status, 403, 'a token minted for another browser session is refused with this cookie');
    await client.submit(`${ADMIN}/`, `${ADMIN}/enabled`, { enabled: 'true' });
    assert.equal(settings().enabled, true);
  });

  test('a workflow created through the forms is stored; errors are shown next to fields with values kept', async () => {
    const stored = (await store().list()).length;
    const bad = await client.submit(`${ADMIN}/workflows/new?module=Deals`, `${ADMIN}/workflows`, {
      module: 'Deals',
      title: '<script>alert(1)</script>',
      trigger: 'record.updated',
      triggerName: 'bad name!',
      status: 'active',
      join: 'all',
      condField: ['stage', 'nosuchfield', ''],
      condOp: ['changed_to', 'equals', 'equals'],
      condValue: ['Won', 'x', ''],
      runMode: 'every_event',
      execMode: 'sync',
    });
    assert.equal(bad.status, 422);
    assert.ok(!bad.text.includes('<script>alert(1)</script>'), 'admin text is escaped');
    assert.ok(bad.text.includes('value="&lt;script&gt;alert(1)&lt;/script&gt;"'), 'the title is kept');
    assert.ok(bad.text.includes('value="bad name!"'), 'the trigger name is kept');
    assert.match(bad.text, /id="triggerName-error"[^>]*>must be 1-64 letters/);
    const badField = await client.submit(`${ADMIN}/workflows/new?module=Deals`, `${ADMIN}/workflows`, {
      module: 'Deals',
      title: 'ok',
      trigger: 'record.updated',
      triggerName: '',
      status: 'active',
      join: 'all',
      condField: ['stage', 'nosuchfield'],
      condOp: ['changed_to', 'equals'],
      condValue: ['Won', 'x'],
      runMode: 'every_event',
      execMode: 'sync',
    });
    assert.equal(badField.status, 422);
    assert.match(
      badField.text,
      /<option value="nosuchfield" selected>nosuchfield<\/option>/,
      'the unknown field stays chosen',
    );
    assert.match(badField.text, /Unknown field &quot;nosuchfield&quot;/);
    assert.equal((await store().list()).length, stored, 'nothing was saved');

    const ok = await client.submit(`${ADMIN}/workflows/new?module=Deals`, `${ADMIN}/workflows`, {
      module: 'Deals',
      title: 'Won deals to accounting',
      description: 'Invoices',
      trigger: 'record.updated',
      triggerName: '',
      status: 'active',
      join: 'all',
      condField: ['stage', ''],
      condOp: ['changed_to', 'equals'],
      condValue: ['Won', ''],
      runMode: 'every_event',
      execMode: 'sync',
      envName: ['', ''],
      envType: ['text', 'text'],
      envRequired: ['required', 'required'],
    });
    assert.equal(ok.status, 303);
    const workflowId = Number(/\/workflows\/(\d+)\?notice=created$/.exec(ok.location ?? '')?.[1]);
    const wf = await store().require(workflowId);
    assert.equal(wf.title, 'Won deals to accounting');
    assert.equal(wf.status, 'active');
    assert.deepEqual(wf.conditions, { join: 'all', conditions: [{ field: 'stage', op: 'changed_to', value: 'Won' }] });
  });

  test('settings: bad values are named next to their field and nothing is saved; good values are saved', async (tc) => {
    const previous = settings();
    tc.after(() =>
      saveSettings({ outboundAllowlist: previous.outboundAllowlist, retrySchedule: previous.retrySchedule }),
    );
    const page = await client.get(`${ADMIN}/settings`);
    assert.match(page.text, /name="retrySchedule"[^>]*value="1h, 2h, 4h"/, 'durations are shown readably');
    const form = Object.fromEntries(
      [
        ...page.text.matchAll(
          /<(?:input|textarea) id="s-(\w+)" name="\w+"[^>]*?(?:value="([^"]*)"[^>]*)?>(?:([^<]*)<\/textarea>)?/g,
        ),
      ].map((m) => [m[1], m[2] ?? m[3] ?? '']),
    );
    assert.ok('outboundAllowlist' in form && 'maxConcurrency' in form, 'every setting is in the form');
    const bad = await client.submit(`${ADMIN}/settings`, `${ADMIN}/settings`, {
      ...form,
      retrySchedule: '1h, soon',
      maxConcurrency: '0',
      outboundAllowlist: '127.0.0.1/32\nnot-an-ip',
    });
    assert.equal(bad.status, 422);
    assert.match(bad.text, /id="s-retrySchedule-error"[^>]*>&quot;soon&quot; is not a duration/);
    assert.match(bad.text, /id="s-outboundAllowlist-error"[^>]*>allowlist entry 2/);
    assert.ok(bad.text.includes('value="1h, soon"'), 'typed values are kept');
    assert.deepEqual(settings(), previous, 'nothing saved');

    const range = await client.submit(`${ADMIN}/settings`, `${ADMIN}/settings`, { ...form, maxConcurrency: '0' });
    assert.equal(range.status, 422);
    assert.match(range.text, /id="s-maxConcurrency-error"[^>]*>/, 'the zod range check names the field');

    const ok = await client.submit(`${ADMIN}/settings`, `${ADMIN}/settings`, {
      ...form,
      retrySchedule: '1s',
      outboundAllowlist: '127.0.0.1/32',
    });
    assert.equal(ok.status, 303);
    const s = settings();
    assert.deepEqual(s.outboundAllowlist, ['127.0.0.1/32']);
    assert.deepEqual(s.retrySchedule, [1]);
    assert.equal(s.maxConcurrency, 16, 'untouched settings keep their values');
  });

  test('webhook task: errors keep the rows, secrets are write-only, the signing secret is shown once, Send test shows the answer', async (tc) => {
    await allowLoopback(tc);
    const workflowId = await newWorkflow('Webhook through the forms');
    const deliveries = async () => Number((await tdb().db('hookflow_deliveries').count({ n: '*' }).first())?.n);
    const loggedBefore = await deliveries();
    const form = `${ADMIN}/workflows/${workflowId}/tasks/new?type=webhook`;
    const fields = {
      type: 'webhook',
      title: 'Invoice',
      description: '',
      url: 'ftp://nope.example/x',
      method: 'POST',
      contentType: 'JSON',
      auth: 'basic',
      username: 'acct',
      password: 'pa55-word-xyz',
      paramName: ['deal.id', 'deal.title', ''],
      paramValue: ['$record.id', '{{record.title}}', ''],
      headerName: ['X-Api-Key', ''],
      headerValue: ['k-secret-1', ''],
      sign: '1',
    };
    const bad = await client.submit(form, `${ADMIN}/workflows/${workflowId}/tasks`, fields);
    assert.equal(bad.status, 422);
    assert.match(bad.text, /id="url-error"[^>]*>must use http or https/);
    assert.ok(bad.text.includes('value="{{record.title}}"'), 'param rows are kept');
    assert.ok(!bad.text.includes('pa55-word-xyz'), 'a typed password is not echoed back');

    const saved = await client.submit(form, `${ADMIN}/workflows/${workflowId}/tasks`, { ...fields, url: rx.url });
    assert.equal(
      saved.status,
      200,
      `the secret page: ${saved.text.match(/field-error[^<]*<|alert[^<]*<[^<]*<[^<]*/g)}`,
    );
    const secret = /value="(whsec_[A-Za-z0-9+/=]+)"/.exec(saved.text)?.[1];
    assert.ok(secret, 'the new signing secret is shown once');
    const wf = await store().require(workflowId);
    const task = wf.tasks[0];
    assert.deepEqual(store().openSecrets(task), { password: 'pa55-word-xyz', signingSecret: secret });

    const edit = await client.get(`${ADMIN}/workflows/${workflowId}/tasks/${task.id}`);
    assert.equal(edit.status, 200);
    for (const s of ['pa55-word-xyz', secret]) assert.ok(!edit.text.includes(s), 'secrets are never rendered back');
    assert.match(edit.text, /set — leave empty to keep/);

    // Saving again with empty secret inputs keeps them.
    const again = await client.submit(
      `${ADMIN}/workflows/${workflowId}/tasks/${task.id}`,
      `${ADMIN}/workflows/${workflowId}/tasks/${task.id}`,
      { ...fields, url: rx.url, password: '', title: 'Invoice v2' },
    );
    assert.equal(again.status, 303);
    const task2 = (await store().require(workflowId)).tasks[0];
    assert.equal(task2.title, 'Invoice v2');
    assert.deepEqual(store().openSecrets(task2), { password: 'pa55-word-xyz', signingSecret: secret });

    rx.received.length = 0;
    const sent = await client.submit(
      `${ADMIN}/workflows/${workflowId}/tasks/${task.id}`,
      `${ADMIN}/workflows/${workflowId}/tasks/${task.id}/test`,
      { recordId: '' },
    );
    assert.equal(sent.status, 200);
    assert.match(sent.text, /HTTP 200/);
    assert.ok(sent.text.includes('INV-7'), 'the response body is shown');
    assert.equal(rx.received.length, 1);
    assert.equal(rx.received[0].headers.authorization, `Basic ${Buffer.from('acct:pa55-word-xyz').toString('base64')}`);
    assert.ok(rx.received[0].headers['webhook-signature'], 'signed');
    assert.ok(
      !sent.text.includes('pa55') && !sent.text.includes(Buffer.from('acct:pa55-word-xyz').toString('base64')),
      'credentials masked in the shown request',
    );
    assert.deepEqual(JSON.parse(rx.received[0].body).deal, { id: 0, title: 'Sample title' });
    assert.equal(await deliveries(), loggedBefore, 'a test is not logged');
  });

  test('webhook task: "save from the response" rows — a bad path keeps the rows and names the row; saved rows come back; Send test previews what would be saved', async (tc) => {
    await allowLoopback(tc);
    const workflowId = await newWorkflow('Write-back through the forms');
    const form = `${ADMIN}/workflows/${workflowId}/tasks/new?type=webhook`;
    const fields = {
      type: 'webhook',
      title: 'Invoice',
      description: '',
      url: rx.url,
      method: 'POST',
      contentType: 'JSON',
      auth: 'none',
      paramName: ['deal.id'],
      paramValue: ['{{record.id}}'],
      savePath: ['$..invoice', '$.invoice', ''],
      saveField: ['invoice_id', 'invoice_id', ''],
    };
    const bad = await client.submit(form, `${ADMIN}/workflows/${workflowId}/tasks`, fields);
    assert.equal(bad.status, 422);
    assert.match(bad.text, /cannot read &quot;\.\.invoice&quot;: use \.name/, "the bad row's path is named");
    assert.ok(bad.text.includes('value="$..invoice"') && bad.text.includes('value="$.invoice"'), 'typed rows are kept');

    const slow = await client.submit(form, `${ADMIN}/workflows/${workflowId}/tasks`, {
      ...fields,
      savePath: ['$.invoice', ''],
      saveField: ['invoice_id', ''],
      waitForAnswer: '1',
      answerTimeoutMs: 'soon',
    });
    assert.equal(slow.status, 422);
    assert.match(slow.text, /answerTimeoutMs-error">must be a number/, 'a timeout that is not a number is named');
    assert.ok(/name="waitForAnswer" value="1" checked/.test(slow.text), 'the box stays ticked');

    const saved = await client.submit(form, `${ADMIN}/workflows/${workflowId}/tasks`, {
      ...fields,
      savePath: ['$.invoice', ''],
      saveField: ['invoice_id', ''],
      waitForAnswer: '1',
      answerTimeoutMs: '2500',
    });
    assert.equal(saved.status, 303);
    const task = (await store().require(workflowId)).tasks[0];
    assert.deepEqual((task.options as { saveResponse: unknown }).saveResponse, [
      { path: '$.invoice', field: 'invoice_id' },
    ]);
    assert.equal((task.options as { waitForAnswer: boolean }).waitForAnswer, true);
    assert.equal((task.options as { answerTimeoutMs: number }).answerTimeoutMs, 2500);

    const edit = await client.get(`${ADMIN}/workflows/${workflowId}/tasks/${task.id}`);
    assert.ok(edit.text.includes('value="$.invoice"'));
    assert.match(
      edit.text,
      /<option value="invoice_id" selected>Invoice id<\/option>/,
      "the field is chosen from the module's fields",
    );
    assert.match(
      (await client.get(`${ADMIN}/workflows/${workflowId}`)).text,
      /waits for the answer · saves invoice_id from the answer/,
      'the task summary says it',
    );

    const sent = await client.submit(
      `${ADMIN}/workflows/${workflowId}/tasks/${task.id}`,
      `${ADMIN}/workflows/${workflowId}/tasks/${task.id}/test`,
      { recordId: '' },
    );
    assert.match(sent.text, /A real delivery would save invoice_id &#x3D; &quot;INV-7&quot; \(a test writes nothing\)/);
  });

  test('tasks can be added, reordered and removed', async (tc) => {
    await allowLoopback(tc);
    const workflowId = await newWorkflow('Reordered tasks', [
      {
        type: 'webhook',
        title: 'Invoice',
        options: { url: rx.url, auth: 'basic', username: 'acct' },
        secrets: { password: 'pa55-word-xyz' },
      },
    ]);
    const add = await client.submit(
      `${ADMIN}/workflows/${workflowId}/tasks/new?type=set_env`,
      `${ADMIN}/workflows/${workflowId}/tasks`,
      { type: 'set_env', title: 'Prepare', envName: ['total', ''], envValue: ['{{record.amount}}', ''] },
    );
    assert.equal(add.status, 303);
    let wf = await store().require(workflowId);
    assert.deepEqual(
      wf.tasks.map((t) => t.type),
      ['webhook', 'set_env'],
    );
    const [hook, prep] = wf.tasks;
    await client.submit(`${ADMIN}/workflows/${workflowId}`, `${ADMIN}/workflows/${workflowId}/tasks/${prep.id}/move`, {
      direction: 'up',
    });
    wf = await store().require(workflowId);
    assert.deepEqual(
      wf.tasks.map((t) => t.id),
      [prep.id, hook.id],
      'moved up, ids kept',
    );
    assert.ok(store().secretNames(wf.tasks[1]).includes('password'), 'secrets survive a reorder');
    await client.submit(
      `${ADMIN}/workflows/${workflowId}`,
      `${ADMIN}/workflows/${workflowId}/tasks/${prep.id}/delete`,
      {},
    );
    wf = await store().require(workflowId);
    assert.deepEqual(
      wf.tasks.map((t) => t.id),
      [hook.id],
    );
    const list = await client.get(`${ADMIN}/workflows`);
    assert.ok(list.text.includes('Reordered tasks'));
  });
});
