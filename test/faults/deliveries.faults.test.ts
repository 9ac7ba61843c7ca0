/**
 * Fault injection, outbound (issue 7.1): 3 `hookflow worker` processes drain 5,000 deliveries
 * to a receiver that fails 30 % of requests, while the test SIGKILLs a random worker (and
 * starts a replacement) at least 10 times and once drops every worker database connection
 * with KILL (a MariaDB restart, as far as the workers can tell, without restarting the server
 * other tests share). Then: nothing lost, nothing stuck, no attempt row missing, each
 * webhook-id received successfully once — twice at most where a worker died between sending
 * and recording. MariaDB/MySQL only (run by `npm run test:faults`).
 *
 * Knobs (environment): HOOKFLOW_FAULTS_DELIVERIES (default 1500), HOOKFLOW_FAULTS_KILLS
 * (default 10), HOOKFLOW_FAULTS_SEED (default: random, printed; set it to replay the same kill
 * choices and receiver answers).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { enqueueDelivery } from '../../module/outbound/queue/enqueue.js';
import { faultServerUrl, type FaultDatabase } from './lib/fault-database.js';
import type { WorkerFleet } from './lib/worker-fleet.js';
import type { Receiver } from './lib/receiver.js';
import { createFaultWorld, type FaultWorld } from './lib/fault-world.js';
import { faultTimesOf, runChaos, type ChaosReport } from './lib/chaos.js';
import { workedSince } from './lib/worker-activity.js';
import { verifyDeliveries, type DeliveryVerdict } from './lib/verify-deliveries.js';
import { describeTimeline } from './lib/diagnose.js';
import { LEASE_SECONDS, MAX_ATTEMPTS } from './lib/fault-settings.js';
import { seededRandom, waitUntilDone } from '../helpers/wait.js';

const DELIVERIES = Number(process.env.HOOKFLOW_FAULTS_DELIVERIES || 1500);
const SEED = Number(process.env.HOOKFLOW_FAULTS_SEED || Math.floor(Math.random() * 2 ** 31));
const WORKERS = 3;
const KILLS = Number(process.env.HOOKFLOW_FAULTS_KILLS || 10);
const FAIL_RATE = 0.3;
const server = faultServerUrl();

describe(
  'fault injection: deliveries survive worker kills and a database outage',
  { skip: server ? false : 'set HOOKFLOW_TEST_MYSQL_URL=mysql://root@127.0.0.1:3306 (MariaDB/MySQL only)' },
  () => {
    let world: FaultWorld;
    let fdb: FaultDatabase;
    let receiver: Receiver;
    let fleet: WorkerFleet | null = null;

    before(async () => {
      world = await createFaultWorld(server as string, FAIL_RATE);
      ({ fdb, receiver } = world);
    });
    after(async () => {
      await fleet?.stopAll('SIGKILL');
      await world?.close();
    });

    async function enqueueAll(): Promise<void> {
      for (let start = 0; start < DELIVERIES; start += 500) {
        await fdb.db.transaction(async (trx) => {
          for (let i = start; i < Math.min(DELIVERIES, start + 500); i++) {
            await enqueueDelivery(trx, {
              webhookId: `msg_fault_${SEED}_${i}`,
              runId: null,
              workflowId: null,
              taskId: null,
              eventType: 'deals.updated',
              module: 'Deals',
              recordId: i,
              method: 'POST',
              url: `${receiver.url}/hooks/${i % 7}`,
              headers: {},
              contentType: 'application/json',
              body: JSON.stringify({ n: i }),
              originKey: null,
            });
          }
        });
      }
    }

    const unfinished = async () =>
      Number((await fdb.db('hookflow_deliveries').whereIn('status', ['queued', 'dispatched']).count({ n: '*' }))[0].n);

    /** Drains the queue with the fleet while the chaos schedule runs; resolves once all finished. */
    async function drainUnderFaults(): Promise<ChaosReport> {
      fleet = world.createFleet();
      await fleet.start(WORKERS);
      const abort = new AbortController();
      const chaos = runChaos({
        fleet,
        database: fdb,
        random: seededRandom(SEED),
        kills: KILLS,
        outageAfterKills: Math.ceil(KILLS / 2),
        workedSince: workedSince(fdb.db),
        progress: async () => 1 - (await unfinished()) / DELIVERIES,
        signal: abort.signal,
      });
      try {
        // A stall (no delivery finishing for 30 s: several leases) ends the wait; the checks then say what is stuck.
        await waitUntilDone(unfinished, { stallMs: 30_000, maxMs: 200_000 });
      } finally {
        abort.abort();
        await chaos.catch(() => undefined); // no kill or restart may happen after this point
      }
      const faults = await chaos;
      await fleet.stopAll('SIGTERM');
      return faults;
    }

    async function printSummary(v: DeliveryVerdict, faults: ChaosReport, started: number): Promise<void> {
      console.log(
        `faults/deliveries: deliveries=${v.deliveries} success=${v.success} failed=${v.failed} kills=${faults.kills} restarts=${faults.restarts} ` +
          `db-outages=${faults.outages} (connections killed=${faults.connectionsKilled}) lost=${v.lost} duplicates=${v.duplicates} ` +
          `(max receipts=${v.maxReceipts}, unexplained=${v.unexplainedDuplicates}) requests=${receiver.requests} unrecorded-sends=${v.unrecordedSends} ` +
          `seconds=${((Date.now() - started) / 1000).toFixed(1)} seed=${SEED}`,
      );
      if (v.problems.length === 0 || !fleet) return;
      const ids = v.problems.slice(0, 3).map((p) => Number(/^delivery (\d+)/.exec(p)?.[1]));
      console.log(
        await describeTimeline(fdb.db, {
          t0: started,
          deliveryIds: ids,
          log: receiver.log,
          fleet,
          outageTimes: faults.outageTimes,
        }),
      );
    }

    test(
      `${DELIVERIES} deliveries, ${WORKERS} workers, ${KILLS} SIGKILLs, 1 connection outage: nothing lost`,
      { timeout: 240_000 },
      async () => {
        const started = Date.now();
        await enqueueAll();
        const faults = await drainUnderFaults();
        const v = await verifyDeliveries(fdb.db, receiver.log, MAX_ATTEMPTS, {
          at: faultTimesOf(fleet!, faults),
          windowMs: LEASE_SECONDS * 1000,
        });
        await printSummary(v, faults, started);

        assert.deepEqual(fleet!.crashes, [], 'no worker died by itself');
        assert.equal(v.deliveries, DELIVERIES);
        assert.deepEqual(v.problems.slice(0, 20), [], `${v.lost} deliveries lost or wrong`);
        assert.equal(v.lost, 0);
        assert.equal(
          v.unexplainedDuplicates,
          0,
          'every duplicate follows a worker kill or the outage within one lease',
        );
        assert.ok(
          faults.kills >= KILLS && faults.restarts >= KILLS,
          `${faults.kills} kills, ${faults.restarts} restarts`,
        );
        assert.equal(faults.outages, 1, 'one database outage');
        assert.ok(faults.connectionsKilled > 0, 'the outage killed worker connections');
        assert.deepEqual(faults.notRecovered, [], 'every worker that lived through the outage worked again');
        assert.equal(faults.faultsWhenIdle, 0, 'every fault hit while deliveries were outstanding');
        // The receiver really failed ~30 % of answers: retries and final failures both happened.
        assert.ok(v.failed > 0 && v.success > 0, 'both outcomes occurred');
        assert.ok(receiver.requests >= DELIVERIES * 1.3, `retries happened (${receiver.requests} requests)`);
      },
    );
  },
);
