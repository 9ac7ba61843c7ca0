/**
 * Issue 14, finding 3: a flood of bad requests from one address is capped by the per-IP limit
 * like any other request, and it cannot flush other sources out of the refused-requests log
 * (which keeps only the newest `refusedLogSize` rows). Clients are told apart through
 * X-Forwarded-For from the trusted proxy 127.0.0.1, so each test uses fresh addresses.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { startInboundServer, type InboundServer } from '../../helpers/inbound-server.js';
import { pruneHistory } from '../../../module/retention.js';
import { REFUSAL_AGGREGATION } from '../../../module/inbound/refusal-policy.js';

const LIMIT = 20;
const FLOOD = 150;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describeEachEngine('inbound: a flood of refused requests from one address', (tdb) => {
  let h: TestHost;
  let srv: InboundServer;
  const rows = async () => Number((await tdb().db('hookflow_http_refusals').count({ n: '*' }))[0].n);
  const from = (ip: string) => ({ ...FORM, 'x-forwarded-for': ip });

  before(async () => {
    h = await createTestHost(tdb().db, {
      settings: { inboundPerIpPerMinute: LIMIT, refusedLogSize: 10, trustedProxies: ['127.0.0.1'] },
    });
    srv = await startInboundServer(h.hookflow);
  });
  after(async () => {
    await srv.close();
    await h.close();
  });

  test('bad control parameters: 400 up to the per-IP limit, then 429; a bounded number of rows; other sources kept', async () => {
    const other = await srv.post('?trigger=nothere&record_id=0', { body: 'a=1', headers: from('198.51.100.7') });
    assert.equal(other.status, 403);
    const rowsBefore = await rows();

    const statuses: number[] = [];
    for (let i = 0; i < FLOOD; i++)
      statuses.push((await srv.post('?workflow_id=abc', { body: 'a=1', headers: from('203.0.113.5') })).status);
    assert.deepEqual(statuses.slice(0, LIMIT), Array(LIMIT).fill(400), 'bad requests under the limit are answered 400');
    assert.deepEqual(
      statuses.slice(LIMIT),
      Array(FLOOD - LIMIT).fill(429),
      'from the limit on, 429 — before the parameters are even parsed',
    );

    assert.ok(
      (await rows()) - rowsBefore <= 1,
      `the flood wrote ${(await rows()) - rowsBefore} rows; one row counts all of them`,
    );
    await pruneHistory({ db: tdb().db, settings: () => h.hookflow.services.settings.get(), logger: h.logger });
    const { refusals } = await h.hookflow.services.refusals.list(50);
    const flood = refusals.filter((r) => r.ip === '203.0.113.5');
    assert.equal(flood.length, 1);
    assert.equal(flood[0].status, 400);
    assert.equal(flood[0].repeats, LIMIT - 1, 'the 400s are counted on the row; the 429s are not logged');
    assert.ok(
      refusals.some((r) => r.ip === '198.51.100.7' && r.target === 'trigger nothere'),
      'the entry of the other source survived the flood and the retention chore',
    );
  });

  test('refusals that differ get rows of their own, but one source never holds more than the cap', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT; i++)
      statuses.push(
        (await srv.post(`?trigger=t${i}&record_id=0`, { body: 'a=1', headers: from('203.0.113.6') })).status,
      );
    assert.deepEqual(statuses, Array(LIMIT).fill(403));
    const mine = (await h.hookflow.services.refusals.list(500)).refusals.filter((r) => r.ip === '203.0.113.6');
    assert.equal(mine.length, REFUSAL_AGGREGATION.maxRowsPerSource, 'one row per target until the cap');
    assert.equal(
      mine.reduce((n, r) => n + 1 + r.repeats, 0),
      LIMIT,
      'every refusal is counted somewhere',
    );
  });

  test('an IPv6 flood is one source per /56, like the per-IP limit', async () => {
    for (let i = 1; i <= 5; i++) {
      const r = await srv.post('?workflow_id=abc', { body: 'a=1', headers: from(`2001:db8:0:1${i}::${i}`) });
      assert.equal(r.status, 400);
    }
    const mine = (await h.hookflow.services.refusals.list(500)).refusals.filter((r) => r.ip.startsWith('2001:db8:0:1'));
    assert.equal(mine.length, 1, 'five addresses of one /56 share a row');
    assert.equal(mine[0].repeats, 4);
  });
});
