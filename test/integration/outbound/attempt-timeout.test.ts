/**
 * An attempt's own timeout (a run waiting for the answer passes its answerTimeoutMs) is the one
 * that counts, also when longer than requestTimeoutMs: the agent's header and body timeouts used
 * to cut such a wait at requestTimeoutMs (found by the slow-task fault test).
 */
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { enqueueTestDelivery } from '../../helpers/deliveries.js';
import { createDeliveryProcessor } from '../../../module/outbound/delivery-processor.js';
import { processUnderLease } from '../../../module/outbound/delivery-lane.js';
import { claimDueDeliveries } from '../../../module/outbound/queue/claim.js';

const ANSWER_AFTER_MS = 1500;
const SETTINGS = {
  outboundAllowlist: ['127.0.0.1/32'],
  leaseSeconds: 5,
  requestTimeoutMs: 500,
  mailTimeoutMs: 2000,
  recordCallTimeoutMs: 2000,
  retrySchedule: [3600],
};

describeEachEngine('attempt timeout', (tdb) => {
  let h: TestHost;
  let server: http.Server;
  let url = '';
  const db = () => tdb().db;

  before(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => setTimeout(() => res.writeHead(200).end('late but fine'), ANSWER_AFTER_MS));
    });
    server.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slow`;
    h = await createTestHost(db(), { settings: SETTINGS });
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await h.close();
  });

  async function sendWith(t: TestContext, timeoutMs?: number) {
    const settings = () => h.hookflow.services.settings.get();
    const processor = createDeliveryProcessor({
      db: db(),
      targets: { load: async () => null, disable: async () => undefined },
      settings,
      logger: h.logger,
    });
    t.after(() => processor.close());
    const id = await enqueueTestDelivery(db(), url);
    const [claimed] = await claimDueDeliveries(db(), 'worker-T', 1, { leaseSeconds: 5, perHostConcurrency: 4 });
    assert.equal(claimed?.id, id);
    await processUnderLease({ db: db(), processor, settings, workerId: 'worker-T' }, claimed, timeoutMs);
    return db()('hookflow_attempts').where({ delivery_id: id }).first('outcome', 'status_code');
  }

  test('an attempt timeout longer than requestTimeoutMs waits for the answer; without one, requestTimeoutMs applies', async (t) => {
    assert.deepEqual(await sendWith(t, 4000), { outcome: 'success', status_code: 200 });
    const plain = await sendWith(t);
    assert.equal(plain.outcome, 'timeout', JSON.stringify(plain));
  });
});
