/** Hostile record titles in a templated webhook URL never change the request target (real receiver). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost } from '../../helpers/test-host.js';

describeEachEngine('templated webhook URLs', (tdb) => {
  test('path and query values arrive percent-encoded; a host from data is refused at save', async (t) => {
    const seen: string[] = [];
    const rx = http
      .createServer((req, res) => {
        seen.push(String(req.url));
        req.resume();
        res.writeHead(204).end();
      })
      .listen(0, '127.0.0.1');
    await new Promise((r) => rx.once('listening', r));
    t.after(
      () =>
        new Promise((r) => {
          rx.closeAllConnections();
          rx.close(r);
        }),
    );
    const base = `http://127.0.0.1:${(rx.address() as AddressInfo).port}`;
    const h = await createTestHost(tdb().db, { settings: { outboundAllowlist: ['127.0.0.1/32'] } });
    t.after(() => h.close());
    const service = h.hookflow.services.workflows;
    await service.create(
      {
        module: 'Deals',
        title: 'path',
        status: 'active',
        trigger: 'record.created',
        tasks: [{ type: 'webhook', title: 'w', options: { url: `${base}/ok/{{record.title}}?who={{record.title}}` } }],
      },
      h.admin.id,
    );
    for (const title of ['../../admin?x=1#frag', 'a&role=admin', '%2e%2e', 'x\r\ny'])
      await h.records.create('Deals', { title }, { actorUserId: h.admin.id });
    await h.hookflow.worker.drain();
    assert.deepEqual(
      seen.sort(),
      [
        '/ok/%252e%252e?who=%252e%252e',
        '/ok/..%2F..%2Fadmin%3Fx%3D1%23frag?who=..%2F..%2Fadmin%3Fx%3D1%23frag',
        '/ok/a%26role%3Dadmin?who=a%26role%3Dadmin',
        '/ok/x%0D%0Ay?who=x%0D%0Ay',
      ].sort(),
    );

    await assert.rejects(
      service.create(
        {
          module: 'Deals',
          title: 'host',
          trigger: 'record.created',
          tasks: [{ type: 'webhook', title: 'w', options: { url: 'https://{{record.title}}/x' } }],
        },
        null,
      ),
      (err: Error & { fields?: Record<string, string> }) =>
        /scheme, host and port must be written out/.test(err.fields?.['tasks.0.options.url'] ?? ''),
    );

    // A title that is exactly ".." fails that run (nothing sent) instead of changing the path.
    const before = seen.length;
    await h.records.create('Deals', { title: '..' }, { actorUserId: h.admin.id });
    await h.hookflow.worker.drain();
    assert.equal(seen.length, before);
    const failed = await tdb().db('hookflow_runs').where({ status: 'failed' }).orderBy('id', 'desc').first();
    assert.match(failed.error, /dot segment/);
  });
});
