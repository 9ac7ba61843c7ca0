/**
 * Echo suppression (issue 21.4): the accounting round trip. A person updates a deal → the
 * "deal updated → accounting" webhook (system "accounting") sends it to a real receiver, which
 * answers and posts the invoice status back through the short URL (a permission naming the
 * system "accounting", an update_record workflow) → the deal is updated by a run that came from
 * accounting → the webhook to accounting is skipped for that update ("skipped: came from
 * accounting") and the receiver got exactly one request; a webhook to another system still
 * gets the change, and a person's next update still goes to accounting.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { startInboundServer, type InboundServer } from '../../helpers/inbound-server.js';
import { waitFor } from '../../helpers/wait.js';

interface Received {
  path: string;
  body: any;
}

describeEachEngine('echo suppression: an accounting round trip sends nothing back', (tdb) => {
  let h: TestHost;
  let srv: InboundServer;
  let rx: http.Server;
  let base = '';
  let fromAccountingId = 0;
  let toAccountingId = 0;
  const received: Received[] = [];
  /** The answers of accounting's posts back through the short URL. */
  const postedBack: Array<Promise<{ status: number; text: string }>> = [];
  const db = () => tdb().db;

  before(async () => {
    rx = http
      .createServer((req, res) => {
        let raw = '';
        req.setEncoding('utf8');
        req.on('data', (c) => (raw += c));
        req.on('end', () => {
          const body = JSON.parse(raw || '{}');
          received.push({ path: req.url ?? '', body });
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
          // Accounting books the invoice and tells the CRM, through the short URL.
          if (req.url === '/accounting')
            postedBack.push(
              srv.post(`?workflow_id=${fromAccountingId}&record_id=${body.deal}`, {
                body: JSON.stringify({ invoice: `INV-${body.deal}-${body.title}` }),
                headers: { 'content-type': 'application/json' },
              }),
            );
        });
      })
      .listen(0, '127.0.0.1');
    await new Promise((r) => rx.once('listening', r));
    base = `http://127.0.0.1:${(rx.address() as AddressInfo).port}`;
    h = await createTestHost(db(), { settings: { outboundAllowlist: ['127.0.0.1/32'], retryJitter: 0 } });
    const wf = h.hookflow.services.workflows;
    const params = [
      { name: 'deal', value: '{{record.id}}' },
      { name: 'title', value: '{{record.title}}' },
    ];
    toAccountingId = (
      await wf.create(
        {
          module: 'Deals',
          title: 'Deal updated → accounting',
          status: 'active',
          trigger: 'record.updated',
          tasks: [
            {
              type: 'webhook',
              title: 'to accounting',
              options: { url: `${base}/accounting`, params, system: 'accounting' },
            },
            {
              type: 'webhook',
              title: 'to warehouse',
              options: { url: `${base}/warehouse`, params, system: 'warehouse' },
            },
          ],
        },
        h.admin.id,
      )
    ).id;
    fromAccountingId = (
      await wf.create(
        {
          module: 'Deals',
          title: 'Invoice from accounting',
          status: 'active',
          trigger: 'http',
          execMode: 'sync',
          tasks: [
            {
              type: 'update_record',
              title: 'note the invoice',
              options: { fields: [{ field: 'invoice_id', value: '{{env.invoice}}' }] },
            },
          ],
        },
        h.admin.id,
      )
    ).id;
    // Spelled differently from the webhook's system: names are compared case-insensitively.
    await h.hookflow.services.permissions.create({
      title: 'accounting system',
      workflowId: fromAccountingId,
      sources: '127.0.0.1',
      externalSystem: 'Accounting',
    });
    srv = await startInboundServer(h.hookflow);
  });
  after(async () => {
    await srv.close();
    rx.closeAllConnections();
    await new Promise((r) => rx.close(r));
    await h.close();
  });

  /** Works every queued run and delivery, including those accounting's post back starts. */
  async function settle(expectedPostBacks: number) {
    await h.hookflow.worker.drain();
    await waitFor('accounting to post back', 10_000, () => postedBack.length >= expectedPostBacks);
    for (const answer of await Promise.all(postedBack)) assert.equal(answer.status, 200, answer.text);
    await h.hookflow.worker.drain();
  }

  const runsOf = async (dealId: number) =>
    db()('hookflow_runs').where({ workflow_id: toAccountingId, record_id: dealId }).orderBy('id');

  test("accounting's answer, posted back through the short URL, updates the deal and is not sent back to accounting", async () => {
    const deal = await h.records.create('Deals', { title: 'Ada' }, { actorUserId: h.sales.id });
    await h.records.update('Deals', deal.id, { title: 'Ada Ltd' }, { actorUserId: h.sales.id });
    await settle(1);

    const updated = await h.records.get('Deals', deal.id);
    assert.equal(updated?.fields.invoice_id, `INV-${deal.id}-Ada Ltd`, 'the answer posted back updated the deal');
    const toAccounting = received.filter((r) => r.path === '/accounting' && Number(r.body.deal) === deal.id);
    assert.equal(toAccounting.length, 1, 'accounting got exactly one request: nothing echoed back');

    const inbound = await db()('hookflow_runs').where({ workflow_id: fromAccountingId, record_id: deal.id }).first();
    assert.equal(inbound.origin_system, 'Accounting', "the HTTP run carries its permission's system");
    const [first, echo] = await runsOf(deal.id);
    assert.equal(first.origin_system, null, "a person's change comes from no system");
    assert.ok(echo, "accounting's update started the workflow (it was not silently dropped)");
    assert.equal(echo.origin_system, 'Accounting', "the run started by accounting's change knows where it came from");
    assert.equal(echo.status, 'succeeded');
    const [accountingTask, warehouseTask] = JSON.parse(echo.task_results);
    assert.equal(accountingTask.status, 'skipped');
    assert.equal(accountingTask.reason, 'skipped: came from Accounting');
    assert.equal(warehouseTask.status, 'succeeded', 'a webhook to another system still gets the change');
    const deliveries = await db()('hookflow_deliveries').where({ run_id: echo.id });
    assert.equal(deliveries.length, 1, 'only the warehouse delivery was queued for the echo');
    assert.equal(
      received.filter((r) => r.path === '/warehouse' && Number(r.body.deal) === deal.id).length,
      2,
      'the warehouse got both updates',
    );
  });

  test("a person's next update still goes to accounting", async () => {
    const before = received.filter((r) => r.path === '/accounting').length;
    const deal = await h.records.create('Deals', { title: 'Bo' }, { actorUserId: h.sales.id });
    await h.records.update('Deals', deal.id, { amount: 5 }, { actorUserId: h.sales.id });
    await settle(postedBack.length + 1);
    await h.records.update('Deals', deal.id, { amount: 6 }, { actorUserId: h.sales.id });
    await settle(postedBack.length + 1);
    const toAccounting = received.filter((r) => r.path === '/accounting' && Number(r.body.deal) === deal.id);
    assert.equal(toAccounting.length, 2, "each person's update went to accounting, its echo did not");
    assert.equal(received.filter((r) => r.path === '/accounting').length, before + 2);
    const statuses = (await runsOf(deal.id)).map((r: any) => JSON.parse(r.task_results)[0].status);
    assert.deepEqual(statuses, ['succeeded', 'skipped', 'succeeded', 'skipped']);
  });
});
