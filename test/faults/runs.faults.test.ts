/**
 * Fault injection, runs (issue 7.2): while async inbound requests (answered 202) and record
 * updates (committed with their run rows in one transaction) keep coming, 3 `hookflow worker`
 * processes execute the runs — each queues one webhook delivery to a receiver that fails 30 %
 * of requests — and the test SIGKILLs a random worker at least 10 times and once drops every
 * worker database connection. Then every accepted request and every committed change ran
 * exactly once and succeeded, and every delivery is right (same checks as the delivery test).
 * MariaDB/MySQL only (run by `npm run test:faults`).
 *
 * Knobs (environment): HOOKFLOW_FAULTS_RUNS (default 600: half inbound, half record updates),
 * HOOKFLOW_FAULTS_KILLS (default 10), HOOKFLOW_FAULTS_SEED (default random, printed).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TestHost } from '../helpers/test-host.js';
import { startInboundServer, type InboundServer } from '../helpers/inbound-server.js';
import { faultServerUrl, type FaultDatabase } from './lib/fault-database.js';
import type { WorkerFleet } from './lib/worker-fleet.js';
import type { Receiver } from './lib/receiver.js';
import { createFaultWorld, type FaultWorld } from './lib/fault-world.js';
import { faultTimesOf, runChaos, type ChaosReport } from './lib/chaos.js';
import { workedSince } from './lib/worker-activity.js';
import { verifyDeliveries, type DeliveryVerdict } from './lib/verify-deliveries.js';
import { verifyRuns, type RunVerdict } from './lib/verify-runs.js';
import { createRunProducers, type RunProducers } from './lib/run-producers.js';
import { describeTimeline } from './lib/diagnose.js';
import { LEASE_SECONDS, MAX_ATTEMPTS } from './lib/fault-settings.js';
import { seededRandom, waitUntilDone } from '../helpers/wait.js';

const RUNS = Number(process.env.HOOKFLOW_FAULTS_RUNS || 600);
const KILLS = Number(process.env.HOOKFLOW_FAULTS_KILLS || 10);
const SEED = Number(process.env.HOOKFLOW_FAULTS_SEED || Math.floor(Math.random() * 2 ** 31));
const DEALS = 20;
const server = faultServerUrl();

describe(
  'fault injection: accepted runs and committed changes survive worker kills',
  { skip: server ? false : 'set HOOKFLOW_TEST_MYSQL_URL=mysql://root@127.0.0.1:3306 (MariaDB/MySQL only)' },
  () => {
    let world: FaultWorld;
    let fdb: FaultDatabase;
    let h: TestHost;
    let receiver: Receiver;
    let inbound: InboundServer;
    let producers: RunProducers;
    let fleet: WorkerFleet | null = null;

    before(async () => {
      world = await createFaultWorld(server as string, 0.3);
      ({ fdb, h, receiver } = world);
      inbound = await startInboundServer(h.hookflow);
      const inboundRequests = Math.ceil(RUNS / 2);
      producers = createRunProducers({
        h,
        inbound,
        receiverUrl: receiver.url,
        seed: SEED,
        inboundRequests,
        deals: DEALS,
        updatesPerDeal: Math.ceil((RUNS - inboundRequests) / DEALS),
        produceMs: 15_000,
      });
      await producers.setUp();
    });
    after(async () => {
      await fleet?.stopAll('SIGKILL');
      await inbound?.close();
      await world?.close();
    });

    const count = async (table: string, statuses: string[]) =>
      Number((await fdb.db(table).whereIn('status', statuses).count({ n: '*' }))[0].n);
    const unfinished = async () =>
      (await count('hookflow_runs', ['queued', 'running'])) +
      (await count('hookflow_deliveries', ['queued', 'dispatched']));
    // Each run makes one delivery: the work is done when 2 × total rows are finished.
    const progress = async () =>
      ((await count('hookflow_runs', ['succeeded', 'failed', 'skipped'])) +
        (await count('hookflow_deliveries', ['success', 'failed']))) /
      (2 * producers.total);

    async function describeState(): Promise<string> {
      const byStatus = async (table: string) =>
        JSON.stringify(await fdb.db(table).groupBy('status').select('status').count({ n: '*' }));
      const odd = await fdb
        .db('hookflow_runs')
        .whereIn('status', ['queued', 'running', 'failed'])
        .orderBy('id')
        .limit(5);
      return [
        `runs ${await byStatus('hookflow_runs')} deliveries ${await byStatus('hookflow_deliveries')}; expected ${producers.total} of each`,
        ...odd.map(
          (r) =>
            `run ${r.id} ${r.status} record ${r.record_id} lease ${r.lease_owner} attempts ${r.attempts} error ${String(r.error).slice(0, 500)}`,
        ),
        `refused: ${producers.refused.slice(0, 3).join(' | ')}`,
        fleet?.output().slice(-3000) ?? '',
      ].join('\n');
    }

    /** Produces and executes everything with the fleet while the chaos schedule runs. */
    async function runUnderFaults(): Promise<ChaosReport> {
      fleet = world.createFleet();
      await fleet.start(3);
      const abort = new AbortController();
      const chaos = runChaos({
        fleet,
        database: fdb,
        random: seededRandom(SEED),
        kills: KILLS,
        outageAfterKills: Math.ceil(KILLS / 2),
        workedSince: workedSince(fdb.db),
        progress,
        signal: abort.signal,
      });
      try {
        await producers.produce();
        // A stall (nothing finishing for 30 s: several leases) ends the wait; the checks then say what is stuck.
        await waitUntilDone(unfinished, { stallMs: 30_000, maxMs: 120_000 });
      } catch (err) {
        console.log(await describeState());
        throw err;
      } finally {
        abort.abort();
        await chaos.catch(() => undefined); // no kill or restart may happen after this point
      }
      const faults = await chaos;
      await fleet.stopAll('SIGTERM');
      return faults;
    }

    async function printSummary(
      runs: RunVerdict,
      deliveries: DeliveryVerdict,
      faults: ChaosReport,
      started: number,
    ): Promise<void> {
      const { expected } = producers;
      console.log(
        `faults/runs: runs=${runs.runs} accepted=${expected.accepted.size} committed=${expected.committed.size} kills=${faults.kills} restarts=${faults.restarts} ` +
          `db-outages=${faults.outages} (connections killed=${faults.connectionsKilled}) lost=${runs.lost + deliveries.lost} duplicates=${deliveries.duplicates} ` +
          `(max receipts=${deliveries.maxReceipts}, unexplained=${deliveries.unexplainedDuplicates}) webhook-id-mismatches=${runs.webhookIdMismatches} ` +
          `save-deadlocks=${producers.saveDeadlocks} seconds=${((Date.now() - started) / 1000).toFixed(1)} seed=${SEED}`,
      );
      if (runs.problems.length + deliveries.problems.length === 0 || !fleet) return;
      const ids = deliveries.problems.slice(0, 3).map((p) => Number(/^delivery (\d+)/.exec(p)?.[1]));
      const timeline = await describeTimeline(fdb.db, {
        t0: started,
        deliveryIds: ids,
        log: receiver.log,
        fleet,
        outageTimes: faults.outageTimes,
      });
      console.log([await describeState(), ...runs.problems.slice(0, 10), timeline].join('\n'));
    }

    test(
      `${RUNS} runs (inbound 202 + record updates), 3 workers, ${KILLS} SIGKILLs, 1 connection outage: all executed once`,
      { timeout: 180_000 },
      async () => {
        const started = Date.now();
        const faults = await runUnderFaults();
        const runs = await verifyRuns(fdb.db, producers.expected, receiver.log);
        const deliveries = await verifyDeliveries(fdb.db, receiver.log, MAX_ATTEMPTS, {
          at: faultTimesOf(fleet!, faults),
          windowMs: LEASE_SECONDS * 1000,
        });
        await printSummary(runs, deliveries, faults, started);

        assert.deepEqual(fleet!.crashes, [], 'no worker died by itself');
        assert.deepEqual(producers.refused, [], 'every inbound request was accepted');
        assert.equal(producers.expected.accepted.size + producers.expected.committed.size, producers.total);
        assert.deepEqual(
          runs.problems.slice(0, 20),
          [],
          `${runs.lost} accepted runs or committed changes lost or wrong`,
        );
        assert.deepEqual(deliveries.problems.slice(0, 20), [], `${deliveries.lost} deliveries lost or wrong`);
        assert.equal(deliveries.deliveries, producers.total, 'one delivery per run');
        assert.equal(
          deliveries.unexplainedDuplicates,
          0,
          'every duplicate follows a worker kill or the outage within one lease',
        );
        assert.equal(
          runs.webhookIdMismatches,
          0,
          'each run log names the webhook-id its delivery really carries (also after a resumed run)',
        );
        assert.ok(
          faults.kills >= KILLS && faults.restarts >= KILLS,
          `${faults.kills} kills, ${faults.restarts} restarts`,
        );
        assert.equal(faults.outages, 1, 'one database outage');
        assert.deepEqual(faults.notRecovered, [], 'every worker that lived through the outage worked again');
        assert.equal(faults.faultsWhenIdle, 0, 'every fault hit while runs or deliveries were outstanding');
      },
    );
  },
);
