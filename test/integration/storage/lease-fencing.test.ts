/**
 * Every leased queue fences each claim with its own token (storage/lease-owner.ts): when a
 * lease ran out and the SAME worker id claimed the row again (a second process given the same
 * `workerId`, or this one after an outage longer than the lease), the first claim's late writes
 * change nothing. Runs and deliveries have their own tests (lease-heartbeat, per-host-cap);
 * these cover the record sweeps, the schedule slots and the alert outbox.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { dbNowMs } from '../../../module/storage/engine.js';
import {
  advanceSweep,
  claimDueSweeps,
  failLeasedSweep,
  insertSweep,
  releaseSweep,
} from '../../../module/workflows/backfills.js';
import { claimDueSlots, fireSlot, planSlot } from '../../../module/workflows/schedules.js';
import {
  claimAlertGroups,
  deferAlerts,
  markAlertsSent,
  markSendFailed,
  queueRunAlert,
  renewAlertLease,
} from '../../../module/alerts/alert-queue.js';

const LEASE_MS = 60_000;
const TOKEN = /^worker-A~[0-9a-f]{8}$/;

describeEachEngine('lease fencing: one token per claim', (tdb) => {
  let h: TestHost;
  const db = () => tdb().db;
  before(async () => {
    h = await createTestHost(db());
  });
  after(() => h.close());

  test('a sweep claimed again by the same worker id: the first claim can neither fail, advance nor release it', async () => {
    const now = Date.now();
    const id = await insertSweep(
      db(),
      {
        workflowId: 9001,
        module: 'Deals',
        kind: 'backfill',
        filter: null,
        ratePerMinute: 60,
        expected: 3,
        createdBy: null,
        creditAt: 0,
      },
      now,
    );
    const [first] = await claimDueSweeps(db(), 'worker-A', now, LEASE_MS, 10);
    assert.equal(first?.id, id);
    assert.match(first.leaseOwner, TOKEN);
    // Its lease runs out; the same worker id claims it again.
    const later = now + LEASE_MS + 1;
    const [second] = await claimDueSweeps(db(), 'worker-A', later, LEASE_MS, 10);
    assert.equal(second?.id, id);
    assert.notEqual(second.leaseOwner, first.leaseOwner);
    const step = { cursorId: 5, scanned: 5, queued: 0, creditAt: 0, dueAt: later, finished: false, now: later };
    assert.equal(await failLeasedSweep(db(), first, 'the workflow was deleted', later), false, 'stale fail refused');
    assert.equal(await advanceSweep(db(), first, step), false, 'stale advance refused');
    await releaseSweep(db(), first, later + 999, later);
    const row = await db()('hookflow_backfills').where({ id }).first();
    assert.deepEqual(
      [row.status, row.lease_owner, Number(row.cursor_id), row.error],
      ['running', second.leaseOwner, 0, null],
      'the second claim still holds the sweep, untouched',
    );
    assert.equal(await failLeasedSweep(db(), second, 'the workflow was deleted', later), true);
    const failed = await db()('hookflow_backfills').where({ id }).first();
    assert.deepEqual([failed.status, failed.lease_owner, failed.error], ['failed', null, 'the workflow was deleted']);
  });

  test('a schedule slot claimed again by the same worker id: the first claim fires nothing', async () => {
    const now = Date.now();
    await planSlot(
      db(),
      { workflowId: 9002, module: 'Deals', recordId: null, dueAt: now, state: 'pending', planKey: 'k' },
      now,
    );
    const [first] = await claimDueSlots(db(), 'worker-A', now, LEASE_MS, 10);
    assert.match(first.leaseOwner, TOKEN);
    const later = now + LEASE_MS + 1;
    const [second] = await claimDueSlots(db(), 'worker-A', later, LEASE_MS, 10);
    assert.equal(second?.id, first.id);
    let written = 0;
    const write = async () => void written++;
    assert.equal(await fireSlot(db(), first, { dueAt: null, now: later }, write), false, 'stale fire refused');
    assert.equal(written, 0, 'no run inserted by the stale claim');
    assert.equal(await fireSlot(db(), second, { dueAt: null, now: later }, write), true);
    assert.equal(written, 1);
  });

  test('an alert group claimed again by the same worker id: the first claim cannot renew, defer, fail or send it', async () => {
    await queueRunAlert(db(), { runId: 9003, workflowId: 9003 });
    const [[first]] = await claimAlertGroups(db(), 'worker-A', 10, 60);
    assert.match(String(first.leaseOwner), TOKEN);
    // Its lease runs out (database clock); the same worker id claims it again.
    await db()('hookflow_alerts').where({ id: first.id }).update({ lease_expires_at: 1 });
    const [[second]] = await claimAlertGroups(db(), 'worker-A', 10, 60);
    assert.equal(second?.id, first.id);
    assert.notEqual(second.leaseOwner, first.leaseOwner);
    const stale = String(first.leaseOwner);
    assert.equal(await renewAlertLease(db(), [first.id], stale, 60), false, 'stale renew refused');
    await deferAlerts(db(), [first.id], stale, Date.now() + 3_600_000);
    await markSendFailed(db(), [first], stale, 'smtp down', await dbNowMs(db()), () => 1000);
    await markAlertsSent(db(), [first], stale);
    const row = await db()('hookflow_alerts').where({ id: first.id }).first();
    assert.deepEqual(
      [row.status, row.lease_owner, Number(row.attempts), row.last_error],
      ['pending', second.leaseOwner, 0, null],
      'the second claim still holds the alert, untouched',
    );
    await markAlertsSent(db(), [second], String(second.leaseOwner));
    assert.equal((await db()('hookflow_alerts').where({ id: first.id }).first()).status, 'sent');
  });
});
