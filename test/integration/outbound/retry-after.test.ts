import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { enqueueDelivery } from '../../../module/outbound/queue/enqueue.js';
import { dbNowMs } from '../../../module/storage/engine.js';

const CAP_SECONDS = 600;
const SLOT_SECONDS = 30;

describeEachEngine('Retry-After on 429/503', (tdb) => {
  let h: TestHost;
  let server: http.Server;
  let url = '';
  // The test scripts the next answers: [status, headers] per request, in order.
  const answers: Array<[number, Record<string, string>]> = [];
  const seenIds: string[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      seenIds.push(String(req.headers['webhook-id']));
      req.resume();
      const [status, headers] = answers.shift() ?? [200, {}];
      req.on('end', () => res.writeHead(status, headers).end(String(status)));
    });
    server.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    // A 30 s schedule slot: a later retry time can only come from Retry-After, and no retry
    // becomes due during the test (each drain sends only the delivery under test).
    h = await createTestHost(tdb().db, {
      settings: {
        outboundAllowlist: ['127.0.0.1/32'],
        retrySchedule: [SLOT_SECONDS, 60],
        retryJitter: 0,
        retryAfterCapSeconds: CAP_SECONDS,
      },
    });
  });
  after(async () => {
    await h.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  // Each case is about its own delivery's retry time. A 429 before it also paused the whole
  // destination (rate-limit.test.ts tests that), so every case starts with no pause.
  const liftPauses = () => tdb().db('hookflow_destination_rates').del();

  /** Sends one attempt answered with `status`/`headers`; returns the delay until the retry, in ms. */
  async function retryDelayAfter(
    status: number,
    headers: Record<string, string>,
  ): Promise<{ id: number; delayMs: number; slackMs: number }> {
    await liftPauses();
    const id = (
      await enqueueDelivery(tdb().db, {
        webhookId: `msg_${randomUUID()}`,
        runId: null,
        workflowId: null,
        taskId: null,
        eventType: null,
        module: 'Deals',
        recordId: 1,
        method: 'POST',
        url,
        headers: {},
        contentType: 'application/json',
        body: '{}',
        originKey: null,
      })
    ).id;
    answers.push([status, headers]);
    const t0 = await dbNowMs(tdb().db);
    await h.hookflow.worker.drain();
    const t1 = await dbNowMs(tdb().db);
    const d = await tdb().db('hookflow_deliveries').where({ id }).first();
    assert.equal(d.status, 'queued', `${status} is retried`);
    assert.equal(d.last_status_code, status);
    return { id, delayMs: Number(d.next_attempt_at) - t0, slackMs: t1 - t0 };
  }

  const within = (actual: number, expected: number, slack: number, what: string) =>
    assert.ok(
      actual >= expected && actual <= expected + slack + 50,
      `${what}: retry after ${actual} ms, expected ${expected} ms (+${slack} ms)`,
    );

  test('429 with Retry-After in seconds: the retry waits that long instead of the 30 s slot', async () => {
    const r = await retryDelayAfter(429, { 'retry-after': '120' });
    within(r.delayMs, 120_000, r.slackMs, '429 Retry-After: 120');
    const [a] = await tdb().db('hookflow_attempts').where({ delivery_id: r.id });
    assert.equal(JSON.parse(a.response_headers)['retry-after'], '120', 'the header is logged with the attempt');
  });

  test('503 with an HTTP-date: honoured, and capped at retryAfterCapSeconds', async () => {
    const dbNow = await dbNowMs(tdb().db);
    const inFiveMinutes = new Date(Math.ceil((dbNow + 300_000) / 1000) * 1000).toUTCString();
    const near = await retryDelayAfter(503, { 'retry-after': inFiveMinutes });
    assert.ok(
      Math.abs(near.delayMs - 300_000) < 2000 + near.slackMs,
      `HTTP-date 5 min ahead: retry after ${near.delayMs} ms`,
    );
    const far = await retryDelayAfter(503, { 'retry-after': new Date(dbNow + 86_400_000).toUTCString() });
    within(far.delayMs, CAP_SECONDS * 1000, far.slackMs, 'a day ahead is capped');
    const huge = await retryDelayAfter(429, { 'retry-after': '99999999' });
    within(huge.delayMs, CAP_SECONDS * 1000, huge.slackMs, 'huge delta-seconds are capped');
  });

  test('Retry-After is ignored on other statuses and when unreadable; the schedule applies', async () => {
    const on500 = await retryDelayAfter(500, { 'retry-after': '300' });
    within(on500.delayMs, SLOT_SECONDS * 1000, on500.slackMs, '500 follows the schedule');
    const garbage = await retryDelayAfter(429, { 'retry-after': 'soon, please' });
    within(
      garbage.delayMs,
      SLOT_SECONDS * 1000,
      garbage.slackMs,
      'an unreadable Retry-After falls back to the schedule',
    );
    const past = await retryDelayAfter(503, { 'retry-after': 'Thu, 01 Jan 2015 00:00:00 GMT' });
    within(past.delayMs, SLOT_SECONDS * 1000, past.slackMs, 'a date in the past falls back to the schedule');
  });

  test('once due, the retry goes out with the same webhook-id and succeeds', async () => {
    const r = await retryDelayAfter(429, { 'retry-after': '90' });
    await h.hookflow.worker.drain();
    assert.equal(
      (await tdb().db('hookflow_deliveries').where({ id: r.id }).first()).status,
      'queued',
      'not before its time',
    );
    seenIds.length = 0;
    await tdb().db('hookflow_deliveries').where({ id: r.id }).update({ next_attempt_at: 0 });
    await liftPauses();
    await h.hookflow.worker.drain();
    const d = await tdb().db('hookflow_deliveries').where({ id: r.id }).first();
    assert.equal(d.status, 'success');
    assert.deepEqual(seenIds, [d.webhook_id]);
  });
});
