/**
 * The alert outbox in the database (`hookflow_alerts`, one row per failed delivery or failed
 * run, written in the transaction that failed it) and who was mailed about what
 * (`hookflow_alert_recipients`). Claims lease whole groups (one webhook's deliveries, one
 * workflow's runs; alert-digest.ts), like the other queues:
 * `FOR UPDATE SKIP LOCKED` on MySQL/MariaDB, one guarded atomic UPDATE on SQLite; all times
 * come from the database clock. Every write after the claim is guarded by the lease owner, so
 * a worker whose lease expired cannot undo what the new holder did.
 */
import type { Knex } from 'knex';
import { markDeliveriesAlerted } from '../outbound/queue/read.js';
import { engineOf, nowMsSql } from '../storage/engine.js';
import { newLeaseOwner } from '../storage/lease-owner.js';
import type { Db } from '../host.js';
import { groupAlerts, type AlertGroupKey } from './alert-digest.js';

/** One outbox row: about a failed delivery (`deliveryId`) or a failed run (`runId`), never both. */
export interface AlertRow {
  id: number;
  deliveryId: number | null;
  runId: number | null;
  /** The webhook task of a delivery alert (its digest group); null on run alerts. */
  taskId: number | null;
  /** The workflow of a run alert (its digest group); null on delivery alerts. */
  workflowId: number | null;
  attempts: number;
  /** A delivery alert: the attempt that failed the delivery (0 on rows stored before it was kept). */
  failedAtAttempt: number;
  /** The fencing token of the claim that leased it (storage/lease-owner.ts); null when not leased. */
  leaseOwner: string | null;
}

/** Most alerts one mail group (one webhook, one workflow) takes in one claim; later ones follow in the next. */
export const MAX_ALERTS_PER_GROUP = 500;
// How many due rows one claim looks at to form its groups.
const CANDIDATES = 2000;

function alertFromRow(r: Record<string, any>): AlertRow {
  return {
    id: Number(r.id),
    deliveryId: num(r.delivery_id),
    runId: num(r.run_id),
    taskId: num(r.task_id),
    workflowId: num(r.workflow_id),
    attempts: Number(r.attempts),
    failedAtAttempt: Number(r.failed_at_attempt ?? 0),
    leaseOwner: r.lease_owner ?? null,
  };
}

const num = (v: unknown): number | null => (v == null ? null : Number(v));

/**
 * Queues the failure alert of run `runId` through `trx`: the transaction that marks the run
 * failed (finishRun), so the failure and its alert commit together or not at all. The unique
 * run_id makes a second alert for the same run impossible.
 */
export async function queueRunAlert(trx: Db, run: { runId: number; workflowId: number }): Promise<void> {
  const now = trx.raw(nowMsSql(trx));
  await trx('hookflow_alerts').insert({
    run_id: run.runId,
    workflow_id: run.workflowId,
    delivery_id: null,
    task_id: null,
    status: 'pending',
    due_at: now,
    created_at: now,
  });
}

/**
 * Queues the failure alerts of deliveries that just failed for good, through `trx`: the
 * transaction that records their last attempt (outbound's OnFinalFailure, wired by install), so a
 * failed delivery and its alert commit together. `attemptCount` is the delivery's count BEFORE the
 * attempt that failed it: unique (delivery, failing attempt) makes a second alert about the same
 * failure impossible, while a resent delivery that fails again gets an alert of its own.
 */
export async function queueDeliveryAlerts(
  trx: Db,
  deliveries: Array<{ id: number; taskId: number | null; attemptCount: number }>,
): Promise<void> {
  const now = trx.raw(nowMsSql(trx));
  await trx('hookflow_alerts').insert(
    deliveries.map((d) => ({
      delivery_id: d.id,
      task_id: d.taskId,
      failed_at_attempt: d.attemptCount + 1,
      status: 'pending',
      due_at: now,
      created_at: now,
    })),
  );
}

// Due and not held: never leased, or its holder's lease ran out (that worker died or hung).
function claimableSql(db: Knex, alias: string): string {
  const now = nowMsSql(db);
  return `${alias}status = 'pending' AND ${alias}due_at <= ${now} AND (${alias}lease_owner IS NULL OR ${alias}lease_expires_at < ${now})`;
}

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(',');

