/**
 * Issue 20.1: a workflow on a module the host no longer lists is flagged on the workflows page
 * and its runs are skipped (no task, no webhook, no failure alert) instead of failing per event.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';

describeEachEngine('workflows on a module the host no longer lists', (tdb) => {
  let h: TestHost;
  let admin: http.Server;
  let adminUrl = '';
  const received: string[] = [];
  const rx = http.createServer((req, res) => {
    received.push(req.url ?? '');
    res.writeHead(200).end('ok');
  });

  before(async () => {
    rx.listen(0, '127.0.0.1');
    await new Promise((r) => rx.once('listening', r));
    h = await createTestHost(tdb().db, { settings: { outboundAllowlist: ['127.0.0.1/32'] } });
    const app = express();
    app.use('/admin', h.hookflow.adminRouter);
    admin = http.createServer(app);
    await new Promise<void>((r) => admin.listen(0, '127.0.0.1', r));
    adminUrl = `http://127.0.0.1:${(admin.address() as AddressInfo).port}/admin`;
  });
  after(async () => {
    await h.close();
    for (const s of [admin, rx]) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });

  test('its queued run is skipped saying why, nothing is sent, no alert; the workflows page flags it', async () => {
    await h.records.createModule({
      name: 'Tickets',
      label: 'Tickets',
      fields: [{ name: 'title', label: 'Title', type: 'text' }],
      aliases: { bitrix24EntityTypeId: 140 },
    });
    const port = (rx.address() as AddressInfo).port;
    const wf = await h.hookflow.services.workflows.create(
      {
        module: 'Tickets',
        title: 'ticket hook',
        status: 'active',
        trigger: 'ONCRMDYNAMICITEMADD_140',
        tasks: [
          {
            type: 'webhook',
            title: 'b24',
            options: { url: `http://127.0.0.1:${port}/ticket`, contentType: 'BITRIX24' },
          },
        ],
      },
      h.admin.id,
    );
    await h.records.create('Tickets', { title: 'Broken printer' }, { actorUserId: h.admin.id });
    // The host stops listing the module before the worker gets to the run.
    await tdb().db('crm_modules').where({ name: 'Tickets' }).delete();
    await h.hookflow.worker.drain();
    const runs = await tdb().db('hookflow_runs').where({ workflow_id: wf.id });
    assert.equal(runs.length, 1);
    assert.equal(runs[0].status, 'skipped');
    assert.match(String(runs[0].error), /module Tickets no longer exists/);
    assert.deepEqual(received, [], 'no webhook');
    assert.equal(
      await tdb()
        .db('hookflow_deliveries')
        .where({ workflow_id: wf.id })
        .count({ n: '*' })
        .first()
        .then((r) => Number(r?.n)),
      0,
    );
    assert.equal(h.mails.length, 0, 'no failure alert');
    const page = await (await fetch(`${adminUrl}/workflows`)).text();
    const row = page.slice(page.indexOf('ticket hook'));
    assert.match(row.slice(0, row.indexOf('</tr>')), /module no longer exists/);
    const edit = await fetch(`${adminUrl}/workflows/${wf.id}`);
    assert.equal(edit.status, 200, 'its own page still opens');
    assert.match(await edit.text(), /Module Tickets no longer exists/);
  });
});
