/**
 * A delivery was sent, then writing its attempt fails because the database is briefly away
 * (issue 16): the lease holder writes it again — while its heartbeat keeps the lease — instead
 * of dropping it and letting the delivery be sent a second time once the lease expires.
 * The processor's database is a wrapper whose attempt transactions fail with a dropped
 * connection N times; the lease renewals and a second worker's claims use the real database.
 */
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Knex } from 'knex';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { enqueueTestDelivery } from '../../helpers/deliveries.js';
import { sleep } from '../../helpers/wait.js';
import { createDeliveryProcessor } from '../../../module/outbound/delivery-processor.js';
import { createDeliveryLane } from '../../../module/outbound/delivery-lane.js';

// The shortest lease the settings allow; the timeouts must be shorter than it.
const SETTINGS = {
  outboundAllowlist: ['127.0.0.1/32'],
  leaseSeconds: 5,
  requestTimeoutMs: 2000,
  mailTimeoutMs: 2000,
  recordCallTimeoutMs: 2000,
  retrySchedule: [3600],
};

/** `db` whose next `failures` transactions fail as a dropped MariaDB connection does. */
function flakyTransactions(db: Knex, failures: number) {
  const state = { left: failures, failed: 0 };
  const proxy = new Proxy(db, {
    get(target, prop, receiver) {
      if (prop !== 'transaction' || state.left === 0) return Reflect.get(target, prop, receiver);
      return () => {
        state.left -= 1;
        state.failed += 1;
        const err = Object.assign(new Error('Connection lost: The server closed the connection.'), {
          code: 'PROTOCOL_CONNECTION_LOST',
          fatal: true,
        });
        return Promise.reject(err);
      };
    },
  });
  return { db: proxy, state };
}

async function startCountingReceiver() {
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests += 1;
    req.resume();
    req.on('end', () => res.writeHead(200).end('ok'));
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    requests: () => requests,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

describeEachEngine('attempt write during a database outage', (tdb) => {
  let h: TestHost;
  let rx: Awaited<ReturnType<typeof startCountingReceiver>>;
  const db = () => tdb().db;

  before(async () => {
    rx = await startCountingReceiver();
    h = await createTestHost(db(), { settings: SETTINGS });
  });
  after(async () => {
    await h.close();
    await rx.close();
  });

  function lane(t: TestContext, workerId: string, processorDb: Knex) {
    const settings = () => h.hookflow.services.settings.get();
    const warnings: string[] = [];
    const logger = { ...h.logger, warn: (_o: unknown, msg?: string) => void warnings.push(String(msg)) };
    const processor = createDeliveryProcessor({
      db: processorDb,
      targets: { load: async () => null, disable: async () => undefined },
      settings,
      logger,
    });
    t.after(() => processor.close());
    return { lane: createDeliveryLane({ db: db(), processor, settings, workerId }), warnings };
  }

  test('the attempt write fails 6 times (longer than the lease): written once by the holder, one request, no second claim', async (t) => {
    const id = await enqueueTestDelivery(db(), rx.url);
    const before = rx.requests();
    // 100+200+400+800+1600+2000 ms of retries: 5.1 s, past the 5 s lease — only renewals keep it.
    const flaky = flakyTransactions(db(), 6);
    const a = lane(t, 'worker-A', flaky.db);
    const b = lane(t, 'worker-B', db());
    const [claimed] = await a.lane.claim(1);
    assert.equal(claimed?.id, id, 'worker A holds the delivery');
    let done = false;
    const processing = a.lane.process(claimed).finally(() => {
      done = true;
    });
    // Worker B keeps trying to take it for as long as A is writing.
    const stolen: number[] = [];
    while (!done) {
      for (const d of await b.lane.claim(4)) stolen.push(d.id);
      await sleep(100);
    }
    await processing;

    const row = await db()('hookflow_deliveries').where({ id }).first();
    const attempts = await db()('hookflow_attempts').where({ delivery_id: id }).select('worker_id', 'status_code');
    const diagnosis = `attempts ${JSON.stringify(attempts)}, delivery ${row.status}, failed writes ${flaky.state.failed}, warnings ${a.warnings.join(' | ')}`;
    assert.equal(flaky.state.failed, 6, diagnosis);
    assert.deepEqual(stolen, [], `no other worker claimed it meanwhile (${diagnosis})`);
    assert.equal(rx.requests() - before, 1, `the receiver got one request (${diagnosis})`);
    assert.deepEqual(attempts, [{ worker_id: 'worker-A', status_code: 200 }], diagnosis);
    assert.equal(row.status, 'success', diagnosis);
    assert.equal(row.lease_owner, null, diagnosis);
    assert.equal(a.warnings.filter((w) => /writing it again/.test(w)).length, 6, diagnosis);
  });
});
