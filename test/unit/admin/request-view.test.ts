/**
 * How Preview and "Send test" show a request (admin/request-view.ts): the sender's own headers for
 * the attempt with credentials and the signature masked, webhook-id and timestamp kept, and the
 * body as sent except a Bitrix24 application token.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { showRequest } from '../../../module/admin/request-view.js';
import { asDelivery } from '../../../module/admin/task-request.js';
import { APPLICATION_TOKEN_SLOT } from '../../../module/outbound/bodies.js';
import { requestToSend, WebhookOptions } from '../../../module/outbound/webhook-request.js';

const SECRET = 'whsec_' + Buffer.alloc(24, 3).toString('base64');

function snapshot(body: string, headers: Record<string, string> = {}) {
  return asDelivery({
    webhookId: 'msg_fixed',
    runId: 0,
    workflowId: 1,
    taskId: 2,
    eventType: 'record.updated',
    module: 'Deals',
    recordId: 5,
    method: 'POST',
    url: 'https://hooks.example/in?x=1',
    headers: { 'content-type': 'application/json', ...headers },
    contentType: 'application/json',
    body,
    originKey: null,
  });
}

test('credentials, secret-looking headers and the signature are masked; webhook-id, timestamp and the rest are shown', () => {
  const d = snapshot('{"a":1}', { 'X-Api-Key': 'k-1', 'X-Source': 'crm' });
  const options = WebhookOptions.parse({ url: d.url, auth: 'bearer', sign: true });
  const shown = showRequest(
    d,
    requestToSend(d, options, { token: 'tok', signingSecret: SECRET }),
    1_700_000_000,
    false,
  );
  assert.equal(shown.method, 'POST');
  assert.equal(shown.url, 'https://hooks.example/in?x=1');
  assert.equal(shown.body, '{"a":1}');
  assert.deepEqual(shown.headers, {
    'user-agent': 'Hookflow/0.1 (+webhook)',
    'content-type': 'application/json',
    'X-Api-Key': '••••',
    'X-Source': 'crm',
    authorization: '••••',
    'webhook-id': 'msg_fixed',
    'webhook-timestamp': '1700000000',
    'webhook-signature': '••••',
  });
  assert.ok(!JSON.stringify(shown).includes('tok'));
});

test('unsigned: the webhook-id is still sent and shown', () => {
  const d = snapshot('{}');
  const shown = showRequest(d, requestToSend(d, null, {}), 1, false);
  assert.equal(shown.headers['webhook-id'], 'msg_fixed');
  assert.equal(shown.headers['webhook-timestamp'], undefined);
});

test('a Bitrix24 body shows the placeholder where the token goes, and no pair when there is no token', () => {
  const d = snapshot(`event=ONCRMDEALUPDATE&ts=1&${APPLICATION_TOKEN_SLOT}`);
  const withToken = showRequest(d, requestToSend(d, null, { applicationToken: 'app-secret' }), 1, true);
  assert.equal(withToken.body, `event=ONCRMDEALUPDATE&ts=1&${APPLICATION_TOKEN_SLOT}`);
  assert.ok(!withToken.body?.includes('app-secret'));
  const without = showRequest(d, requestToSend(d, null, {}), 1, false);
  assert.equal(without.body, 'event=ONCRMDEALUPDATE&ts=1');
});
