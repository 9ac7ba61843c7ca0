/** Each task type against fake collaborators (no I/O). */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createTemplateEngine, type TemplateContext } from '../../../../module/workflows/templates.js';
import type { TaskRunContext, RunResponse } from '../../../../module/workflows/task-types.js';
import { resolveSettings } from '../../../../module/config.js';
import { setEnvTask } from '../../../../module/workflows/tasks/set-env.js';
import { respondTask } from '../../../../module/workflows/tasks/respond.js';
import { createRecordTask } from '../../../../module/workflows/tasks/create-record.js';
import { updateRecordTask } from '../../../../module/workflows/tasks/update-record.js';
import { sendEmailTask } from '../../../../module/workflows/tasks/send-email.js';
import { webhookTask } from '../../../../module/workflows/tasks/webhook.js';
import { createTaskRegistry } from '../../../../module/workflows/tasks/index.js';

const modules = [{ name: 'Leads', label: 'Leads', fields: [{ name: 'lastname', label: 'Last', type: 'text' as const }, { name: 'email', label: 'E', type: 'email' as const }] }];

function fakeContext(over: { env?: Record<string, unknown>; recordId?: number | null; secrets?: Record<string, string>; settings?: Record<string, unknown> } = {}) {
  const engine = createTemplateEngine();
  const calls: Array<{ op: string; args: unknown[] }> = [];
  let response: RunResponse | null = null;
  const tpl: TemplateContext = {
    env: { ...(over.env ?? {}) },
    record: { id: 7, lastname: 'Old', amount: 10 },
    previous: null,
    event: { type: 'record.created', time: '2026-01-01T00:00:00.000Z' },
    user: { id: 3, name: 'Owner', email: 'owner@example.com' },
  };
  const settings = resolveSettings(over.settings ?? {});
  const host = {
    records: {
      create: async (...args: unknown[]) => { calls.push({ op: 'create', args }); return { id: 99, module: args[0], ownerUserId: 1, fields: args[1], createdAt: '', updatedAt: '' }; },
      update: async (...args: unknown[]) => { calls.push({ op: 'update', args }); return { id: args[1], module: args[0], ownerUserId: 1, fields: { lastname: 'New', amount: 10 }, createdAt: '', updatedAt: '' }; },
    },
    users: { get: async (id: number) => (id === 3 ? { id: 3, name: 'Owner', email: 'owner@example.com', active: true, isAdmin: false } : id === 4 ? { id: 4, name: 'Gone', email: 'g@example.com', active: false, isAdmin: false } : null) },
    mailer: { sendMail: async (m: unknown) => { calls.push({ op: 'mail', args: [m] }); return {}; } },
    mailFrom: 'crm@example.com',
  };
  const ctx = {
    run: { id: 5, workflowId: 2, workflowTitle: 'W', module: 'Leads', recordId: over.recordId === undefined ? 7 : over.recordId, source: 'http', eventType: 'record.created', chainDepth: 1, actorUserId: 3 },
    task: { id: 11, type: 't', title: 'T' },
    tpl,
    secrets: over.secrets ?? {},
    services: {
      host: host as never, db: null as never, settings: () => settings,
      render: (v: unknown, o?: { escapeHtml?: boolean }) => engine.render(v, tpl, o),
      renderString: (t: string, o?: { escapeHtml?: boolean }) => engine.renderString(t, tpl, o),
      deliveries: { enqueue: async (d: { webhookId: string }) => { calls.push({ op: 'enqueue', args: [d] }); return { id: 42, webhookId: d.webhookId }; } },
    },
    setResponse: (r: RunResponse) => { response = r; },
  } satisfies TaskRunContext;
  return { ctx, calls, tpl, response: () => response };
}

const validation = (workflowModule = 'Leads') => ({ workflowModule, modules, checkTemplate: () => null, settings: resolveSettings({}) });

describe('task registry', () => {
  test('has every task type, each with a zod options schema and run()', () => {
    const reg = createTaskRegistry();
    assert.deepEqual([...reg.keys()].sort(), ['create_record', 'respond', 'send_email', 'set_env', 'update_record', 'webhook']);
    for (const def of reg.values()) { assert.equal(typeof def.run, 'function'); assert.equal(typeof def.options.safeParse, 'function'); }
  });
});

describe('set_env', () => {
  test('sets values in order; later values see earlier ones; types kept for single references', async () => {
    const { ctx, tpl } = fakeContext({ env: { n: 5 } });
    const out = await setEnvTask.run(setEnvTask.options.parse({ values: [{ name: 'a', value: '$env.n' }, { name: 'b', value: 'x{{env.a}}' }] }), ctx);
    assert.deepEqual(out, { set: { a: 5, b: 'x5' } });
    assert.equal(tpl.env.a, 5);
  });
  test('refuses dotted or forbidden names', () => {
    assert.equal(setEnvTask.options.safeParse({ values: [{ name: '__proto__', value: 1 }] }).success, false);
    assert.equal(setEnvTask.options.safeParse({ values: [{ name: 'a.b', value: 1 }] }).success, false);
  });
});