function pickIds(candidates: Record<string, any>[], maxGroups: number): number[] {
  return groupAlerts(candidates.map(alertFromRow), maxGroups, MAX_ALERTS_PER_GROUP)
    .flat()
    .map((a) => a.id);
}

/**
 * Leases due alerts of up to `maxGroups` groups to `workerId`, under one new fencing token (every
 * row's `leaseOwner`, which the later writes check); one array per group.
 */
export async function claimAlertGroups(
  db: Knex,
  workerId: string,
  maxGroups: number,
  leaseSeconds: number,
): Promise<AlertRow[][]> {
  const owner = newLeaseOwner(workerId);
  const now = nowMsSql(db);
  const set = `lease_owner = ?, lease_expires_at = ${now} + ?`;
  const select = `SELECT a.id, a.delivery_id, a.run_id, a.task_id, a.workflow_id, a.attempts FROM hookflow_alerts a WHERE ${claimableSql(db, 'a.')} ORDER BY a.due_at, a.id LIMIT ?`;
  let claimed: Record<string, any>[];
  if (engineOf(db) === 'sqlite') {
    const ids = pickIds(await db.raw(select, [CANDIDATES]), maxGroups);
    if (ids.length === 0) return [];
    // Re-checked in the UPDATE itself: a row another claim took meanwhile is not returned.
    claimed = await db.raw(
      `UPDATE hookflow_alerts SET ${set} WHERE id IN (${placeholders(ids.length)}) AND ${claimableSql(db, '')} RETURNING *`,
      [owner, leaseSeconds * 1000, ...ids],
    );
  } else {
    claimed = await db.transaction(async (trx) => {
      const [rows] = await trx.raw(`${select} FOR UPDATE SKIP LOCKED`, [CANDIDATES]);
      const ids = pickIds(rows, maxGroups);
      if (ids.length === 0) return [];
      await trx.raw(`UPDATE hookflow_alerts SET ${set} WHERE id IN (${placeholders(ids.length)})`, [
        owner,
        leaseSeconds * 1000,
        ...ids,
      ]);
      return trx('hookflow_alerts').whereIn('id', ids);
    });
  }
  return groupAlerts(
    claimed.map(alertFromRow).sort((a, b) => a.id - b.id),
    Number.MAX_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER,
  );
}

/** Extends the lease before a slow step; false when another claim holds (some of) the group now. */
export async function renewAlertLease(
  db: Knex,
  ids: number[],
  leaseOwner: string,
  leaseSeconds: number,
): Promise<boolean> {
  const n = await db('hookflow_alerts')
    .whereIn('id', ids)
    .where({ lease_owner: leaseOwner, status: 'pending' })
    .update({ lease_expires_at: db.raw(`${nowMsSql(db)} + ?`, [leaseSeconds * 1000]) });
  return n === ids.length;
}

/** Puts the group back until `untilMs` (the end of its throttle window). */
export async function deferAlerts(db: Knex, ids: number[], leaseOwner: string, untilMs: number): Promise<void> {
  await db('hookflow_alerts')
    .whereIn('id', ids)
    .where({ lease_owner: leaseOwner, status: 'pending' })
    .update({ due_at: untilMs, lease_owner: null, lease_expires_at: null });
}

/**
 * When this group's last alert mail went out (the webhook's delivery alerts, or the workflow's
 * run alerts: the two never hold each other back), if after `sinceMs`, not counting mails about
 * `excludeIds` (the group being processed). Null: none in that time.
 */
export async function lastMailAt(
  db: Knex,
  group: AlertGroupKey,
  excludeIds: number[],
  sinceMs: number,
): Promise<number | null> {
  const q = db('hookflow_alert_recipients as r')
    .join('hookflow_alerts as a', 'a.id', 'r.alert_id')
    .where('r.sent_at', '>=', sinceMs)
    .whereNotIn('a.id', excludeIds)
    .max({ last: 'r.sent_at' });
  const [kindColumn, keyColumn, key] =
    group.kind === 'run'
      ? ['a.run_id', 'a.workflow_id', group.workflowId]
      : ['a.delivery_id', 'a.task_id', group.taskId];
  q.whereNotNull(kindColumn);
  if (key === null) q.whereNull(keyColumn);
  else q.where(keyColumn, key);
  const row = (await q)[0] as { last: unknown } | undefined;
  return row?.last == null ? null : Number(row.last);
}

