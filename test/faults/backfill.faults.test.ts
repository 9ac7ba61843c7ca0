/**
 * Fault injection, "Run for existing records" (issue 21.3): a backfill over 1,500 deals (1,000
 * match) runs on 3 `hookflow worker` processes while the test SIGKILLs a random worker 5 times
 * (each replaced at once). The sweep's lease moves to another worker when its holder dies; after
 * the last kill every matching deal has exactly one run of the backfill, every run succeeded, no
 * other deal has one, and the backfill is finished. MariaDB/MySQL only (`npm run test:faults`).
 *
 * Knobs (environment): HOOKFLOW_FAULTS_SEED (default random, printed).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TestHost } from '../helpers/test-host.js';
import { faultServerUrl, type FaultDatabase } from './lib/fault-database.js';
import type { WorkerFleet } from './lib/worker-fleet.js';
import { createFaultWorld, type FaultWorld } from './lib/fault-world.js';
import { seededRandom, sleep, waitUntilDone } from '../helpers/wait.js';
import { startBackfill } from '../../module/workflows/backfill-start.js';

const SEED = Number(process.env.HOOKFLOW_FAULTS_SEED || Math.floor(Math.random() * 2 ** 31));
const DEALS = 1500;
const KILLS = 5;
const server = faultServerUrl();

describe(
  'fault injection: a backfill survives worker kills',
  { skip: server ? false : 'set HOOKFLOW_TEST_MYSQL_URL=mysql://root@127.0.0.1:3306 (MariaDB/MySQL only)' },
  () => {
    let world: FaultWorld;
    let fdb: FaultDatabase;
    let h: TestHost;
    let fleet: WorkerFleet | null = null;

    before(async () => {
      world = await createFaultWorld(server as string, 0);
      ({ fdb, h } = world);
      // 6,000 runs a minute: the 1,000 runs take about 10 s of sweep time, so the kills land mid-way.
      await h.hookflow.services.settings.save({ backfillRatePerMinute: 6000 });
      const rows = Array.from({ length: DEALS }, (_, i) => ({
        module: 'Deals',
        owner_user_id: h.admin.id,
        fields: JSON.stringify({ title: `deal ${i}`, stage: i % 3 === 0 ? 'Negotiation' : 'Won' }),
        created_at: Date.now(),
        updated_at: Date.now(),
      }));
      for (let i = 0; i < rows.length; i += 400) await fdb.db('crm_records').insert(rows.slice(i, i + 400));
    });
    after(async () => {
      await fleet?.stopAll('SIGKILL');
      await world?.close();
    });

    test('every matching record runs exactly once; the backfill finishes', { timeout: 240_000 }, async () => {
      console.log(`backfill faults: seed ${SEED}, ${DEALS} deals, ${KILLS} kills`);
      const started = Date.now();
      const wf = await h.hookflow.services.workflows.create(
        {
          module: 'Deals',
          title: 'Won deals to accounting',
          status: 'active',
          trigger: 'record.updated',
          conditions: { join: 'all', conditions: [{ field: 'stage', op: 'equals', value: 'Won' }] },
          tasks: [
            { type: 'set_env', title: 'Mark', options: { values: [{ name: 'sent', value: '{{record.title}}' }] } },
          ],
        },
        h.admin.id,
      );
      fleet = world.createFleet();
      await fleet.start(3);
      const deps = {
        db: fdb.db,
        records: h.records,
        settings: () => h.hookflow.services.settings.get(),
        now: () => Date.now(),
        wake: () => undefined,
      };
      const id = await startBackfill(deps, wf, {}, h.admin.id);
      const random = seededRandom(SEED);
      const sweepOf = () => fdb.db('hookflow_backfills').where({ id }).first();
      for (let k = 0; k < KILLS; k++) {
        await sleep(1500 + Math.floor(random() * 1500));
        await fleet.killOneAndRestart(random);
      }
      const left = async () => {
        const sweep = await sweepOf();
        const open = await fdb.db('hookflow_runs').where({ backfill_id: id }).whereIn('status', ['queued', 'running']);
        return (sweep.status === 'finished' ? 0 : 1) + open.length;
      };
      const remaining = await waitUntilDone(left, { stallMs: 30_000, maxMs: 180_000 });
      const sweep = await sweepOf();
      const runs = await fdb.db('hookflow_runs').where({ backfill_id: id });
      const byStatus = JSON.stringify(
        runs.reduce((a: Record<string, number>, r) => ({ ...a, [r.status]: (a[r.status] ?? 0) + 1 }), {}),
      );
      const context = `sweep ${JSON.stringify(sweep)}; runs ${byStatus}; kills ${fleet.kills}\n${fleet.output().slice(-2000)}`;
      assert.equal(remaining, 0, `not done: ${context}`);
      const expected = await fdb
        .db('crm_records')
        .where({ module: 'Deals' })
        .where('fields', 'like', '%"Won"%')
        .pluck('id');
      const ran = runs.map((r) => Number(r.record_id)).sort((a, b) => a - b);
      assert.equal(new Set(ran).size, ran.length, `a record ran twice: ${context}`);
      assert.deepEqual(
        ran,
        expected.map(Number).sort((a, b) => a - b),
        `not every Won deal ran once: ${context}`,
      );
      assert.ok(
        runs.every((r) => r.status === 'succeeded'),
        `not all succeeded: ${context}`,
      );
      assert.equal(sweep.status, 'finished');
      assert.equal(fleet.kills, KILLS);
      assert.deepEqual(fleet.crashes, [], 'no worker exited on its own');
      console.log(
        `backfill faults: ${ran.length} runs, ${KILLS} kills, ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    });
  },
);