describe('respond', () => {
  test('renders body and redirect; refuses javascript: and header-splitting redirects', async () => {
    const { ctx, response } = fakeContext({ env: { created: 12 } });
    await respondTask.run(respondTask.options.parse({ body: { id: '$env.created' }, redirectUrl: 'https://shop.example/thanks?id={{env.created}}' }), ctx);
    assert.deepEqual(response(), { status: undefined, body: { id: 12 }, redirectUrl: 'https://shop.example/thanks?id=12' });
    const bad = fakeContext({ env: { next: 'javascript:alert(1)' } });
    await assert.rejects(respondTask.run(respondTask.options.parse({ redirectUrl: '{{env.next}}' }), bad.ctx), /redirect URL/);
    assert.deepEqual(respondTask.validate!(respondTask.options.parse({ redirectUrl: 'ftp://x' }), validation()), { redirectUrl: 'must be an http(s) URL' });
    assert.equal(respondTask.options.safeParse({}).success, false, 'needs something to respond with');
  });
});

describe('create_record', () => {
  test('creates from $env with chain depth + 1 and stores the new id in $env', async () => {
    const { ctx, calls, tpl } = fakeContext({ env: { lastname: 'Smith' } });
    const out = await createRecordTask.run(createRecordTask.options.parse({ module: 'Leads', fields: [{ field: 'lastname', value: '$env["lastname"]' }] }), ctx);
    assert.deepEqual(out, { module: 'Leads', recordId: 99 });
    assert.equal(tpl.env.created_record_id, 99);
    const [module, fields, opts] = calls[0].args as [string, Record<string, unknown>, { origin: { chainDepth: number; runId: number } }];
    assert.equal(module, 'Leads');
    assert.deepEqual(fields, { lastname: 'Smith' });
    assert.deepEqual(opts.origin, { runId: 5, chainDepth: 2 });
  });
  test('save-time check names unknown fields and modules', () => {
    assert.deepEqual(createRecordTask.validate!(createRecordTask.options.parse({ module: 'Leads', fields: [{ field: 'nope', value: 1 }] }), validation()), { 'fields.0.field': 'Leads has no field nope' });
    assert.ok(createRecordTask.validate!(createRecordTask.options.parse({ module: 'Ships', fields: [{ field: 'x', value: 1 }] }), validation()).module);
  });
});

describe('update_record', () => {
  test('updates the run record and refreshes record for later tasks', async () => {
    const { ctx, calls, tpl } = fakeContext();
    await updateRecordTask.run(updateRecordTask.options.parse({ fields: [{ field: 'lastname', value: 'New' }] }), ctx);
    assert.deepEqual(calls[0].args.slice(0, 3), ['Leads', 7, { lastname: 'New' }]);
    assert.equal(tpl.record?.lastname, 'New');
  });
  test('related record by templated id; refuses non-integer ids and runs without a record', async () => {
    const { ctx, calls } = fakeContext({ env: { acc: '31' } });
    await updateRecordTask.run(updateRecordTask.options.parse({ module: 'Accounts', recordId: '{{env.acc}}', fields: [{ field: 'city', value: 'X' }] }), ctx);
    assert.deepEqual(calls[0].args.slice(0, 2), ['Accounts', 31]);
    const bad = fakeContext({ env: { acc: '1 OR 1=1' } });
    await assert.rejects(updateRecordTask.run(updateRecordTask.options.parse({ module: 'Accounts', recordId: '{{env.acc}}', fields: [{ field: 'city', value: 'X' }] }), bad.ctx), /not a positive integer/);
    const none = fakeContext({ recordId: null });
    await assert.rejects(updateRecordTask.run(updateRecordTask.options.parse({ fields: [{ field: 'lastname', value: 'X' }] }), none.ctx), /no record/);
  });
});