/** Which (alert, address) pairs were already mailed (a retry after a partial send). */
export async function alreadyMailed(db: Knex, ids: number[]): Promise<Array<{ alertId: number; address: string }>> {
  const rows = await db('hookflow_alert_recipients').whereIn('alert_id', ids).select('alert_id', 'address');
  return rows.map((r: Record<string, any>) => ({ alertId: Number(r.alert_id), address: String(r.address) }));
}

/**
 * Notes that `address` was mailed about `alertIds`, right after the SMTP server accepted it.
 * Deliberately not lease-checked: it records a mail that went out, a fact whoever holds the
 * lease now needs (it skips that address), so dropping it would mail the address twice.
 */
export async function recordMailed(
  db: Knex,
  alertIds: number[],
  address: string,
  userId: number | null,
): Promise<void> {
  const sentAt = db.raw(nowMsSql(db));
  await db('hookflow_alert_recipients')
    .insert(alertIds.map((id) => ({ alert_id: id, address, user_id: userId, sent_at: sentAt })))
    .onConflict(['alert_id', 'address'])
    .ignore();
}

/** Every recipient has been told: the alerts (and the deliveries they are about) are `sent`. */
export async function markAlertsSent(db: Knex, rows: AlertRow[], leaseOwner: string): Promise<void> {
  await db.transaction(async (trx) => {
    const now = trx.raw(nowMsSql(trx));
    const ids = rows.map((r) => r.id);
    await trx('hookflow_alerts')
      .whereIn('id', ids)
      .where({ lease_owner: leaseOwner, status: 'pending' })
      .update({ status: 'sent', sent_at: now, lease_owner: null, lease_expires_at: null });
    // Only alert_state: a delivery's own status is never touched by the alert lane.
    // Runs have no alert marker of their own: their outbox row is the only record.
    const deliveryIds = rows.flatMap((r) => (r.deliveryId === null ? [] : [r.deliveryId]));
    await markDeliveriesAlerted(trx, deliveryIds);
  });
}

/** Some mail could not be sent: each alert waits `delayMs(attempts)` and is tried again. */
export async function markSendFailed(
  db: Knex,
  rows: AlertRow[],
  leaseOwner: string,
  error: string,
  nowMs: number,
  delayMs: (attempts: number) => number,
): Promise<void> {
  await db.transaction(async (trx) => {
    for (const row of rows) {
      const attempts = row.attempts + 1;
      await trx('hookflow_alerts')
        .where({ id: row.id, lease_owner: leaseOwner, status: 'pending' })
        .update({
          attempts,
          last_error: error.slice(0, 1000),
          due_at: nowMs + delayMs(attempts),
          lease_owner: null,
          lease_expires_at: null,
        });
    }
  });
}

/** Of these runs, those whose failure alert is still pending (the mail reads the run). */
export async function runsWithPendingAlerts(db: Knex, runIds: number[]): Promise<Set<number>> {
  if (runIds.length === 0) return new Set();
  const rows = await db('hookflow_alerts').whereIn('run_id', runIds).where('status', 'pending').select('run_id');
  return new Set(rows.map((r: { run_id: unknown }) => Number(r.run_id)));
}

/** Deletes the sent alert rows (and their recipients) about these deliveries or runs (retention). */
export async function deleteSentAlerts(db: Knex, about: 'delivery_id' | 'run_id', ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  const alertIds = (await db('hookflow_alerts').whereIn(about, ids).whereNot('status', 'pending').select('id')).map(
    (r: { id: number }) => r.id,
  );
  if (alertIds.length === 0) return;
  await db('hookflow_alert_recipients').whereIn('alert_id', alertIds).del();
  await db('hookflow_alerts').whereIn('id', alertIds).del();
}
