/**
 * Preview of a webhook task (issue 21, item 1) in the reference host over real HTTP (real login,
 * real CSRF): the API's preview for a record and for a logged run is byte for byte what the
 * worker then sends to a real receiver (given the webhook-id and timestamp the worker used);
 * previewing stores and sends nothing; a broken template is a 422 naming its row, on the page at
 * the row; non-admins and requests without the CSRF token are refused.
 */
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import {
  ADMIN,
  FormClient,
  startAdminHost,
  startReceiver,
  type AdminHost,
  type Receiver,
} from '../../helpers/admin-host.js';
import { signatureHeaders } from '../../../module/outbound/sign.js';

const SIGNING_SECRET = 'whsec_' + Buffer.alloc(24, 9).toString('base64');
const TOKEN = 'tok-preview-secret-1';
// What the connection adds, not the request Hookflow builds.
const TRANSPORT = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive']);

describeEachEngine('webhook task preview', (tdb) => {
  let t: AdminHost;
  let rx: Receiver;
  let client: FormClient;
  const hf = () => t.host.hookflow;

  async function allowLoopback(tc: TestContext): Promise<void> {
    const previous = hf().services.settings.get().outboundAllowlist;
    await hf().services.settings.save({ outboundAllowlist: ['127.0.0.1/32'] });
    tc.after(() => hf().services.settings.save({ outboundAllowlist: previous }));
  }

  /** A webhook workflow on Deals created: bearer auth, signed, templates in URL, header and params. */
  async function newWebhookWorkflow(tc: TestContext, title: string, contentType = 'JSON') {
    const wf = await hf().services.workflows.create(
      {
        module: 'Deals',
        title,
        status: 'active',
        trigger: 'record.created',
        tasks: [
          {
            type: 'webhook',
            title: 'Notify',
            options: {
              url: `${rx.url}?deal={{record.id}}`,
              method: 'POST',
              contentType,
              auth: 'bearer',
              sign: true,
              headers: [{ name: 'X-Source', value: 'crm {{record.title}}' }],
              params: [
                { name: 'deal.id', value: '$record.id' },
                { name: 'deal.title', value: '{{record.title}}' },
                { name: 'note', value: 'Ünïcode “quotes” & <tags>' },
              ],
            },
            secrets: { token: TOKEN, signingSecret: SIGNING_SECRET },
          },
        ],
      },
      t.admin.id,
    );
    // Other tests create Deals too: this workflow runs only within its own test.
    tc.after(() => hf().services.workflows.setStatus(wf.id, 'inactive'));
    return { wf, task: wf.tasks[0] };
  }

  /** What the worker sent for `taskId`'s delivery (found by its webhook-id), and that delivery. */
  async function sentFor(taskId: number) {
    const delivery = await tdb().db('hookflow_deliveries').where({ task_id: taskId }).first();
    assert.ok(delivery, 'the run queued a delivery');
    const got = rx.received.filter((r) => r.headers['webhook-id'] === delivery.webhook_id);
    assert.equal(got.length, 1, 'the worker sent it once');
    return { delivery, got: got[0] };
  }

  /** The admin API as the page's script calls it: session cookie, same origin, X-CSRF-Token. */
  async function api(c: FormClient, body: unknown, opts: { csrf?: boolean } = {}) {
    const page = await c.get(`${ADMIN}/workflows`);
    const token = /<meta name="hookflow-csrf" content="([^"]*)"/.exec(page.text)?.[1] ?? '';
    const res = await fetch(`${t.url}${ADMIN}/api/tasks/preview`, {
      method: 'POST',
      headers: {
        cookie: c.jar.header(),
        origin: t.url,
        'content-type': 'application/json',
        ...(opts.csrf === false ? {} : { 'x-csrf-token': token }),
      },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  const count = async (table: string) => Number((await tdb().db(table).count({ n: '*' }).first())?.n);
  const stored = async () => ({
    deliveries: await count('hookflow_deliveries'),
    attempts: await count('hookflow_attempts'),
    runs: await count('hookflow_runs'),
  });

  before(async () => {
    rx = await startReceiver();
    t = await startAdminHost(tdb().db);
    client = await new FormClient(t.url).login(t.admin.email, t.admin.password);
  });

  after(async () => {
    await t?.close();
    await rx?.close();
  });

  test('the preview for a record and for its run is byte for byte what the worker sends, and stores nothing', async (tc) => {
    await allowLoopback(tc);
    const { wf, task } = await newWebhookWorkflow(tc, 'Preview matches the worker');
    const deal = await t.host.services.records.create(
      'Deals',
      { title: 'Rocket & skates' },
      { actorUserId: t.admin.id },
    );
    await hf().worker.drain();
    await hf().worker.drain();
    const { delivery, got } = await sentFor(task.id);
    const webhookId = String(got.headers['webhook-id']);
    const timestamp = Number(got.headers['webhook-timestamp']);

    const before = await stored();
    const receivedBefore = rx.received.length;
    for (const pick of [{ recordId: deal.id }, { runId: Number(delivery.run_id) }]) {
      const res = await api(client, { workflowId: wf.id, taskId: task.id, ...pick, webhookId, timestamp });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const p = res.body.preview;
      assert.equal(p.webhookId, webhookId);
      assert.equal(p.timestamp, timestamp);
      assert.equal(p.method, got.method);
      assert.equal(p.url, delivery.url);
      assert.equal(p.url, `${rx.url}?deal=${deal.id}`);
      assert.ok(Buffer.from(p.body, 'utf8').equals(Buffer.from(got.body, 'utf8')), `body: ${p.body} vs ${got.body}`);
      const sentNames = Object.keys(got.headers).filter((k) => !TRANSPORT.has(k));
      // Header names are case-insensitive (Node lowercases what it receives).
      const previewed = Object.fromEntries(Object.entries(p.headers).map(([k, v]) => [k.toLowerCase(), v]));
      assert.deepEqual(Object.keys(previewed).sort(), sentNames.sort(), 'the same headers');
      for (const name of sentNames) {
        const shown = previewed[name];
        if (name === 'authorization' || name === 'webhook-signature') assert.equal(shown, '••••', `${name} masked`);
        else assert.equal(shown, got.headers[name], name);
      }
      assert.equal(got.headers.authorization, `Bearer ${TOKEN}`);
      // The signature the worker sent covers exactly the previewed bytes, id and timestamp.
      const signed = signatureHeaders({ webhookId, timestampSeconds: timestamp, body: p.body, secret: SIGNING_SECRET });
      assert.equal(got.headers['webhook-signature'], signed['webhook-signature']);
      assert.ok(!JSON.stringify(res.body).includes(TOKEN), 'no secret in the answer');
    }
    assert.deepEqual(await stored(), before, 'no delivery, attempt or run was stored');
    assert.equal(rx.received.length, receivedBefore, 'nothing was sent');
  });

  test('envelope, XML and form bodies: the preview of the logged run is byte for byte the body the worker sent', async (tc) => {
    await allowLoopback(tc);
    for (const contentType of ['ENVELOPE', 'XML', 'FORM']) {
      const { wf, task } = await newWebhookWorkflow(tc, `Preview ${contentType}`, contentType);
      await t.host.services.records.create('Deals', { title: `${contentType} & co` }, { actorUserId: t.admin.id });
      await hf().worker.drain();
      await hf().worker.drain();
      const { delivery, got } = await sentFor(task.id);
      const res = await api(client, {
        workflowId: wf.id,
        taskId: task.id,
        runId: Number(delivery.run_id),
        webhookId: String(got.headers['webhook-id']),
        timestamp: Number(got.headers['webhook-timestamp']),
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.preview.body, got.body, contentType);
      assert.equal(res.body.preview.headers['content-type'], got.headers['content-type'], contentType);
      const signed = signatureHeaders({
        webhookId: res.body.preview.webhookId,
        timestampSeconds: res.body.preview.timestamp,
        body: res.body.preview.body,
        secret: SIGNING_SECRET,
      });
      assert.equal(got.headers['webhook-signature'], signed['webhook-signature'], contentType);
    }
  });

  test('a broken template is a 422 naming its row (API), and the page shows it at the row; nothing is stored', async (tc) => {
    await allowLoopback(tc);
    const { wf, task } = await newWebhookWorkflow(tc, 'Preview of a broken template');
    const options = {
      url: rx.url,
      params: [
        { name: 'deal.id', value: '$record.id' },
        { name: 'deal.title', value: '{{#if record.title}}unclosed' },
      ],
    };
    const before = await stored();
    const bad = await api(client, { workflowId: wf.id, taskId: task.id, options });
    assert.equal(bad.status, 422, JSON.stringify(bad.body));
    assert.equal(bad.body.error.code, 'validation_failed');
    assert.deepEqual(Object.keys(bad.body.error.fields), ['params.1.value']);

    const missing = await api(client, { workflowId: wf.id, taskId: task.id, recordId: 999_999 });
    assert.equal(missing.status, 422);
    assert.match(missing.body.error.fields.recordId, /does not exist/);

    // Whatever is wrong, the answer is a 422 naming a field, never a 500.
    const badInputs: Array<[unknown, string]> = [
      [{ url: rx.url, params: 'x' }, 'params'],
      [{ url: 'https://{{record.title}}.example/x' }, 'url'],
      [{ url: rx.url, headers: [{ name: 'Host', value: 'x' }] }, 'headers.0.name'],
      [{ url: rx.url, contentType: 'BITRIX24' }, '(root)'],
      [{ url: rx.url, sign: true, auth: 'basic', username: 'u' }, '(root)'],
    ];
    for (const [opts, field] of badInputs) {
      const res = await api(client, { workflowId: wf.id, type: 'webhook', options: opts });
      assert.equal(res.status, 422, `${JSON.stringify(opts)}: ${JSON.stringify(res.body)}`);
      assert.ok(field in res.body.error.fields, `${JSON.stringify(opts)} names ${field}: ${JSON.stringify(res.body)}`);
    }
    const formBad = await api(client, {
      workflowId: wf.id,
      type: 'webhook',
      form: { url: rx.url, answerTimeoutMs: 'x' },
    });
    assert.equal(formBad.status, 422);

    const strict = await api(client, { workflowId: wf.id, taskId: task.id, surprise: 1 });
    assert.equal(strict.status, 422, 'unknown keys are refused');

    const page = `${ADMIN}/workflows/${wf.id}/tasks/${task.id}`;
    const edit = await client.get(page);
    assert.match(edit.text, /formaction="[^"]*\/tasks\/\d+\/preview"/, 'the form has a Preview button');
    const fields = {
      title: 'Notify',
      url: rx.url,
      method: 'POST',
      contentType: 'JSON',
      auth: 'bearer',
      paramName: ['deal.id', 'deal.title', ''],
      paramValue: ['$record.id', '{{#if record.title}}unclosed', ''],
      previewRecordId: '',
    };
    const shown = await client.submit(page, `${page}/preview`, fields);
    assert.equal(shown.status, 422);
    const rows = shown.text.split('<div class="row row-2">');
    assert.match(rows[2], /value="\{\{#if record\.title\}\}unclosed"/, 'the typed row is kept');
    assert.match(rows[2], /class="field-error"/, 'the error is at the second parameter row');
    assert.doesNotMatch(rows[1], /class="field-error"/, 'not at the first');

    const good = await client.submit(page, `${page}/preview`, {
      ...fields,
      paramValue: ['$record.id', '{{record.title}}', ''],
    });
    assert.equal(good.status, 200);
    assert.match(good.text, /data-preview-line>POST http:\/\/127\.0\.0\.1:\d+\/hook</);
    assert.match(good.text, /<pre class="code" data-preview-body>\{&quot;deal&quot;:\{&quot;id&quot;:0,/);
    assert.match(good.text, /<dt>authorization<\/dt><dd>••••<\/dd>/, 'the bearer token is masked');

    // A task not saved yet previews too (its form page posts to tasks/new/preview).
    const newForm = `${ADMIN}/workflows/${wf.id}/tasks/new?type=webhook`;
    assert.match((await client.get(newForm)).text, /formaction="[^"]*\/tasks\/new\/preview"/);
    const fresh = await client.submit(newForm, `${ADMIN}/workflows/${wf.id}/tasks/new/preview`, {
      ...fields,
      type: 'webhook',
      auth: 'none',
      paramValue: ['$record.id', 'new {{record.title}}', ''],
    });
    assert.equal(fresh.status, 200);
    assert.match(
      fresh.text,
      /data-preview-body>\{&quot;deal&quot;:\{&quot;id&quot;:0,&quot;title&quot;:&quot;new Sample title&quot;\}\}</,
    );
    assert.equal((await hf().services.store.require(wf.id)).tasks.length, 1, 'nothing was saved');
    assert.deepEqual(await stored(), before, 'no delivery, attempt or run was stored');
  });

  test('preview is admin-only and needs the CSRF token', async (tc) => {
    const { wf, task } = await newWebhookWorkflow(tc, 'Preview access');
    const page = `${ADMIN}/workflows/${wf.id}/tasks/${task.id}`;
    const noToken = await client.post(`${page}/preview`, { title: 'x', url: rx.url });
    assert.equal(noToken.status, 403);
    const apiNoToken = await api(client, { workflowId: wf.id, taskId: task.id }, { csrf: false });
    assert.equal(apiNoToken.status, 403);
    assert.equal(apiNoToken.body.error.message, 'CSRF token missing or invalid');

    const sales = await new FormClient(t.url).login(t.sales.email, t.sales.password);
    assert.equal((await sales.post(`${page}/preview`, { title: 'x', url: rx.url }, 'whatever')).status, 403);
    assert.equal((await api(sales, { workflowId: wf.id, taskId: task.id })).status, 403);
  });
});
