/** The webhook task against fake collaborators (no I/O). */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { webhookTask } from '../../../../../module/workflows/tasks/webhook/task.js';
import { WAITED_DELIVERY_GRACE_MS } from '../../../../../module/workflows/tasks/webhook/wait-for-answer.js';
import type { DeliveryQueue } from '../../../../../module/workflows/task-types.js';
import { fakeContext, validation } from '../fake-context.js';

describe('webhook', () => {
  test('renders URL, params and headers into a queued delivery snapshot (no credentials in it)', async () => {
    const { ctx, calls } = fakeContext({
      settings: { outboundAllowlist: ['127.0.0.1/32'] },
      secrets: { password: 'hunter2' },
    });
    const opts = webhookTask.options.parse({
      url: 'http://127.0.0.1:8080/r/{{record.id}}',
      auth: 'basic',
      username: 'u',
      params: [
        { name: 'items.0.sku', value: 'A' },
        { name: 'amount', value: '$record.amount' },
      ],
      headers: [{ name: 'X-Trace', value: 'run-{{event.type}}' }],
    });
    const out = (await webhookTask.run(opts, ctx)) as Record<string, unknown>;
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
    await webhookTask.run(
      webhookTask.options.parse({
        url: 'http://127.0.0.1/q?x=1',
        method: 'GET',
        params: [{ name: 'a.b', value: 'c d' }],
      }),
      ctx,
    );
    const d = calls[0].args[0] as Record<string, any>;
    assert.equal(d.body, null);
    assert.equal(new URL(d.url).searchParams.get('a[b]'), 'c d');
    const blocked = fakeContext();
    await assert.rejects(
      webhookTask.run(webhookTask.options.parse({ url: 'http://{{env.h}}/' }), {
        ...blocked.ctx,
        tpl: { ...blocked.tpl, env: { h: '169.254.169.254' } },
      }),
      /URL/,
    );
  });
  test('save-time checks: URL guard, param paths, header names/values, basic needs username', () => {
    const errs = webhookTask.validate!(
      webhookTask.options.parse({
        url: 'http://10.0.0.1/',
        auth: 'basic',
        params: [{ name: 'a.__proto__', value: 1 }],
      }),
      validation(),
    );
    assert.ok(errs.url && errs.username && errs['params.0.name'], JSON.stringify(errs));
    assert.equal(
      webhookTask.options.safeParse({ url: 'https://x.example', headers: [{ name: 'X-A', value: 'a\nb' }] }).success,
      false,
    );
    assert.equal(
      webhookTask.options.safeParse({ url: 'https://x.example', headers: [{ name: 'Content-Length', value: '1' }] })
        .success,
      false,
    );
    assert.equal(webhookTask.secrets!.safeParse({ signingSecret: 'nope' }).success, false);
    assert.deepEqual(
      webhookTask.validate!(webhookTask.options.parse({ url: 'https://hooks.example.com/x' }), validation()),
      {},
    );
  });
});

test('summary: method, URL, content type, auth and signing in one line', () => {
  assert.equal(
    webhookTask.summary({ url: 'https://a.example', method: 'POST', contentType: 'JSON', auth: 'bearer', sign: true }),
    'POST https://a.example · JSON · bearer auth · signed',
  );
});

describe('webhook that waits for the answer', () => {
  test('its delivery is due for the lane only after the answer timeout and a grace; others are due now', async () => {
    const { ctx, calls } = fakeContext({ settings: { outboundAllowlist: ['127.0.0.1/32'] } });
    const sent: number[] = [];
    const queue: DeliveryQueue = {
      ...ctx.services.deliveries,
      sendNow: async (id) => {
        sent.push(id);
        return { status: 'success', statusCode: 200, body: '{"ok":1}', contentType: 'application/json', error: null };
      },
    };
    (ctx.services as { deliveries: DeliveryQueue }).deliveries = queue;
    const waited = webhookTask.options.parse({ url: 'http://127.0.0.1/a', waitForAnswer: true, answerTimeoutMs: 4000 });
    const out = (await webhookTask.run(waited, ctx)) as Record<string, unknown>;
    assert.deepEqual(out.response, { ok: 1 });
    assert.deepEqual(sent, [42], 'the run sent it itself');
    assert.equal((calls[0].args[0] as { dueInMs?: number }).dueInMs, 4000 + WAITED_DELIVERY_GRACE_MS);
    await webhookTask.run(webhookTask.options.parse({ url: 'http://127.0.0.1/b' }), ctx);
    assert.ok(!(calls[1].args[0] as { dueInMs?: number }).dueInMs, 'a plain webhook is due now');
  });
});
