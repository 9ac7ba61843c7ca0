/** The webhook form: rows, auth and write-only secrets both ways, urlFromData, and its view model. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModuleInfo } from '../../../../../module/host.js';
import { webhookForm } from '../../../../../module/workflows/tasks/webhook/form.js';
import { webhookTask } from '../../../../../module/workflows/tasks/webhook/task.js';

const modules: ModuleInfo[] = [
  {
    name: 'Deals',
    label: 'Deals',
    fields: [
      { name: 'title', label: 'Title', type: 'text' },
      { name: 'stage', label: 'Stage', type: 'picklist', options: ['Open'] },
    ],
  },
];
const workflow = { module: 'Deals', requiredEnv: [{ name: 'email', type: 'email' as const, required: true }] };

test('webhook form: rows, auth, write-only secrets; its options pass the webhook schema', () => {
  const parsed = webhookForm.fromBody({
    url: ' https://acct.example/hook ',
    method: 'PUT',
    contentType: 'XML',
    auth: 'basic',
    username: 'u',
    password: 'p',
    token: '',
    applicationToken: '',
    paramName: ['deal.id', '', 'deal.title'],
    paramValue: ['$record.id', '', '{{record.title}}'],
    headerName: ['X-Source', ''],
    headerValue: ['crm', ''],
    sign: '1',
    xmlRoot: 'deal',
  });
  assert.deepEqual(parsed.secrets, { password: 'p' }, 'only typed secrets are sent; empty ones keep the stored values');
  const options = webhookTask.options.parse(parsed.options);
  assert.deepEqual(options.params, [
    { name: 'deal.id', value: '$record.id' },
    { name: 'deal.title', value: '{{record.title}}' },
  ]);
  assert.equal(options.url, 'https://acct.example/hook');
  assert.equal(options.sign, true);
  assert.equal(options.xmlRoot, 'deal');
  const back = webhookForm.fromOptions(options);
  assert.deepEqual(back.params, parsed.values.params);
});

test('webhook view: never carries secret values, only whether they are set; errors go to their row', () => {
  const values = webhookForm.fromOptions({ url: 'https://x.example', params: [{ name: 'a', value: 1 }] });
  const view = webhookForm.view(values, {
    workflow,
    modules,
    users: [],
    secretsSet: ['password', 'signingSecret'],
    errors: { 'params.0.name': 'bad' },
  }) as Record<string, any>;
  assert.equal(view.passwordSet, true);
  assert.equal(view.tokenSet, false);
  assert.equal(view.signingSecretSet, true);
  assert.deepEqual(view.paramRows[0], { name: 'a', value: '1', errors: { name: 'bad' } });
  assert.equal(view.paramRows.length, 4);
  assert.ok(!JSON.stringify(view).includes('whsec_'));
});

test('the "whole URL is one value" box becomes urlFromData and comes back checked', () => {
  const on = webhookTask.options.parse(
    webhookForm.fromBody({
      url: '{{env.callback}}',
      urlFromData: '1',
      method: 'POST',
      contentType: 'JSON',
      auth: 'none',
    }).options,
  ) as { urlFromData: boolean };
  assert.equal(on.urlFromData, true);
  assert.equal(webhookForm.fromOptions(on).urlFromData, true);
  const off = webhookTask.options.parse(
    webhookForm.fromBody({ url: 'https://a.example/{{env.x}}', method: 'POST', contentType: 'JSON', auth: 'none' })
      .options,
  ) as { urlFromData: boolean };
  assert.equal(off.urlFromData, false);
});

test('a signing secret is generated when signing is switched on without one, or on rotate; never otherwise', () => {
  const secret = webhookForm.generatedSecret!;
  assert.equal(secret.name, 'signingSecret');
  assert.equal(secret.wanted({ sign: true }, []), true, 'signing without a stored secret');
  assert.equal(secret.wanted({ sign: true }, ['signingSecret']), false, 'a stored secret is kept');
  assert.equal(secret.wanted({ sign: false, rotateSecret: true }, ['signingSecret']), true, 'rotate asked for');
  assert.equal(secret.wanted({ sign: false }, []), false);
  assert.match(secret.generate(), /^whsec_/);
});
