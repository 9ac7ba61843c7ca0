/**
 * "Save from the response": an accounting receiver answering {"invoice":{"id":"INV-7"}} ends
 * with invoice_id = INV-7 on the deal (as the run's actor, origin hookflow: the chain-depth limit
 * applies to what the write starts); an edit made meanwhile is reported, never overwritten; an
 * answer that is not JSON, lacks the path or is longer than the read limit fails the delivery
 * and says why; bad rows are a 422 at save.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { serveAdminApi, type AdminApi } from '../../helpers/admin-api.js';

describeEachEngine('webhook answers written back onto the record', (tdb) => {
  let h: TestHost;
  let api: AdminApi;
  let rx: http.Server;
  let base = '';
  const db = () => tdb().db;
  /** Runs inside the receiver before it answers /conflict: a person edits the deal meanwhile. */
  let meanwhile: (() => Promise<unknown>) | null = null;

  before(async () => {
    rx = http
      .createServer((req, res) => {
        req.resume();
        req.on('end', async () => {
          if (req.url === '/conflict' && meanwhile) await meanwhile();
          const json = (status: number, body: unknown) =>
            res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
          if (req.url === '/invoices' || req.url === '/conflict')
            return json(201, { invoice: { id: 'INV-7', lines: [1] } });
          if (req.url === '/text') return res.writeHead(200, { 'content-type': 'text/plain' }).end('thanks');
          if (req.url === '/object') return json(200, { invoice: { id: { nested: true } } });
          if (req.url === '/big') return json(200, { invoice: { id: 'INV-8' }, pad: 'x'.repeat(3000) });
          return json(200, { other: 1 });
        });
      })
      .listen(0, '127.0.0.1');
    await new Promise((r) => rx.once('listening', r));
    base = `http://127.0.0.1:${(rx.address() as AddressInfo).port}`;
    h = await createTestHost(db(), {
      settings: {
        outboundAllowlist: ['127.0.0.1/32'],
        retrySchedule: [1],
        retryJitter: 0,
        responseBodyLimitBytes: 2048,
      },
    });
    api = await serveAdminApi(h);
  });
  after(async () => {
    await api.close();
    rx.closeAllConnections();
    await new Promise((r) => rx.close(r));
    await h.close();
  });

  const saveInvoice = [{ path: '$.invoice.id', field: 'invoice_id' }];
  async function webhook(title: string, path: string, saveResponse: unknown = saveInvoice) {
    return h.hookflow.services.workflows.create(
      {
        module: 'Deals',
        title,
        status: 'active',
        trigger: 'record.created',
        conditions: { join: 'all', conditions: [{ field: 'title', op: 'contains', value: title }] },
        tasks: [
          {
            type: 'webhook',
            title: `${title} hook`,
            options: { url: `${base}${path}`, params: [{ name: 'title', value: '{{record.title}}' }], saveResponse },
          },
        ],
      },
      h.admin.id,
    );
  }
  async function dealThroughHook(title: string) {
    const deal = await h.records.create('Deals', { title }, { actorUserId: h.sales.id });
    await h.hookflow.worker.drain();
    const delivery = await db()('hookflow_deliveries').where({ record_id: deal.id }).first();
    const attempts = await db()('hookflow_attempts').where({ delivery_id: delivery.id }).orderBy('attempt_no');
    return { deal: (await h.records.get('Deals', deal.id))!, delivery, attempts };
  }

  test("a 2xx answer fills invoice_id, as the run's actor, and starts workflows one chain step deeper", async () => {
    await webhook('Invoice', '/invoices');
    const follow = await h.hookflow.services.workflows.create(
      {
        module: 'Deals',
        title: 'On invoice',
        status: 'active',
        trigger: 'record.updated',
        conditions: { join: 'all', conditions: [{ field: 'invoice_id', op: 'is_not_empty' }] },
        tasks: [
          { type: 'set_env', title: 'note', options: { values: [{ name: 'seen', value: '{{record.invoice_id}}' }] } },
        ],
      },
      h.admin.id,
    );
    const { deal, delivery, attempts } = await dealThroughHook('Invoice for Ada');
    assert.equal(deal.fields.invoice_id, 'INV-7');
    assert.equal(delivery.status, 'success');
    assert.match(attempts[0].write_back, /saved invoice_id = "INV-7" on Deals record/);
    const followRun = await db()('hookflow_runs').where({ workflow_id: follow.id, record_id: deal.id }).first();
    assert.ok(followRun, 'the write-back is a record update that starts record.updated workflows');
    assert.equal(Number(followRun.chain_depth), 1, 'one chain step deeper than the run whose webhook wrote it');
    assert.equal(Number(followRun.actor_user_id), h.sales.id, 'written as the actor of the run (who created the deal)');

    const shown = await api.call('GET', `/deliveries/${delivery.id}`);
    assert.equal(shown.status, 200);
    assert.match(shown.body.attempts[0].writeBack, /saved invoice_id = "INV-7"/);
  });

  test('an edit made while the request was out is reported, not overwritten, and alerts', async () => {
    await webhook('Clash', '/conflict');
    meanwhile = async () => {
      const [row] = await db()('crm_records').where({ module: 'Deals' }).orderBy('id', 'desc').limit(1).select('id');
      await h.records.update('Deals', Number(row.id), { invoice_id: 'TYPED-BY-HAND' }, { actorUserId: h.admin.id });
    };
    const { deal, delivery, attempts } = await dealThroughHook('Clash deal');
    meanwhile = null;
    assert.equal(deal.fields.invoice_id, 'TYPED-BY-HAND', "the person's edit stands");
    assert.equal(delivery.status, 'failed');
    assert.match(
      delivery.last_error,
      /HTTP 201, but the answer was not saved: invoice_id changed since the delivery was queued \(was empty, now "TYPED-BY-HAND"\)/,
    );
    assert.equal(attempts.length, 1, 'not retried: sending again would not change the answer');
    assert.equal(attempts[0].status_code, 201);
    const alert = await db()('hookflow_alerts').where({ delivery_id: delivery.id }).first();
    assert.ok(alert, 'the failure is alerted like any other');
  });

  test('an answer that is not JSON, lacks the path, holds an object there, or is cut at the limit fails, saying so', async () => {
    const cases: Array<[string, RegExp]> = [
      ['/text', /the answer is not JSON \(text\/plain\)/],
      ['/nothing', /the answer has no \$\.invoice\.id/],
      ['/object', /\$\.invoice\.id is an object, not a value for invoice_id/],
      ['/big', /the answer is longer than 2048 bytes, so it was not read for saving/],
    ];
    for (const [path, reason] of cases) {
      await webhook(`Case ${path}`, path);
      const { deal, delivery } = await dealThroughHook(`Case ${path} deal`);
      assert.equal(delivery.status, 'failed', path);
      assert.match(delivery.last_error, reason, path);
      assert.equal(deal.fields.invoice_id ?? null, null, `${path}: nothing written`);
    }
  });

  test('at save: a path that is not a plain JSON path, a field the module lacks, or an unknown key is a 422 naming it', async () => {
    const post = (saveResponse: unknown) =>
      api.call('POST', '/workflows', {
        module: 'Deals',
        title: 'Bad rows',
        trigger: 'record.created',
        tasks: [{ type: 'webhook', title: 'hook', options: { url: `${base}/invoices`, saveResponse } }],
      });
    const bad = await post([
      { path: '$..id', field: 'invoice_id' },
      { path: 'invoice.id', field: 'invoice_id' },
      { path: '$.a[?(@.x)]', field: 'invoice_id' },
      { path: '$.id', field: 'no_such' },
    ]);
    assert.equal(bad.status, 422, JSON.stringify(bad.body));
    const fields = bad.body.error.fields as Record<string, string>;
    assert.match(fields['tasks.0.options.saveResponse.0.path'], /use \.name, \['name'\] or \[index\] steps/);
    assert.match(fields['tasks.0.options.saveResponse.1.path'], /must start with \$/);
    assert.match(fields['tasks.0.options.saveResponse.2.path'], /no wildcards or filters/);
    assert.match(fields['tasks.0.options.saveResponse.3.field'], /Deals has no field no_such/);
    const unknown = await post([{ path: '$.id', field: 'invoice_id', overwrite: true }]);
    assert.equal(unknown.status, 422);
    assert.match(JSON.stringify(unknown.body.error.fields), /overwrite/);
    assert.equal(
      (await api.call('GET', '/workflows')).body.workflows.filter((w: { title: string }) => w.title === 'Bad rows')
        .length,
      0,
    );
  });
});
