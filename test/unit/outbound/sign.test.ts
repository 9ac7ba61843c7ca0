import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import {
  generateSigningSecret,
  newWebhookId,
  signatureHeaders,
  signingSecretProblem,
  signPayload,
} from '../../../module/outbound/sign.js';

const body = JSON.stringify({ type: 'deal.updated', data: { id: 7, note: 'ümlaut 😀' } });
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('secrets and ids', () => {
  test('generateSigningSecret: whsec_ + base64 of 24 bytes, unique', () => {
    const secret = generateSigningSecret();
    assert.match(secret, /^whsec_[A-Za-z0-9+/]{32}$/);
    assert.equal(Buffer.from(secret.slice(6), 'base64').length, 24);
    assert.notEqual(generateSigningSecret(), secret);
    assert.equal(signingSecretProblem(secret), null);
  });

  test('newWebhookId: msg_ + at least 26 url-safe characters', () => {
    const id = newWebhookId();
    assert.match(id, /^msg_[A-Za-z0-9_-]{26,}$/);
    assert.notEqual(newWebhookId(), id);
  });

  test('signingSecretProblem refuses bad secrets', () => {
    assert.match(signingSecretProblem('abc') ?? '', /whsec_/);
    assert.match(signingSecretProblem('whsec_') ?? '', /base64/);
    assert.match(signingSecretProblem('whsec_!!!!') ?? '', /base64/);
    assert.match(signingSecretProblem(`whsec_${Buffer.alloc(8).toString('base64')}`) ?? '', /24-64 bytes/);
  });
});

describe('signPayload', () => {
  test('matches HMAC-SHA256 of "id.timestamp.body" with the decoded key', () => {
    const secret = generateSigningSecret();
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`msg_abc.1700000000.${body}`).digest('base64');
    assert.equal(signPayload({ webhookId: 'msg_abc', timestampSeconds: 1700000000, body, secret }), `v1,${expected}`);
  });

  test('refuses bad input instead of signing it', () => {
    const secret = generateSigningSecret();
    assert.throws(() => signPayload({ webhookId: 'msg_1', timestampSeconds: 1.5, body, secret }), /timestampSeconds/);
    assert.throws(() => signPayload({ webhookId: 'a.b', timestampSeconds: 1, body, secret }), /webhookId/);
    assert.throws(
      () => signPayload({ webhookId: 'msg_1', timestampSeconds: 1, body, secret: 'nope' }),
      /signing secret/,
    );
  });
});

describe('interoperability with the standardwebhooks package', () => {
  test('Webhook.verify accepts our headers', () => {
    const secret = generateSigningSecret();
    const headers = signatureHeaders({ webhookId: newWebhookId(), timestampSeconds: nowSeconds(), body, secret });
    assert.deepEqual(Object.keys(headers).sort(), ['webhook-id', 'webhook-signature', 'webhook-timestamp']);
    assert.deepEqual(new Webhook(secret).verify(body, { ...headers }), JSON.parse(body));
  });

  test('Webhook.verify rejects a tampered body, a wrong secret and a changed id', () => {
    const secret = generateSigningSecret();
    const headers = signatureHeaders({ webhookId: newWebhookId(), timestampSeconds: nowSeconds(), body, secret });
    assert.throws(() => new Webhook(secret).verify(body.replace('7', '8'), { ...headers }));
    assert.throws(() => new Webhook(generateSigningSecret()).verify(body, { ...headers }));
    assert.throws(() => new Webhook(secret).verify(body, { ...headers, 'webhook-id': newWebhookId() }));
  });

  test('our signature equals the reference implementation', () => {
    const secret = generateSigningSecret();
    const id = newWebhookId();
    const ts = nowSeconds();
    assert.equal(
      signPayload({ webhookId: id, timestampSeconds: ts, body, secret }),
      new Webhook(secret).sign(id, new Date(ts * 1000), body),
    );
  });
});
