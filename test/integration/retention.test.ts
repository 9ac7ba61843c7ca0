import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/engines.js';
import { createTestHost, type TestHost } from '../helpers/test-host.js';
import { insertSweep } from '../../module/workflows/backfills.js';
import { createRetentionChore, pruneHistory } from '../../module/retention.js';
import { dbNowMs } from '../../module/storage/engine.js';

const DAY = 86_400_000;

describeEachEngine('retention', (tdb) => {
  let h: TestHost;
  let now = 0;
  const db = () => tdb().db;
  let seq = 0;

  before(async () => {
    h = await createTestHost(tdb().db, { settings: { retentionDays: 30, refusedLogSize: 10 } });
    now = await dbNowMs(db());
  });
  after(async () => {
    await h.close();
  });

  async function delivery(
    name: string,
    status: string,
    ageDays: number,
    extra: Record<string, unknown> = {},
  ): Promise<number> {
    const at = now - ageDays * DAY;
    const [id] = await db()('hookflow_deliveries').insert({
      webhook_id: `msg_${name}`,
      method: 'POST',
      url: 'http://rx.example/',
      destination_host: 'rx.example',
      headers: '{}',
      status,
      next_attempt_at: at,
      created_at: at,
      updated_at: at,
      finished_at: ['success', 'failed'].includes(status) ? at : null,
      ...extra,
    });
    return Number(id);
  }
  const attempt = (deliveryId: number, ageDays: number) =>
    db()('hookflow_attempts').insert({
      delivery_id: deliveryId,
      attempt_no: ++seq,
      outcome: 'http_error',
      status_code: 500,
      response_body: 'x'.repeat(2000),
      started_at: now - ageDays * DAY,
      duration_ms: 5,
    });
  async function run(status: string, ageDays: number): Promise<number> {
    const at = now - ageDays * DAY;
    const [id] = await db()('hookflow_runs').insert({
      workflow_id: 1,
      trigger: 'record.created',
      source: 'record_event',
      module: 'Deals',
      record_id: 1,
      status,
      event: '{}',
      env: '{}',
      created_at: at,
      finished_at: ['succeeded', 'failed', 'skipped'].includes(status) ? at : null,
    });
    return Number(id);
  }
  const ids = async (table: string) => (await db()(table).select('id').orderBy('id')).map((r: any) => Number(r.id));
  const attemptsOf = async (id: number) => (await db()('hookflow_attempts').where({ delivery_id: id })).length;

  test('prunes old finished history in small batches and never touches unfinished or alerting work', async () => {
    const oldSuccess = await delivery('old-success', 'success', 40);
    await attempt(oldSuccess, 40);
    await attempt(oldSuccess, 40);
    const oldFailedAlertPending = await delivery('old-failed-pending', 'failed', 40, { alert_state: 'pending' });
    await attempt(oldFailedAlertPending, 41);
    await db()('hookflow_alerts').insert({
      delivery_id: oldFailedAlertPending,
      status: 'pending',
      due_at: now,
      created_at: now - 40 * DAY,
    });
    const oldFailedAlertSent = await delivery('old-failed-sent', 'failed', 40, { alert_state: 'sent' });
    await attempt(oldFailedAlertSent, 40);
    const [sentAlert] = await db()('hookflow_alerts').insert({
      delivery_id: oldFailedAlertSent,
      status: 'sent',
      due_at: now - 40 * DAY,
      created_at: now - 40 * DAY,
    });
    await db()('hookflow_alert_recipients').insert({
      alert_id: sentAlert,
      address: 'ada@example.com',
      sent_at: now - 40 * DAY,
    });
    const oldQueued = await delivery('old-queued', 'queued', 40, { next_attempt_at: now + DAY, attempt_count: 1 });
    await attempt(oldQueued, 40);
    const oldDispatched = await delivery('old-dispatched', 'dispatched', 40, {
      lease_owner: 'w',
      lease_expires_at: now + 60_000,
    });
    await attempt(oldDispatched, 40);
    const recentSuccess = await delivery('recent-success', 'success', 1);
    await attempt(recentSuccess, 40); // its first attempt is old: the attempt goes, the delivery stays
    await attempt(recentSuccess, 1);

    const oldRuns = [await run('succeeded', 31), await run('failed', 31), await run('skipped', 31)];
    const keptRuns = [await run('queued', 40), await run('running', 40), await run('succeeded', 2)];
    await db()('hookflow_run_once').insert({
      workflow_id: 1,
      module: 'Deals',
      record_id: 1,
      run_id: oldRuns[0],
      created_at: now - 31 * DAY,
    });

    await db()('hookflow_idempotency').insert([
      { permission_id: 1, idem_key: 'old-a', body_hash: 'h', created_at: now - 25 * 3600_000 },
      { permission_id: 1, idem_key: 'old-b', body_hash: 'h', created_at: now - 25 * 3600_000 },
      { permission_id: 2, idem_key: 'old-a', body_hash: 'h', created_at: now - 48 * 3600_000 },
      { permission_id: 1, idem_key: 'fresh', body_hash: 'h', created_at: now - 3600_000 },
    ]);
    for (let i = 0; i < 15; i++)
      await db()('hookflow_http_refusals').insert({ ip: '203.0.113.9', reason: `r${i}`, created_at: now - i * 1000 });
    const refusalIds = await ids('hookflow_http_refusals');

    const sweep = (status: string, endedDaysAgo: number | null) =>
      insertSweep(
        db(),
        {
          workflowId: 1,
          module: 'Deals',
          kind: 'backfill',
          filter: null,
          ratePerMinute: 60,
          expected: 0,
          createdBy: null,
          creditAt: 0,
        },
        now,
      ).then(async (id) => {
        await db()('hookflow_backfills')
          .where({ id })
          .update({ status, finished_at: endedDaysAgo === null ? null : now - endedDaysAgo * DAY });
        return id;
      });
    await sweep('finished', 31);
    await sweep('cancelled', 40);
    const keptSweeps = [await sweep('running', null), await sweep('paused', null), await sweep('finished', 2)];

    const counts = await pruneHistory({
      db: db(),
      settings: h.hookflow.services.settings.get,
      logger: h.logger,
      batchSize: 2,
    });
    assert.deepEqual(await ids('hookflow_backfills'), keptSweeps, 'ended sweeps past the cutoff go; open ones stay');

    assert.deepEqual(await ids('hookflow_deliveries'), [
      oldFailedAlertPending,
      oldQueued,
      oldDispatched,
      recentSuccess,
    ]);
    assert.equal(await attemptsOf(oldSuccess), 0);
    assert.equal(await attemptsOf(oldFailedAlertSent), 0);
    assert.equal(await attemptsOf(oldFailedAlertPending), 1, 'the pending alert mail still lists its attempts');
    assert.equal(await attemptsOf(oldQueued), 1, 'retry timing counts from the first attempt');
    assert.equal(await attemptsOf(oldDispatched), 1);
    assert.equal(await attemptsOf(recentSuccess), 1);
    assert.deepEqual(
      (await db()('hookflow_alerts').select('delivery_id')).map((r: any) => Number(r.delivery_id)),
      [oldFailedAlertPending],
    );
    assert.equal((await db()('hookflow_alert_recipients')).length, 0, 'recipients of a pruned alert go with it');
    assert.deepEqual(await ids('hookflow_runs'), keptRuns);
    assert.equal((await db()('hookflow_run_once')).length, 1, 'run-once markers are kept forever');
    assert.deepEqual(
      (await db()('hookflow_idempotency').select('idem_key')).map((r: any) => r.idem_key),
      ['fresh'],
    );
    assert.deepEqual(
      await ids('hookflow_http_refusals'),
      refusalIds.slice(-10),
      'the newest refusedLogSize refusals stay',
    );
    assert.deepEqual(counts, {
      attempts: 4,
      deliveries: 2,
      runs: 3,
      idempotency: 3,
      refusals: 5,
      destinations: 0,
      rateBuckets: 0,
      destinationLocks: 0,
      captures: 0,
      sweeps: 2,
    });

    const chore = createRetentionChore({ db: db(), settings: h.hookflow.services.settings.get, logger: h.logger });
    assert.equal(chore.everyMs, 600_000);
    await chore.run();
    assert.equal((await ids('hookflow_deliveries')).length, 4, 'a second pass finds nothing more');
    assert.ok(
      h.logger.entries.every((e) => e.msg !== 'retention: pruned old history'),
      'and logs nothing',
    );
  });

  test('a shorter retentionDays setting applies on the next pass', async (t) => {
    t.after(() => h.hookflow.services.settings.save({ retentionDays: 30 }));
    const d = await delivery('five-days', 'success', 5);
    await attempt(d, 5);
    await pruneHistory({ db: db(), settings: h.hookflow.services.settings.get, logger: h.logger });
    assert.ok((await ids('hookflow_deliveries')).includes(d));
    await h.hookflow.services.settings.save({ retentionDays: 3 });
    await pruneHistory({ db: db(), settings: h.hookflow.services.settings.get, logger: h.logger });
    assert.ok(!(await ids('hookflow_deliveries')).includes(d));
    assert.equal(await attemptsOf(d), 0);
  });

  test('forgets destinations that are quiet since the cutoff, never a held one', async () => {
    const row = (host: string, ageDays: number, paused: boolean) => ({
      destination_host: host,
      consecutive_failures: paused ? 12 : 2,
      failing_since: now - ageDays * DAY,
      paused_at: paused ? now - ageDays * DAY : null,
      next_probe_at: paused ? now : null,
      updated_at: now - ageDays * DAY,
    });
    await db()('hookflow_destinations').insert([
      row('old.example:443', 40, false),
      row('recent.example:443', 5, false),
      row('held.example:443', 40, true),
    ]);
    const counts = await pruneHistory({ db: db(), settings: h.hookflow.services.settings.get, logger: h.logger });
    assert.equal(counts.destinations, 1);
    const left = (await db()('hookflow_destinations').select('destination_host').orderBy('destination_host')).map(
      (r: any) => r.destination_host,
    );
    assert.deepEqual(left, ['held.example:443', 'recent.example:443']);
  });

  test('retention drops the claim lock rows of quiet destinations only', async () => {
    const now = await dbNowMs(db());
    await db()('hookflow_destination_locks').insert([
      { destination_host: 'gone.example', created_at: now - 40 * DAY },
      { destination_host: 'new.example', created_at: now },
    ]);
    const counts = await pruneHistory({ db: db(), settings: h.hookflow.services.settings.get, logger: h.logger });
    assert.equal(counts.destinationLocks, 1);
    const left = await db()('hookflow_destination_locks').pluck('destination_host');
    assert.ok(!left.includes('gone.example') && left.includes('new.example'), JSON.stringify(left));
  });
});
