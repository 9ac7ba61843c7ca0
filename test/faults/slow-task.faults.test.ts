/**
 * Fault injection, a task slower than the lease (issue 16.1): 2 `hookflow worker` processes run
 * async runs whose webhook task waits for the answer (answerTimeoutMs 4 leases), and the receiver
 * holds the first 2 requests of each delivery 2.5 leases (a third is answered at once). Each
 * run's task thus takes well over a lease — its own request held, or the delivery lane's
 * requests timing out and retried while the run waits — and the lease heartbeat must keep the
 * run: no run claimed twice, each run succeeded with one delivery.
 * The second test closes a gap found here: the delivery lane used to claim the queued delivery
 * before the waiting run leased it (enqueue wakes the lanes) and sent it under requestTimeoutMs,
 * again after each timeout; a waited delivery is now due only after the run's wait.
 * MariaDB/MySQL only (run by test:faults).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startInboundServer, type InboundServer } from '../helpers/inbound-server.js';
import { faultServerUrl } from './lib/fault-database.js';
import type { WorkerFleet } from './lib/worker-fleet.js';
import { createFaultWorld, type FaultWorld } from './lib/fault-world.js';
import { waitUntilDone } from '../helpers/wait.js';

const LEASE_SECONDS = 5; // the shortest the settings allow; the fault settings' timeouts stay below it
const HOLD_MS = 2.5 * LEASE_SECONDS * 1000;
const RUNS = 6;
const server = faultServerUrl();

describe(
  'fault injection: a task slower than the lease',
  { skip: server ? false : 'set HOOKFLOW_TEST_MYSQL_URL=mysql://root@127.0.0.1:3306 (MariaDB/MySQL only)' },
  () => {
    let world: FaultWorld;
    let inbound: InboundServer;
    let fleet: WorkerFleet | null = null;
    let workflowId = 0;
    /** Requests per delivery, and the shortest run, for the todo test. */
    let sent: { receipts: number[]; shortestRunMs: number } | null = null;

    before(async () => {
      world = await createFaultWorld(
        server as string,
        { failRate: 0, holdMs: HOLD_MS, holdFirst: 2 },
        { leaseSeconds: LEASE_SECONDS },
      );
      const { h, receiver } = world;
      workflowId = (
        await h.hookflow.services.workflows.create(
          {
            module: 'Leads',
            title: 'Slow answer',
            status: 'active',
            trigger: 'http',
            execMode: 'async',
            tasks: [
              {
                type: 'webhook',
                title: 'ask and wait',
                options: {
                  url: `${receiver.url}/slow`,
                  params: [{ name: 'seq', value: '{{env.seq}}' }],
                  waitForAnswer: true,
                  answerTimeoutMs: 4 * LEASE_SECONDS * 1000,
                },
              },
            ],
          },
          h.admin.id,
        )
      ).id;
      await h.hookflow.services.permissions.create({ title: 'slow task', workflowId, sources: '127.0.0.1' });
      inbound = await startInboundServer(h.hookflow);
    });
    after(async () => {
      await fleet?.stopAll('SIGKILL');
      await inbound?.close();
      await world?.close();
    });

    test(
      `${RUNS} runs whose task waits ${HOLD_MS / 1000} s (2.5 leases), 2 workers: each claimed once`,
      { timeout: 90_000 },
      async () => {
        const started = Date.now();
        const { fdb, receiver } = world;
        fleet = world.createFleet();
        await fleet.start(2);
        const readyAt = Date.now();
        for (let seq = 0; seq < RUNS; seq++) {
          const r = await inbound.post(`?workflow_id=${workflowId}&record_id=0`, {
            body: `seq=${seq}`,
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          });
          assert.equal(r.status, 202, r.text);
        }
        const unfinished = async () =>
          Number((await fdb.db('hookflow_runs').whereIn('status', ['queued', 'running']).count({ n: '*' }))[0].n);
        // No stall limit below the hold: nothing finishes while the receiver holds the requests.
        await waitUntilDone(unfinished, { stallMs: HOLD_MS + 20_000, maxMs: 70_000 });
        await fleet.stopAll('SIGTERM');

        const runs = await fdb.db('hookflow_runs').select('id', 'status', 'attempts', 'started_at', 'finished_at');
        const deliveries = await fdb.db('hookflow_deliveries').select('id', 'webhook_id', 'status', 'attempt_count');
        const attempts = await fdb
          .db('hookflow_attempts')
          .select('delivery_id', 'worker_id', 'outcome', 'error', 'duration_ms');
        const receipts = [...receiver.log.values()].map((l) => l.length);
        const slowest = Math.min(...runs.map((r) => Number(r.finished_at) - Number(r.started_at)));
        console.log(
          `faults/slow-task: runs=${runs.length} claims=${runs.map((r) => r.attempts).join(',')} deliveries=${deliveries.length} ` +
            `attempts=${attempts.length} requests=${receiver.requests} shortest-run=${(slowest / 1000).toFixed(1)}s longest-run=${(Math.max(...runs.map((r) => Number(r.finished_at) - Number(r.started_at))) / 1000).toFixed(1)}s workers-ready=${((readyAt - started) / 1000).toFixed(1)}s lease=${LEASE_SECONDS}s ` +
            `seconds=${((Date.now() - started) / 1000).toFixed(1)}`,
        );
        const diagnosis = () =>
          JSON.stringify({ runs, deliveries, attempts, receipts }) + `\n${fleet!.output().slice(-3000)}`;
        assert.deepEqual(fleet.crashes, [], 'no worker died');
        assert.equal(runs.length, RUNS, diagnosis());
        sent = { receipts, shortestRunMs: slowest };
        assert.ok(
          slowest > LEASE_SECONDS * 1000,
          `every run's task took longer than the lease (${slowest} ms): ${diagnosis()}`,
        );
        for (const r of runs) {
          assert.equal(r.status, 'succeeded', diagnosis());
          assert.equal(Number(r.attempts), 1, `run ${r.id} was claimed once: ${diagnosis()}`);
        }
        assert.equal(deliveries.length, RUNS, diagnosis());
        for (const d of deliveries) assert.equal(d.status, 'success', `delivery ${d.id}: ${diagnosis()}`);
      },
    );

    test('the waiting run sends its request itself, under its answer timeout: one request per delivery', () => {
      assert.ok(sent !== null, 'the fault test above ran');
      assert.deepEqual(sent.receipts, Array(RUNS).fill(1), 'requests per delivery');
    });
  },
);
