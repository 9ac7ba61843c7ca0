/**
 * The delivery queue in the database: claiming due deliveries under a lease and recording each
 * attempt. Invariants: a delivery is `dispatched` only while a worker holds its lease; the
 * attempt row and the delivery's new state are written in ONE transaction, and only by the
 * lease holder (a worker whose lease expired cannot overwrite the new holder's outcome).
 */
import type { Knex } from 'knex';
import { engineOf, nowMsSql } from '../storage/engine.js';
import { parseJson } from '../workflows/model.js';
import type { DeliveryStatus } from './enqueue.js';

export interface Delivery {
  id: number;
  webhookId: string;
  runId: number | null;
  workflowId: number | null;
  taskId: number | null;
  eventType: string | null;
  module: string | null;
  recordId: number | null;
  method: string;
  url: string;
  destinationHost: string;
  headers: Record<string, string>;
  contentType: string | null;
  body: string | null;
  status: DeliveryStatus;
  attemptCount: number;
  nextAttemptAt: number;
  lastStatusCode: number | null;
  lastError: string | null;
  resendOfId: number | null;
  createdAt: number;
  finishedAt: number | null;
}

const num = (v: unknown): number | null => (v == null ? null : Number(v));

export function deliveryFromRow(r: Record<string, any>): Delivery {
  return {
    id: Number(r.id), webhookId: r.webhook_id, runId: num(r.run_id), workflowId: num(r.workflow_id), taskId: num(r.task_id),
    eventType: r.event_type ?? null, module: r.module ?? null, recordId: num(r.record_id), method: r.method, url: r.url,
    destinationHost: r.destination_host, headers: parseJson(r.headers, {}), contentType: r.content_type ?? null, body: r.body ?? null,
    status: r.status, attemptCount: Number(r.attempt_count), nextAttemptAt: Number(r.next_attempt_at), lastStatusCode: num(r.last_status_code),
    lastError: r.last_error ?? null, resendOfId: num(r.resend_of_id), createdAt: Number(r.created_at), finishedAt: num(r.finished_at),
  };
}

// Due: queued and its time has come, or dispatched under an expired lease (its worker died
// mid-attempt; the receiver may have seen it, which is why webhook-id stays the same).
function dueSql(db: Knex): string {
  const now = nowMsSql(db);
  return `((d.status = 'queued' AND d.next_attempt_at <= ${now}) OR (d.status = 'dispatched' AND d.lease_expires_at < ${now}))`;
}

export interface ClaimOptions {
  leaseSeconds: number;
  /** Most deliveries to one destination host in flight at once (across all workers). */
  perHostConcurrency: number;
}

/** Leases up to `limit` due deliveries to `workerId`, oldest due first. */
export async function claimDueDeliveries(db: Knex, workerId: string, limit: number, opts: ClaimOptions): Promise<Delivery[]> {
  const { leaseSeconds } = opts;
  const now = nowMsSql(db);
  const set = `status = 'dispatched', lease_owner = ?, lease_expires_at = ${now} + ?, updated_at = ${now}`;
  if (engineOf(db) === 'sqlite') {
    const rows = await db.raw(
      `UPDATE hookflow_deliveries SET ${set} WHERE id IN (SELECT d.id FROM hookflow_deliveries d WHERE ${dueSql(db)} ORDER BY d.next_attempt_at, d.id LIMIT ?) RETURNING *`,
      [workerId, leaseSeconds * 1000, limit],
    );
    return (rows as Record<string, any>[]).map(deliveryFromRow);
  }
  return db.transaction(async (trx) => {
    const [picked] = await trx.raw(`SELECT d.id FROM hookflow_deliveries d WHERE ${dueSql(trx)} ORDER BY d.next_attempt_at, d.id LIMIT ? FOR UPDATE SKIP LOCKED`, [limit]);
    const ids = (picked as Array<{ id: number }>).map((r) => Number(r.id));
    if (ids.length === 0) return [];
    await trx.raw(`UPDATE hookflow_deliveries SET ${set} WHERE id IN (${ids.map(() => '?').join(',')})`, [workerId, leaseSeconds * 1000, ...ids]);
    return (await trx('hookflow_deliveries').whereIn('id', ids)).map(deliveryFromRow);
  });
}

export interface AttemptRecord {
  outcome: 'success' | 'http_error' | 'network_error' | 'timeout' | 'blocked';
  statusCode: number | null;
  responseHeaders: Record<string, string> | null;
  responseBody: string | null;
  error: string | null;
  startedAt: number;
  durationMs: number;
}

export type NextState = { status: 'success' } | { status: 'queued'; nextAttemptAt: number } | { status: 'failed' };

/** Writes the attempt row and the delivery's next state; false when the lease was lost. */
export async function recordAttempt(db: Knex, delivery: Delivery, workerId: string, attempt: AttemptRecord, next: NextState): Promise<boolean> {
  return db.transaction(async (trx) => {
    const now = trx.raw(nowMsSql(trx));
    const updated = await trx('hookflow_deliveries').where({ id: delivery.id, lease_owner: workerId, status: 'dispatched' }).update({
      status: next.status,
      attempt_count: delivery.attemptCount + 1,
      next_attempt_at: next.status === 'queued' ? next.nextAttemptAt : delivery.nextAttemptAt,
      last_status_code: attempt.statusCode,
      last_error: attempt.error,
      lease_owner: null,
      lease_expires_at: null,
      updated_at: now,
      finished_at: next.status === 'queued' ? null : now,
      alert_state: next.status === 'failed' ? 'pending' : 'none',
    });
    if (updated !== 1) return false;
    await trx('hookflow_attempts').insert({
      delivery_id: delivery.id, attempt_no: delivery.attemptCount + 1, worker_id: workerId, outcome: attempt.outcome,
      status_code: attempt.statusCode, response_headers: attempt.responseHeaders ? JSON.stringify(attempt.responseHeaders) : null,
      response_body: attempt.responseBody, error: attempt.error, started_at: attempt.startedAt, duration_ms: attempt.durationMs,
    });
    // The failure alert is itself queued work (an outbox row), so a crash cannot lose it.
    if (next.status === 'failed') {
      await trx('hookflow_alerts').insert({ delivery_id: delivery.id, task_id: delivery.taskId, status: 'pending', due_at: now, created_at: now });
    }
    return true;
  });
}

/** When the first attempt of a delivery started (retry times count from it). */
export async function firstAttemptAt(db: Knex, deliveryId: number): Promise<number | null> {
  const row = await db('hookflow_attempts').where({ delivery_id: deliveryId }).min({ first: 'started_at' }).first();
  return row?.first == null ? null : Number(row.first);
}
