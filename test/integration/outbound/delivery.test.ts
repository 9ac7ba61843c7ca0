import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { generateSigningSecret } from '../../../module/outbound/sign.js';
import { enqueueDelivery } from '../../../module/outbound/enqueue.js';

interface Seen { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }

/** A real receiver on 127.0.0.1:0 whose answers the test scripts. */
function startReceiver() {
  const seen: Seen[] = [];
  let answer: (req: http.IncomingMessage, res: http.ServerResponse) => void = (_q, r) => r.writeHead(200).end('ok');
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => { seen.push({ method: req.method!, url: req.url!, headers: req.headers, body }); answer(req, res); });
  });
  return {
    seen, server,
    set(fn: typeof answer) { answer = fn; },
    async listen() { server.listen(0, '127.0.0.1'); await new Promise((r) => server.once('listening', r)); return (server.address() as AddressInfo).port; },
    async close() { server.closeAllConnections(); await new Promise((r) => server.close(r)); },
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
    h = await createTestHost(tdb().db, { settings: { outboundAllowlist: ['127.0.0.1/32'], retrySchedule: [1, 2], retryJitter: 0, requestTimeoutMs: 1500 } });
    const wf = await h.hookflow.services.workflows.create({
      module: 'Deals', title: 'deliver', status: 'active', trigger: 'record.created',
      tasks: [{ type: 'webhook', title: 'signed', options: { url: `http://127.0.0.1:${port}/hook?deal={{record.id}}`, auth: 'basic', username: 'acct', sign: true, params: [{ name: 'title', value: '{{record.title}}' }] }, secrets: { password: 'p@ss', signingSecret: secret } }],
    }, h.admin.id);
    workflowId = wf.id;
  });
  after(async () => { await h.close(); await rx.close(); });
  beforeEach(() => { rx.seen.length = 0; });

  const deliveryOf = async (recordId: number) => tdb().db('hookflow_deliveries').where({ workflow_id: workflowId, record_id: recordId }).first();
  const attemptsOf = async (id: number) => tdb().db('hookflow_attempts').where({ delivery_id: id }).orderBy('attempt_no');
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
    const got = rx.seen[0];
    assert.equal(got.url, `/hook?deal=${deal.id}`);
    assert.equal(got.headers.authorization, `Basic ${Buffer.from('acct:p@ss').toString('base64')}`);
    assert.doesNotThrow(() => new Webhook(secret).verify(got.body, got.headers as Record<string, string>));
    assert.equal(got.headers['webhook-id'], d.webhook_id);
    assert.ok(!d.headers.includes('p@ss') && !d.headers.includes('Basic'), 'credentials are not in the stored snapshot');
  });

  test('500 then 200: retried on the schedule with the same webhook-id; every attempt logged', async () => {
    let n = 0;
    rx.set((_q, r) => { n++; r.writeHead(n === 1 ? 500 : 200).end(n === 1 ? 'boom' : 'fine'); });
    const deal = await h.records.create('Deals', { title: 'Retry' }, { actorUserId: h.admin.id });
    await h.hookflow.worker.drain();
    let d = await deliveryOf(deal.id);
    assert.equal(d.status, 'queued', 'waiting for its retry');
    assert.ok(Number(d.next_attempt_at) > Date.now() - 100, 'retry is in the future');
    await makeDue(d.id);
    await h.hookflow.worker.drain();
    d = await deliveryOf(deal.id);
    assert.equal(d.status, 'success');
    const attempts = await attemptsOf(d.id);
    assert.deepEqual(attempts.map((a: any) => [a.attempt_no, a.outcome, a.status_code]), [[1, 'http_error', 500], [2, 'success', 200]]);
    assert.equal(rx.seen.length, 2);
    assert.equal(rx.seen[0].headers['webhook-id'], rx.seen[1].headers['webhook-id']);
  });

  test('retries exhausted: failed, with an alert queued; 410 fails at once and disables the webhook', async () => {
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
    const task = await tdb().db('hookflow_tasks').where({ workflow_id: workflowId }).first();
    assert.ok(task.disabled_at, 'webhook disabled');
    assert.match(task.disabled_reason, /410/);
    await tdb().db('hookflow_tasks').where({ id: task.id }).update({ disabled_at: null, disabled_reason: null });
  });

  test('a timeout and a 302 are failed attempts (redirects are not followed)', async () => {
    rx.set((q, r) => { if (q.url?.includes('deal=')) r.writeHead(302, { location: 'http://127.0.0.1:1/' }).end(); });
    const deal = await h.records.create('Deals', { title: 'Redirect' }, { actorUserId: h.admin.id });
    await h.hookflow.worker.drain();
    const d = await deliveryOf(deal.id);
    const [a] = await attemptsOf(d.id);
    assert.equal(a.status_code, 302);
    assert.equal(d.status, 'queued');
    assert.equal(rx.seen.length, 1, 'the redirect target was never contacted');
    rx.set(() => { /* hang */ });
    await makeDue(d.id);
    await h.hookflow.worker.drain();
    const attempts = await attemptsOf(d.id);
    assert.equal(attempts[1].outcome, 'timeout');
  });

  test('a private address that is not allowlisted is blocked at send time and fails', async () => {
    await h.hookflow.services.settings.save({ outboundAllowlist: [] });
    rx.set((_q, r) => r.writeHead(200).end());
    const deal = await h.records.create('Deals', { title: 'Blocked' }, { actorUserId: h.admin.id });
    await h.hookflow.worker.drain();
    const run = await tdb().db('hookflow_runs').where({ workflow_id: workflowId, record_id: deal.id }).first();
    assert.equal(run.status, 'failed', 'the webhook task refuses to queue a blocked URL');
    assert.match(run.error, /not allowed|non-public|loopback/);
    assert.equal(rx.seen.length, 0);
    // Queued while allowed, sent after the allowlist was removed: the connection-level guard refuses.
    const id = await enqueueDelivery(tdb().db, { webhookId: 'msg_blockedatsend', runId: null, workflowId, taskId: null, eventType: null, module: 'Deals', recordId: 424242, method: 'POST', url: `http://127.0.0.1:${port}/late`, headers: {}, contentType: 'application/json', body: '{}', originKey: null });
    await h.hookflow.worker.drain();
    const blocked = await tdb().db('hookflow_deliveries').where({ id }).first();
    assert.equal(blocked.status, 'failed');
    const [a] = await attemptsOf(id);
    assert.equal(a.outcome, 'blocked');
    assert.match(a.error, /not allowed/);
    assert.equal(rx.seen.length, 0, 'nothing reached the receiver');
    await h.hookflow.services.settings.save({ outboundAllowlist: ['127.0.0.1/32'] });
  });
});
