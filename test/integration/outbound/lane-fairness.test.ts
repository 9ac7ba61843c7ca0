/**
 * Lane fairness (issue 16.5): four hanging receivers, each allowed perHostConcurrency requests,
 * could hold every lane of a worker; deliveries to destinations that answer must still flow.
 */
import { test, before, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeEachEngine } from '../../helpers/engines.js';
import { waitFor } from '../../helpers/wait.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { enqueueTestDelivery } from '../../helpers/deliveries.js';

/** A receiver on 127.0.0.1:0; a hanging one answers nothing until close() drops its connections. */
async function startReceiver(hang: boolean) {
  const stats = { seen: 0, inFlight: 0 };
  const server = http.createServer((req, res) => {
    stats.seen++;
    stats.inFlight++;
    res.on('close', () => stats.inFlight--);
    req.resume();
    if (!hang) req.on('end', () => res.writeHead(200).end('ok'));
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return {
    stats,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

describeEachEngine('lane fairness', (tdb) => {
  const db = () => tdb().db;
  const enqueue = (url: string) => enqueueTestDelivery(db(), url);

  before(async () => {
    await createTestHost(db()).then((h) => h.close());
  }); // the schema
  beforeEach(async () => {
    for (const table of ['hookflow_attempts', 'hookflow_deliveries', 'hookflow_destinations']) await db()(table).del();
  });

  test('four hanging receivers cannot take every lane: a receiver that answers is served meanwhile', async (t) => {
    const hanging = await Promise.all([1, 2, 3, 4].map(() => startReceiver(true)));
    const healthy = await startReceiver(false);
    // The request timeout is far longer than the test: hanging requests end only when it ends.
    // 4 hosts × 4 (the per-host cap) = 16 > the 8 lanes: without the reservation every lane hangs.
    const settings = {
      outboundAllowlist: ['127.0.0.1/32'],
      perHostConcurrency: 4,
      maxConcurrency: 8,
      requestTimeoutMs: 120_000,
      leaseSeconds: 300,
      pollIntervalMs: 50,
      retrySchedule: [3600],
    };
    let h: TestHost | null = null;
    t.after(async () => {
      for (const r of hanging) await r.close(); // first: stopping the worker waits for its requests
      await h?.close();
      await healthy.close();
    });
    // Queued first, so oldest-first claims reach the hanging receivers' deliveries before the rest.
    for (const r of hanging) for (let i = 0; i < 4; i++) await enqueue(r.url);
    const healthyIds: number[] = [];
    for (let i = 0; i < 20; i++) healthyIds.push(await enqueue(healthy.url));
    h = await createTestHost(db(), { settings });
    h.hookflow.worker.start();
    await waitFor("the answering receiver's deliveries, while the others hang", 30_000, async () => {
      const rows = await db()('hookflow_deliveries').whereIn('id', healthyIds).where({ status: 'success' });
      return rows.length === healthyIds.length;
    });
    const hangingInFlight = hanging.reduce((n, r) => n + r.stats.inFlight, 0);
    assert.ok(hangingInFlight >= 4, `the hanging receivers still hold ${hangingInFlight} requests`);
    assert.ok(hangingInFlight <= 8, `slow destinations never hold more than the lanes: ${hangingInFlight}`);
  });
});
