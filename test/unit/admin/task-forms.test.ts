import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModuleInfo } from '../../../module/host.js';
import { TASK_FORMS, taskSummary, valueReferences } from '../../../module/admin/pages/task-forms.js';
import { createTaskRegistry } from '../../../module/workflows/tasks/index.js';

const modules: ModuleInfo[] = [{ name: 'Deals', label: 'Deals', fields: [{ name: 'title', label: 'Title', type: 'text' }, { name: 'stage', label: 'Stage', type: 'picklist', options: ['Open'] }] }];
const workflow = { module: 'Deals', requiredEnv: [{ name: 'email', type: 'email' as const, required: true }] };
const registry = createTaskRegistry();

test('every task type has a form', () => {
  assert.deepEqual(Object.keys(TASK_FORMS).sort(), [...registry.keys()].sort());
});

test('webhook form: rows, auth, write-only secrets; its options pass the webhook schema', () => {
  const parsed = TASK_FORMS.webhook.fromBody({
    url: ' https://acct.example/hook ', method: 'PUT', contentType: 'XML', auth: 'basic', username: 'u', password: 'p', token: '', applicationToken: '',
    paramName: ['deal.id', '', 'deal.title'], paramValue: ['$record.id', '', '{{record.title}}'], headerName: ['X-Source', ''], headerValue: ['crm', ''], sign: '1', xmlRoot: 'deal',
  });
  assert.deepEqual(parsed.secrets, { password: 'p' }, 'only typed secrets are sent; empty ones keep the stored values');
  const options = registry.get('webhook')!.options.parse(parsed.options);
  assert.deepEqual(options.params, [{ name: 'deal.id', value: '$record.id' }, { name: 'deal.title', value: '{{record.title}}' }]);
  assert.equal(options.url, 'https://acct.example/hook');
  assert.equal(options.sign, true);
  assert.equal(options.xmlRoot, 'deal');
  const back = TASK_FORMS.webhook.fromOptions(options);
  assert.deepEqual(back.params, parsed.values.params);
});

test('webhook view: never carries secret values, only whether they are set; errors go to their row', () => {
  const values = TASK_FORMS.webhook.fromOptions({ url: 'https://x.example', params: [{ name: 'a', value: 1 }] });
  const view = TASK_FORMS.webhook.view(values, { workflow, modules, users: [], secretsSet: ['password', 'signingSecret'], errors: { 'params.0.name': 'bad' } }) as Record<string, any>;
  assert.equal(view.passwordSet, true);
  assert.equal(view.tokenSet, false);
  assert.equal(view.signingSecretSet, true);
  assert.deepEqual(view.paramRows[0], { name: 'a', value: '1', errors: { name: 'bad' } });
  assert.equal(view.paramRows.length, 4);
  assert.ok(!JSON.stringify(view).includes('whsec_'));
});

test('record, mail, $env and respond forms produce options their schemas accept', () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['create_record', { targetModule: 'Deals', fieldName: ['title', ''], fieldValue: ['$env["email"]', ''], envName: 'new_id' }],
    ['update_record', { targetModule: '', recordId: '{{record.account_id}}', fieldName: ['stage'], fieldValue: ['Won'] }],
    ['send_email', { toKind: 'address', address: '{{env.email}}', subject: 'Hi', body: 'Hello', html: '1' }],
    ['send_email', { toKind: 'user', userId: '7', subject: 'Hi', body: 'Hello' }],
    ['set_env', { envName: ['total', ''], envValue: ['{{record.amount}}', ''] }],
    ['respond', { status: '201', body: '{"ok": true}', redirectUrl: '' }],
  ];
  for (const [type, body] of cases) {
    const parsed = TASK_FORMS[type].fromBody(body);
    const result = registry.get(type)!.options.safeParse(parsed.options);
    assert.ok(result.success, `${type}: ${JSON.stringify(result.error?.issues)}`);
    assert.deepEqual(TASK_FORMS[type].fromBody(body).values, parsed.values);
  }
  assert.deepEqual(registry.get('update_record')!.options.parse(TASK_FORMS.update_record.fromBody({ recordId: '42', fieldName: ['stage'], fieldValue: ['Won'] }).options).recordId, 42);
});

test('respond form reports JSON that does not parse instead of saving it', () => {
  const parsed = TASK_FORMS.respond.fromBody({ body: '{oops', status: '', redirectUrl: '' });
  assert.match(parsed.errors?.body ?? '', /is not valid JSON/);
});

test('value references and summaries', () => {
  const refs = valueReferences(workflow, modules).map((r) => r.value);
  assert.deepEqual(refs.slice(0, 4), ['{{record.id}}', '{{record.title}}', '{{record.stage}}', '{{env.email}}']);
  assert.equal(taskSummary({ type: 'webhook', options: { url: 'https://a.example', method: 'POST', contentType: 'JSON', auth: 'bearer', sign: true } }), 'POST https://a.example · JSON · bearer auth · signed');
  assert.equal(taskSummary({ type: 'respond', options: { redirectUrl: '/thanks' } }), 'Redirects to /thanks');
});