describe('send_email', () => {
  test('mails the owner with rendered subject; line breaks in the subject cannot inject headers', async () => {
    const { ctx, calls } = fakeContext({ env: { s: 'Hi\r\nBcc: evil@example.com' } });
    await sendEmailTask.run(sendEmailTask.options.parse({ to: { kind: 'owner' }, subject: '{{env.s}}', body: 'Body {{record.lastname}}' }), ctx);
    const mail = calls[0].args[0] as Record<string, string>;
    assert.equal(mail.to, 'owner@example.com');
    assert.equal(mail.subject, 'Hi Bcc: evil@example.com');
    assert.equal(mail.text, 'Body Old');
  });
  test('templated address must be one valid address; inactive users refused; HTML escapes values', async () => {
    const inj = fakeContext({ env: { to: 'a@example.com\r\nBcc: b@example.com' } });
    await assert.rejects(sendEmailTask.run(sendEmailTask.options.parse({ to: { kind: 'address', address: '{{env.to}}' }, subject: 's', body: 'b' }), inj.ctx), /recipient address/);
    const two = fakeContext({ env: { to: 'a@example.com, b@example.com' } });
    await assert.rejects(sendEmailTask.run(sendEmailTask.options.parse({ to: { kind: 'address', address: '{{env.to}}' }, subject: 's', body: 'b' }), two.ctx), /recipient address/);
    const gone = fakeContext();
    await assert.rejects(sendEmailTask.run(sendEmailTask.options.parse({ to: { kind: 'user', userId: 4 }, subject: 's', body: 'b' }), gone.ctx), /not active/);
    const html = fakeContext({ env: { name: '<script>x</script>' } });
    await sendEmailTask.run(sendEmailTask.options.parse({ to: { kind: 'owner' }, subject: 's', body: '<p>{{env.name}}</p>', html: true }), html.ctx);
    assert.equal((html.calls[0].args[0] as Record<string, string>).html, '<p>&lt;script&gt;x&lt;/script&gt;</p>');
    assert.deepEqual(sendEmailTask.validate!(sendEmailTask.options.parse({ to: { kind: 'address', address: 'not-an-address' }, subject: 's', body: 'b' }), validation()), { 'to.address': 'is not a single valid email address' });
  });
});

describe('webhook', () => {
  test('renders URL, params and headers into a queued delivery snapshot (no credentials in it)', async () => {
    const { ctx, calls } = fakeContext({ settings: { outboundAllowlist: ['127.0.0.1/32'] }, secrets: { password: 'hunter2' } });
    const opts = webhookTask.options.parse({ url: 'http://127.0.0.1:8080/r/{{record.id}}', auth: 'basic', username: 'u', params: [{ name: 'items.0.sku', value: 'A' }, { name: 'amount', value: '$record.amount' }], headers: [{ name: 'X-Trace', value: 'run-{{event.type}}' }] });
    const out = await webhookTask.run(opts, ctx) as Record<string, unknown>;
    assert.equal(out.deliveryId, 42);
    const d = calls[0].args[0] as Record<string, any>;
    assert.equal(d.url, 'http://127.0.0.1:8080/r/7');
    assert.deepEqual(JSON.parse(d.body), { items: [{ sku: 'A' }], amount: 10 });
    assert.equal(d.headers['X-Trace'], 'run-record.created');
    assert.equal(d.originKey, 'run:5:task:11');
    assert.ok(!JSON.stringify(d).includes('hunter2'));
  });
  test('GET puts parameters in the query string; private targets refused at send without allowlist', async () => {
    const { ctx, calls } = fakeContext({ settings: { outboundAllowlist: ['127.0.0.1/32'] } });
    await webhookTask.run(webhookTask.options.parse({ url: 'http://127.0.0.1/q?x=1', method: 'GET', params: [{ name: 'a.b', value: 'c d' }] }), ctx);
    const d = calls[0].args[0] as Record<string, any>;
    assert.equal(d.body, null);
    assert.equal(new URL(d.url).searchParams.get('a[b]'), 'c d');
    const blocked = fakeContext();
    await assert.rejects(webhookTask.run(webhookTask.options.parse({ url: 'http://{{env.h}}/' }), { ...blocked.ctx, tpl: { ...blocked.tpl, env: { h: '169.254.169.254' } } }), /URL/);
  });
  test('save-time checks: URL guard, param paths, header names/values, basic needs username', () => {
    const errs = webhookTask.validate!(webhookTask.options.parse({ url: 'http://10.0.0.1/', auth: 'basic', params: [{ name: 'a.__proto__', value: 1 }] }), validation());
    assert.ok(errs.url && errs.username && errs['params.0.name'], JSON.stringify(errs));
    assert.equal(webhookTask.options.safeParse({ url: 'https://x.example', headers: [{ name: 'X-A', value: 'a\nb' }] }).success, false);
    assert.equal(webhookTask.options.safeParse({ url: 'https://x.example', headers: [{ name: 'Content-Length', value: '1' }] }).success, false);
    assert.equal(webhookTask.secrets!.safeParse({ signingSecret: 'nope' }).success, false);
    assert.deepEqual(webhookTask.validate!(webhookTask.options.parse({ url: 'https://hooks.example.com/x' }), validation()), {});
  });
});
