import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchShortPath, shortUrlOf } from '../../../module/inbound/short-url.js';
import { idempotencyKeyOf } from '../../../module/inbound/idempotency.js';
import { buildExamples } from '../../../module/inbound/examples.js';

test('short path: the path itself, or one token segment below it', () => {
  assert.deepEqual(matchShortPath('/', '/'), {});
  assert.deepEqual(matchShortPath('/hft_abc', '/'), { token: 'hft_abc' });
  assert.equal(matchShortPath('/a/b', '/'), null);
  assert.deepEqual(matchShortPath('/lead', '/lead'), {});
  assert.deepEqual(matchShortPath('/lead/', '/lead'), {});
  assert.deepEqual(matchShortPath('/lead/tok', '/lead'), { token: 'tok' });
  assert.equal(matchShortPath('/leadx', '/lead'), null);
  assert.equal(matchShortPath('/', '/lead'), null);
});

test('short URL: base URL + mount + short path', () => {
  assert.equal(shortUrlOf('https://crm.example/', '/wf', '/'), 'https://crm.example/wf');
  assert.equal(shortUrlOf('https://crm.example', '/wf', '/go'), 'https://crm.example/wf/go');
});

test('idempotency key: header first, then webhook-id, then clientMutationId; malformed refused', () => {
  assert.equal(idempotencyKeyOf({ 'idempotency-key': 'a', 'webhook-id': 'b' }, { clientMutationId: 'c' }), 'a');
  assert.equal(idempotencyKeyOf({ 'webhook-id': 'b' }, { clientMutationId: 'c' }), 'b');
  assert.equal(idempotencyKeyOf({}, { clientMutationId: 'c' }), 'c');
  assert.equal(idempotencyKeyOf({}, {}), null);
  assert.throws(() => idempotencyKeyOf({ 'idempotency-key': 'has space' }, {}));
  assert.throws(() => idempotencyKeyOf({ 'idempotency-key': 'x'.repeat(201) }, {}));
});

test('examples: PHP like the seed, curl and an escaped HTML form with the honeypot hidden', () => {
  const ex = buildExamples({
    shortUrl: 'https://crm.example/wf',
    permission: { workflowId: null, triggerName: 'leadform', hasToken: false, honeypotField: 'website' },
    fields: ['lastname', 'email'],
  });
  assert.equal(ex.url, 'https://crm.example/wf?trigger=leadform&record_id=0');
  assert.match(ex.php, /\$fields_string \.= \$key\.'='\.urlencode\(\$value\)\.'&';/);
  assert.match(ex.curl, /--data-urlencode 'email=jane@example.com'/);
  assert.match(ex.html, /action="https:\/\/crm\.example\/wf\?trigger=leadform&amp;record_id=0"/);
  assert.match(ex.html, /name="website"[^>]*aria-hidden="true"/);
  const quoted = buildExamples({
    shortUrl: 'https://x.example/wf',
    permission: { workflowId: 7, triggerName: null, hasToken: true, honeypotField: null },
    fields: ["it's"],
  });
  assert.match(quoted.curl, /'it'\\''s=value'/);
  assert.match(quoted.curl, /Authorization: Bearer YOUR_TOKEN/);
});
