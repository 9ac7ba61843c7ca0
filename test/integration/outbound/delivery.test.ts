import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import qs from 'qs';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { generateSigningSecret } from '../../../module/outbound/sign.js';
import { enqueueDelivery } from '../../../module/outbound/queue/enqueue.js';
import { getDeliveryWithAttempts, resendDelivery } from '../../../module/outbound/log-api.js';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A real receiver on 127.0.0.1:0 whose answers the test scripts. */
function startReceiver() {
  const seen: Seen[] = [];
  let answer: (req: http.IncomingMessage, res: http.ServerResponse) => void = (_q, r) => r.writeHead(200).end('ok');
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      answer(req, res);
    });
  });
  return {
    seen,
    server,
    set(fn: typeof answer) {
      answer = fn;
    },
    async listen() {
      server.listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      return (server.address() as AddressInfo).port;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

describeEachEngine('outbound delivery', (tdb) => {
  let h: TestHost;
  const rx = startReceiver();
  let port = 0;
  const secret = generateSigningSecret();
  let workflowId = 0;

  before(async () => {
    port = await rx.listen();
    h = await createTestHost(tdb().db, {
      // Its tests fail one receiver many times on purpose: holding a failing destination (tested
      // in destination-hold.test.ts) would make their outcome depend on the order they run in.
      settings: {
        outboundAllowlist: ['127.0.0.1/32'],
        retrySchedule: [1, 2],
        retryJitter: 0,
        requestTimeoutMs: 1500,
        destinationPauseAfterFailures: 0,
      },
    });
    const wf = await h.hookflow.services.workflows.create(
      {
        module: 'Deals',
        title: 'deliver',
        status: 'active',
        trigger: 'record.created',
        tasks: [
          {
            type: 'webhook',
            title: 'signed',
            options: {
              url: `http://127.0.0.1:${port}/hook?deal={{record.id}}`,
              auth: 'basic',
              username: 'acct',
              sign: true,
              params: [{ name: 'title', value: '{{record.title}}' }],
            },
            secrets: { password: 'p@ss', signingSecret: secret },
          },
        ],
      },
      h.admin.id,
    );
    workflowId = wf.id;
  });
  after(async () => {
    await h.close();
    await rx.close();
  });
  beforeEach(() => {
    rx.seen.length = 0;
  });

  // Webhook.verify insists on a JSON body, so form bodies are checked against its sign().
  const independentSignature = (got: Seen) =>
    new Webhook(secret).sign(
      String(got.headers['webhook-id']),
      new Date(Number(got.headers['webhook-timestamp']) * 1000),
      got.body,
    );
  const deliveryOf = async (recordId: number) =>
    tdb().db('hookflow_deliveries').where({ workflow_id: workflowId, record_id: recordId }).first();
  const attemptsOf = async (id: number) =>
    tdb().db('hookflow_attempts').where({ delivery_id: id }).orderBy('attempt_no');
  const makeDue = (id: number) => tdb().db('hookflow_deliveries').where({ id }).update({ next_attempt_at: 0 });

  test('2xx: success, one attempt row, Basic auth and a Standard Webhooks signature applied at send time', async () => {
    rx.set((_q, r) => r.writeHead(200, { 'x-rx': 'yes' }).end('{"ok":true}'));
    const deal = await h.records.create('Deals', { title: 'Signed' }, { actorUserId: h.admin.id });
    await h.hookflow.worker.drain();
    const d = await deliveryOf(deal.id);
    assert.equal(d.status, 'success');
    const [a] = await attemptsOf(d.id);
    assert.equal(a.outcome, 'success');
    assert.equal(a.status_code, 200);
    assert.equal(a.response_body, '{"ok":true}');
    assert.equal(JSON.parse(a.response_headers)['x-rx'], 'yes');
    // Only this delivery's requests: a retry of an earlier test's delivery (the timeout test's,
    // in reverse order) may fall due during this drain and reach the receiver first.
    const mine = rx.seen.filter((s) => s.headers['webhook-id'] === d.webhook_id);
    assert.equal(mine.length, 1, 'one request for this delivery');
    const got = mine[0];
    assert.equal(got.url, `/hook?deal=${deal.id}`);
    assert.equal(got.headers.authorization, `Basic ${Buffer.from('acct:p@ss').toString('base64')}`);
    assert.doesNotThrow(() => new Webhook(secret).verify(got.body, got.headers as Record<string, string>));
    assert.equal(got.headers['webhook-id'], d.webhook_id);
    assert.ok(
      !d.headers.includes('p@ss') && !d.headers.includes('Basic'),
      'credentials are not in the stored snapshot',
    );
  });

  test('BITRIX24: the stored body holds only the token slot; the worker sends the token the webhook has at send time, signed as sent', async (t) => {
    rx.set((_q, r) => r.writeHead(200).end('ok'));
    const token = 'b24-app-token-1+/=';
    const input = (applicationToken: string | undefined) => ({
      module: 'Deals',
      title: 'bitrix',
      status: 'active',
      trigger: 'record.updated',
      tasks: [
        {
          ...(bitrixTaskId ? { id: bitrixTaskId } : {}),
          type: 'webhook',
          title: 'b24',
          options: {
            url: `http://127.0.0.1:${port}/b24`,
            contentType: 'BITRIX24',
            sign: true,
            params: [{ name: 'TITLE', value: '{{record.title}}' }],
          },
          secrets: { signingSecret: secret, ...(applicationToken ? { applicationToken } : {}) },
        },
      ],
    });
    let bitrixTaskId = 0;
    const wf = await h.hookflow.services.workflows.create(input(token), h.admin.id);
    bitrixTaskId = wf.tasks[0].id;
    t.after(() => h.hookflow.services.workflows.setStatus(wf.id, 'inactive'));
    const deal = await h.records.create('Deals', { title: 'B24' }, { actorUserId: h.admin.id });
    rx.seen.length = 0;
    await h.records.update('Deals', deal.id, { title: 'B24 won' }, { actorUserId: h.admin.id });
    await h.hookflow.worker.drain();
    const stored = await tdb().db('hookflow_deliveries').where({ workflow_id: wf.id }).orderBy('id');
    assert.equal(stored.length, 1);
    assert.ok(
      !stored[0].body.includes('b24-app-token') && !stored[0].body.includes(encodeURIComponent(token)),
      'no token in the stored body',
    );
    assert.deepEqual((qs.parse(stored[0].body) as any).auth, { application_token: '********' });
    const got = rx.seen.find((x) => x.url === '/b24')!;
    assert.deepEqual((qs.parse(got.body) as any).auth, { application_token: token }, 'the receiver gets the token');
    assert.equal((qs.parse(got.body) as any).data.FIELDS.TITLE, 'B24 won');
    assert.equal(got.headers['webhook-signature'], independentSignature(got), 'the signature covers the bytes sent');

    // One delivery, two attempts: the first fails, the admin replaces the token, the retry carries the new one.
    rx.set((_q, r) => r.writeHead(500).end('later'));
    rx.seen.length = 0;
    await h.records.update('Deals', deal.id, { title: 'B24 rotated' }, { actorUserId: h.admin.id });
    await h.hookflow.worker.drain();
    const [, retried] = await tdb().db('hookflow_deliveries').where({ workflow_id: wf.id }).orderBy('id');
    assert.equal(retried.status, 'queued', 'waiting for its retry');
    await h.hookflow.services.workflows.update(wf.id, input('b24-app-token-2'));
    rx.set((_q, r) => r.writeHead(200).end('ok'));
    await makeDue(retried.id);
    await h.hookflow.worker.drain();
    const rotated = rx.seen.filter((x) => x.url === '/b24');
    assert.equal(rotated.length, 2);
    assert.equal(rotated[0].headers['webhook-id'], rotated[1].headers['webhook-id'], 'the same delivery');
    assert.deepEqual((qs.parse(rotated[0].body) as any).auth, { application_token: token });
    assert.deepEqual(
      (qs.parse(rotated[1].body) as any).auth,
      { application_token: 'b24-app-token-2' },
      'read at send time',
    );
    assert.equal(rotated[1].headers['webhook-signature'], independentSignature(rotated[1]));

    // Token removed: the pair is dropped, nothing fake is sent.
    const unsigned = input(undefined).tasks[0];
    await h.hookflow.services.workflows.update(wf.id, {
      ...input(undefined),
      tasks: [{ ...unsigned, options: { ...unsigned.options, sign: false }, secrets: null }],
    });
    rx.seen.length = 0;
    await h.records.update('Deals', deal.id, { title: 'B24 no token' }, { actorUserId: h.admin.id });
    await h.hookflow.worker.drain();
    const bare = rx.seen.find((x) => x.url === '/b24')!;
    assert.equal((qs.parse(bare.body) as any).auth, undefined);
    assert.equal((qs.parse(bare.body) as any).data.FIELDS.TITLE, 'B24 no token');
  });

  test('a Bitrix24 delivery stored by an earlier release (token in the body): the log shows it masked, a resend stores only the slot', async (t) => {
    rx.set((_q, r) => r.writeHead(200).end('ok'));
    const wf = await h.hookflow.services.workflows.create(
      {
        module: 'Deals',
        title: 'legacy b24',
        status: 'inactive',
        trigger: 'record.updated',
        tasks: [
          {
            type: 'webhook',
            title: 'b24',
            options: { url: `http://127.0.0.1:${port}/legacy`, contentType: 'BITRIX24' },
            secrets: { applicationToken: 'current-token' },
          },
        ],
      },
      h.admin.id,
    );
    t.after(() => h.hookflow.services.workflows.setStatus(wf.id, 'inactive'));
    const body = 'event=ONCRMDEALUPDATE&data%5BFIELDS%5D%5BID%5D=7&ts=1&auth%5Bapplication_token%5D=legacy-token';
    const id = (
      await enqueueDelivery(tdb().db, {
        webhookId: 'msg_legacyb24',
        runId: null,
        workflowId: wf.id,
        taskId: wf.tasks[0].id,
        eventType: 'record.updated',
        module: 'Deals',
        recordId: 7,
        method: 'POST',
        url: `http://127.0.0.1:${port}/legacy`,
        headers: {},
        contentType: 'application/x-www-form-urlencoded',
        body,
        originKey: null,
      })
    ).id;
    // Whatever happens below, these rows must not be sent during later tests.
    t.after(() =>
      tdb().db('hookflow_deliveries').where({ workflow_id: wf.id, status: 'queued' }).update({ status: 'failed' }),
    );
    const shown = (await getDeliveryWithAttempts(tdb().db, id)).delivery.body!;
    assert.ok(!shown.includes('legacy-token'), shown);
    assert.deepEqual((qs.parse(shown) as any).auth, { application_token: '********' });
    await assert.rejects(resendDelivery(tdb().db, id, null), { code: 'conflict' }, 'a queued delivery is not resent');
    await tdb().db('hookflow_deliveries').where({ id }).update({ status: 'failed' }); // as if its retries ran out
    const again = await resendDelivery(tdb().db, id, { name: 'Ada' });
    assert.equal(again.id, id);
    const stored = await tdb().db('hookflow_deliveries').where({ id }).first();
    assert.ok(!stored.body.includes('legacy-token'), 'the reopened delivery holds no token');
    rx.seen.length = 0;
    await h.hookflow.worker.drain();
    assert.deepEqual(
      (qs.parse(rx.seen.find((x) => x.url === '/legacy')!.body) as any).auth,
      { application_token: 'current-token' },
      'the resend carries the current token',
    );
  });

  test('500 then 200: retried on the schedule with the same webhook-id; every attempt logged', async () => {
    // The first request of each message fails, its retry succeeds (per webhook-id: a retry of an
    // earlier test's delivery may arrive meanwhile).
    const tried = new Set<unknown>();
    rx.set((q, r) => {
      const first = !tried.has(q.headers['webhook-id']);
      tried.add(q.headers['webhook-id']);
      r.writeHead(first ? 500 : 200).end(first ? 'boom' : 'fine');
    });
    const deal = await h.records.create('Deals', { title: 'Retry' }, { actorUserId: h.admin.id });
    await h.hookflow.worker.drain();
    let d = await deliveryOf(deal.id);
    assert.equal(d.status, 'queued', 'waiting for its retry');
    const [first] = await attemptsOf(d.id);
    // Measured from the attempt itself, not from the clock now (a slow machine may be past it).
    const wait = Number(d.next_attempt_at) - Number(first.started_at);
    assert.ok(wait >= 1000, `the retry is due a schedule slot (1 s) or more after the first attempt, not ${wait} ms`);
    await makeDue(d.id);
    await h.hookflow.worker.drain();
    d = await deliveryOf(deal.id);
    assert.equal(d.status, 'success');
    const attempts = await attemptsOf(d.id);
    assert.deepEqual(
      attempts.map((a: any) => [a.attempt_no, a.outcome, a.status_code]),
      [
        [1, 'http_error', 500],
        [2, 'success', 200],
      ],
    );
    // Only this delivery's requests: a retry of an earlier test's delivery may fall due meanwhile.
    const mine = rx.seen.filter((s) => s.headers['webhook-id'] === d.webhook_id);
    assert.equal(mine.length, 2, 'the first attempt and its retry, under one webhook-id');
  });

  test('retries exhausted: failed, with an alert queued; 410 on a templated URL fails that delivery only', async (t) => {
    // The webhook is enabled again after this test, also when an assertion below fails.
    t.after(() =>
      tdb()
        .db('hookflow_tasks')
        .where({ workflow_id: workflowId })
        .update({ disabled_at: null, disabled_reason: null }),
    );
    rx.set((_q, r) => r.writeHead(503).end('down'));
    const deal = await h.records.create('Deals', { title: 'Down' }, { actorUserId: h.admin.id });
    for (let i = 0; i < 3; i++) {
      await h.hookflow.worker.drain();
      const d = await deliveryOf(deal.id);
      if (d.status === 'queued') await makeDue(d.id);
    }
    const failed = await deliveryOf(deal.id);
    assert.equal(failed.status, 'failed');
    assert.equal((await attemptsOf(failed.id)).length, 3, 'first attempt + two retries');
    assert.equal((await tdb().db('hookflow_alerts').where({ delivery_id: failed.id })).length, 1);

    rx.set((_q, r) => r.writeHead(410).end('gone'));
    const gone = await h.records.create('Deals', { title: 'Gone' }, { actorUserId: h.admin.id });
    await h.hookflow.worker.drain();
    const d = await deliveryOf(gone.id);
    assert.equal(d.status, 'failed');
    assert.equal((await attemptsOf(d.id)).length, 1);
    assert.match(d.last_error, /only this delivery fails/);
    const task = await tdb().db('hookflow_tasks').where({ workflow_id: workflowId }).first();
    assert.equal(task.disabled_at, null, 'the URL carries the record id: one resource is gone, the webhook stays on');
  });

  test('a timeout and a 302 are failed attempts (redirects are not followed)', async () => {
    rx.set((q, r) => {
      if (q.url?.includes('deal=')) r.writeHead(302, { location: 'http://127.0.0.1:1/' }).end();
    });
    const deal = await h.records.create('Deals', { title: 'Redirect' }, { actorUserId: h.admin.id });
    await h.hookflow.worker.drain();
    const d = await deliveryOf(deal.id);
    const [a] = await attemptsOf(d.id);
    assert.equal(a.status_code, 302);
    assert.equal(d.status, 'queued');
    assert.equal(rx.seen.length, 1, 'the redirect target was never contacted');
    rx.set(() => {
      /* hang */
    });
    await makeDue(d.id);
    await h.hookflow.worker.drain();
    const attempts = await attemptsOf(d.id);
    assert.equal(attempts[1].outcome, 'timeout');
  });

  test('a private address that is not allowlisted is blocked at send time and fails', async (t) => {
    t.after(() => h.hookflow.services.settings.save({ outboundAllowlist: ['127.0.0.1/32'] }));
    await h.hookflow.services.settings.save({ outboundAllowlist: [] });
    rx.set((_q, r) => r.writeHead(200).end());
    const deal = await h.records.create('Deals', { title: 'Blocked' }, { actorUserId: h.admin.id });
    await h.hookflow.worker.drain();
    const run = await tdb().db('hookflow_runs').where({ workflow_id: workflowId, record_id: deal.id }).first();
    assert.equal(run.status, 'failed', 'the webhook task refuses to queue a blocked URL');
    assert.match(run.error, /not allowed|non-public|loopback/);
    assert.equal(rx.seen.length, 0);
    // Queued while allowed, sent after the allowlist was removed: the connection-level guard refuses.
    const id = (
      await enqueueDelivery(tdb().db, {
        webhookId: 'msg_blockedatsend',
        runId: null,
        workflowId,
        taskId: null,
        eventType: null,
        module: 'Deals',
        recordId: 424242,
        method: 'POST',
        url: `http://127.0.0.1:${port}/late`,
        headers: {},
        contentType: 'application/json',
        body: '{}',
        originKey: null,
      })
    ).id;
    await h.hookflow.worker.drain();
    const blocked = await tdb().db('hookflow_deliveries').where({ id }).first();
    assert.equal(blocked.status, 'failed');
    const [a] = await attemptsOf(id);
    assert.equal(a.outcome, 'blocked');
    assert.match(a.error, /not allowed/);
    assert.equal(rx.seen.length, 0, 'nothing reached the receiver');
  });
});
