/**
 * Fault injection, hanging receivers (issue 16.5): one `hookflow worker` process (8 lanes, 4 per
 * destination) serves a healthy receiver while 4 receivers accept requests and never answer.
 * The healthy destination keeps being served: every one of its deliveries succeeds while the
 * hanging ones still hold their requests. Measured in the same run: the healthy destination's
 * p50 latency (queued → answered, database clock) with none hanging, then with 4 hanging; their
 * ratio is printed (the README figure; the target is within 2×) and only checked against a
 * generous sanity bound, since a shared 2-core machine makes any timing noisy.
 * MariaDB/MySQL only (run by test:faults).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { enqueueTestDelivery } from '../helpers/deliveries.js';
import { faultServerUrl } from './lib/fault-database.js';
import type { WorkerFleet } from './lib/worker-fleet.js';
import { startReceiver, type Receiver } from './lib/receiver.js';
import { createFaultWorld, type FaultWorld } from './lib/fault-world.js';
import { sleep, waitFor } from '../helpers/wait.js';

const SAMPLES = 40;
const PACE_MS = 100;
const HANGING_EACH = 6;
/** Sanity only: far beyond the 2× target, well below "starved" (every lane hanging). */
const SANITY_RATIO = 10;
const server = faultServerUrl();

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)];

describe(
  'fault injection: 4 hanging receivers while a healthy one is served',
  { skip: server ? false : 'set HOOKFLOW_TEST_MYSQL_URL=mysql://root@127.0.0.1:3306 (MariaDB/MySQL only)' },
  () => {
    let world: FaultWorld;
    let hanging: Receiver[] = [];
    let fleet: WorkerFleet | null = null;

    before(async () => {
      // The request timeout is far longer than the test: hanging requests end only when it ends.
      world = await createFaultWorld(server as string, 0, {
        maxConcurrency: 8,
        perHostConcurrency: 4,
        requestTimeoutMs: 60_000,
        leaseSeconds: 90,
      });
      hanging = await Promise.all([1, 2, 3, 4].map(() => startReceiver({ failRate: 0, holdMs: Infinity })));
    });
    after(async () => {
      await fleet?.stopAll('SIGKILL');
      for (const r of hanging) await r.close();
      await world?.close();
    });

    const enqueue = (url: string, webhookId: string) => enqueueTestDelivery(world.fdb.db, url, webhookId);

    /** Queues SAMPLES healthy deliveries, one every PACE_MS; waits until all succeeded; their latencies (ms). */
    async function healthyLatencies(phase: string): Promise<number[]> {
      const db = world.fdb.db;
      const ids: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        ids.push(await enqueue(`${world.receiver.url}/healthy`, `msg_${phase}_${i}`));
        await sleep(PACE_MS); // the pace of the load, not a wait for a result
      }
      await waitFor(`the healthy deliveries (${phase})`, 60_000, async () => {
        const done = await db('hookflow_deliveries').whereIn('id', ids).where({ status: 'success' }).count({ n: '*' });
        return Number(done[0].n) === ids.length;
      });
      const rows = await db('hookflow_deliveries as d')
        .join('hookflow_attempts as a', 'a.delivery_id', 'd.id')
        .whereIn('d.id', ids)
        .select('d.created_at', 'a.started_at', 'a.duration_ms');
      return rows.map((r) => Number(r.started_at) + Number(r.duration_ms) - Number(r.created_at));
    }

    test(
      'the healthy receiver keeps being served; its p50 with 4 hanging vs none, measured in this run',
      { timeout: 120_000 },
      async () => {
        const started = Date.now();
        fleet = world.createFleet();
        await fleet.start(1);
        const none = await healthyLatencies('none');
        for (const [k, r] of hanging.entries())
          for (let i = 0; i < HANGING_EACH; i++) await enqueue(`${r.url}/hang`, `msg_hang_${k}_${i}`);
        const holding = () => hanging.reduce((n, r) => n + r.inFlight, 0);
        await waitFor('the hanging receivers to hold requests', 30_000, () => holding() >= 4);
        const withHanging = await healthyLatencies('hanging');
        const heldAtEnd = holding();
        const p50 = { none: percentile(none, 0.5), hanging: percentile(withHanging, 0.5) };
        const p95 = { none: percentile(none, 0.95), hanging: percentile(withHanging, 0.95) };
        const ratio = p50.hanging / Math.max(1, p50.none);
        console.log(
          `faults/hanging-receivers: healthy p50 none=${p50.none}ms hanging=${p50.hanging}ms ratio=${ratio.toFixed(2)} ` +
            `(p95 ${p95.none}ms / ${p95.hanging}ms) hanging-requests-held=${heldAtEnd} samples=${SAMPLES} ` +
            `seconds=${((Date.now() - started) / 1000).toFixed(1)}`,
        );
        assert.deepEqual(fleet.crashes, [], 'no worker died');
        assert.equal(withHanging.length, SAMPLES, 'every healthy delivery succeeded while the others hang');
        assert.ok(heldAtEnd >= 4, `the hanging receivers still hold ${heldAtEnd} requests`);
        assert.ok(heldAtEnd <= 8, `hanging destinations never hold more than the worker's lanes: ${heldAtEnd}`);
        assert.ok(
          ratio <= SANITY_RATIO,
          `healthy p50 ${p50.hanging} ms with 4 hanging vs ${p50.none} ms without (sanity bound ${SANITY_RATIO}×): ` +
            `latencies ${JSON.stringify(withHanging)}`,
        );
      },
    );
  },
);
