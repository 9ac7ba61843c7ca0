/**
 * Run alerts in storage: retention prunes a failed run's sent alert (and who was mailed) with
 * the run, keeps a failed run whose alert is still pending, and the run_alerts migration keeps
 * every delivery alert row it finds.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost, type TestHostOptions } from '../../helpers/test-host.js';
import { pruneHistory } from '../../../module/retention.js';
import { dbNowMs } from '../../../module/storage/engine.js';
import * as runAlertsMigration from '../../../migrations/20261201000030_run_alerts.js';

const DAY = 86_400_000;

describeEachEngine('run alerts in storage', (tdb) => {
  // Each test looks at whole tables: it gets a database of its own.
  let own: Awaited<ReturnType<typeof createTestDatabase>> | null = null;
  const db = () => own!.db;
  async function ownHost(t: TestContext, opts: TestHostOptions = {}): Promise<TestHost> {
    const d = await createTestDatabase(tdb().engine);
    own = d;
    let host: TestHost | undefined;
    t.after(async () => {
      await host?.close();
      await d.destroy();
    });
    host = await createTestHost(d.db, opts);
    return host;
  }

  test('retention: a failed run goes with its sent alert and recipients, never while its alert is pending', async (t) => {
    const h = await ownHost(t, { settings: { retentionDays: 30 } });
    const now = await dbNowMs(db());
    const at = now - 40 * DAY;
    const run = async () =>
      Number(
        (
          await db()('hookflow_runs').insert({
            workflow_id: 1,
            trigger: 'record.created',
            source: 'record_event',
            module: 'Deals',
            record_id: 1,
            status: 'failed',
            event: '{}',
            env: '{}',
            created_at: at,
            finished_at: at,
          })
        )[0],
      );
    const alert = async (runId: number, status: string) =>
      Number(
        (
          await db()('hookflow_alerts').insert({ run_id: runId, workflow_id: 1, status, due_at: at, created_at: at })
        )[0],
      );
    const sentRun = await run();
    const sentAlert = await alert(sentRun, 'sent');
    await db()('hookflow_alert_recipients').insert({ alert_id: sentAlert, address: 'ada@example.com', sent_at: at });
    const pendingRun = await run();
    const pendingAlert = await alert(pendingRun, 'pending');

    const counts = await pruneHistory({
      db: db(),
      settings: () => h.hookflow.services.settings.get(),
      logger: h.logger,
    });
    assert.equal(counts.runs, 1);
    const runIds = (await db()('hookflow_runs').select('id')).map((r: any) => Number(r.id));
    assert.deepEqual(runIds, [pendingRun], 'the run with a pending alert stays (its mail reads it)');
    assert.deepEqual(
      (await db()('hookflow_alerts').select('id')).map((r: any) => Number(r.id)),
      [pendingAlert],
    );
    assert.equal(
      (await db()('hookflow_alert_recipients').where({ alert_id: sentAlert })).length,
      0,
      'who was mailed goes too',
    );
  });

  test('the migration keeps delivery alert rows and allows run alerts only once per run', async (t) => {
    await ownHost(t);
    await db()('hookflow_alerts').delete();
    await runAlertsMigration.down(db());
    await db()('hookflow_alerts').insert({ delivery_id: 41, task_id: 7, status: 'pending', due_at: 5, created_at: 5 });
    await runAlertsMigration.up(db());
    const [row] = await db()('hookflow_alerts').select();
    assert.deepEqual(
      {
        delivery: Number(row.delivery_id),
        task: Number(row.task_id),
        run: row.run_id,
        workflow: row.workflow_id,
        status: row.status,
      },
      { delivery: 41, task: 7, run: null, workflow: null, status: 'pending' },
    );
    await db()('hookflow_alerts').insert({ run_id: 9, workflow_id: 1, status: 'pending', due_at: 5, created_at: 5 });
    await assert.rejects(
      db()('hookflow_alerts').insert({ run_id: 9, workflow_id: 1, status: 'pending', due_at: 5, created_at: 5 }),
      'one alert per run',
    );
    await assert.rejects(
      db()('hookflow_alerts').insert({ delivery_id: 41, status: 'pending', due_at: 5, created_at: 5 }),
      'one alert per delivery, still',
    );
  });
});
