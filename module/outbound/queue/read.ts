/**
 * Reading the delivery queue (`hookflow_deliveries`, `hookflow_attempts`; their SQL lives in this
 * folder): row mapping, one delivery or many, one page of the log, a delivery's attempts, counts.
 */
import type { Knex } from 'knex';
import { parseJson } from '../../storage/json.js';
import { engineOf, statusGroupSql } from '../../storage/engine.js';
import { boundByCreatedAt, pageOf, type Page, type PageRequest } from '../../storage/paging.js';
import { DELIVERY_STATUSES, type DeliveryStatus, type NewDelivery, type WriteBack } from './enqueue.js';

/** A stored delivery: what was enqueued (less its origin key) plus its queue state. */
export interface Delivery extends Omit<NewDelivery, 'originKey' | 'resendOfId' | 'held' | 'writeBack'> {
  id: number;
  writeBack: WriteBack | null;
  destinationHost: string;
  status: DeliveryStatus;
  attemptCount: number;
  nextAttemptAt: number;
  lastStatusCode: number | null;
  lastError: string | null;
  /** Set on copies made by releases before resends reopened the delivery; null otherwise. */
  resendOfId: number | null;
  /** The latest resend (epoch ms) and who asked for it; null when never resent. */
  resentAt: number | null;
  resentBy: string | null;
  /** Attempts made before the latest resend: retry timing and the attempt limit count from it. */
  cycleAttemptBase: number;
  createdAt: number;
  finishedAt: number | null;
}

const num = (v: unknown): number | null => (v == null ? null : Number(v));

/** One attempt of a delivery as the log API and pages show it (JSON camelCase, like deliveries). */
export interface DeliveryAttempt {
  id: number;
  deliveryId: number;
  attemptNo: number;
  workerId: string | null;
  /** success | http_error | network_error | timeout | blocked */
  outcome: string;
  statusCode: number | null;
  responseHeaders: Record<string, string>;
  /** The first 16 KiB of the answer. */
  responseBody: string | null;
  error: string | null;
  startedAt: number;
  durationMs: number;
  /** Who asked for this attempt (a resend); null when the retry schedule made it. */
  requestedBy: string | null;
  /** What "save from the response" did after this attempt, in plain words; null when nothing. */
  writeBack: string | null;
}

export function attemptFromRow(r: Record<string, any>): DeliveryAttempt {
  return {
    id: Number(r.id),
    deliveryId: Number(r.delivery_id),
    attemptNo: Number(r.attempt_no),
    workerId: r.worker_id ?? null,
    outcome: r.outcome,
    statusCode: num(r.status_code),
    responseHeaders: parseJson(r.response_headers, {}),
    responseBody: r.response_body ?? null,
    error: r.error ?? null,
    startedAt: Number(r.started_at),
    durationMs: Number(r.duration_ms),
    requestedBy: r.requested_by ?? null,
    writeBack: r.write_back ?? null,
  };
}

export function deliveryFromRow(r: Record<string, any>): Delivery {
  return {
    id: Number(r.id),
    webhookId: r.webhook_id,
    runId: num(r.run_id),
    workflowId: num(r.workflow_id),
    taskId: num(r.task_id),
    eventType: r.event_type ?? null,
    module: r.module ?? null,
    recordId: num(r.record_id),
    method: r.method,
    url: r.url,
    destinationHost: r.destination_host,
    headers: parseJson(r.headers, {}),
    contentType: r.content_type ?? null,
    body: r.body ?? null,
    status: r.status,
    attemptCount: Number(r.attempt_count),
    nextAttemptAt: Number(r.next_attempt_at),
    lastStatusCode: num(r.last_status_code),
    lastError: r.last_error ?? null,
    resendOfId: num(r.resend_of_id),
    resentAt: num(r.resent_at),
    resentBy: r.resent_by ?? null,
    cycleAttemptBase: Number(r.cycle_attempt_base ?? 0),
    createdAt: Number(r.created_at),
    finishedAt: num(r.finished_at),
    writeBack: parseJson<WriteBack | null>(r.write_back, null),
  };
}

/**
 * When the first attempt of a delivery's current cycle started (retry times count from it): the
 * first attempt numbered above `afterAttemptNo` (the attempts before its latest resend). Default 0.
 */
export async function firstAttemptAt(db: Knex, deliveryId: number, afterAttemptNo = 0): Promise<number | null> {
  const row = await db('hookflow_attempts')
    .where({ delivery_id: deliveryId })
    .where('attempt_no', '>', afterAttemptNo)
    .min({ first: 'started_at' })
    .first();
  return row?.first == null ? null : Number(row.first);
}

/** Deliveries created since `sinceMs`, by status (every status present, 0 when none). */
export async function countDeliveriesSince(db: Knex, sinceMs: number): Promise<Record<string, number>> {
  const rows = await db('hookflow_deliveries')
    .where('created_at', '>=', sinceMs)
    .select('status')
    .count({ n: '*' })
    .groupByRaw(statusGroupSql(db));
  const counts: Record<string, number> = Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, 0]));
  for (const r of rows as Array<{ status: string; n: unknown }>) counts[r.status] = Number(r.n);
  return counts;
}

/** The chart's bucket: one epoch hour, the unit of the hour index (migration 20261204000010). */
export const HOUR_MS = 3_600_000;

/**
 * Deliveries per epoch hour (UTC) and status, of the hours from the one holding `sinceMs` on,
 * for the overview chart. Grouped by exactly the expression the hour index holds (migration
 * 20261204000010): MariaDB/MySQL's generated `created_hour`, SQLite's `created_at / 3600000`
 * (an integer column: SQLite divides integers like FLOOR for positives).
 */
export async function hourlyDeliveryCounts(
  db: Knex,
  sinceMs: number,
): Promise<Array<{ hour: number; status: string; count: number }>> {
  const hour = engineOf(db) === 'mysql' ? 'created_hour' : `(created_at / ${HOUR_MS})`;
  const rows = await db('hookflow_deliveries')
    .whereRaw(`${hour} >= ?`, [Math.floor(sinceMs / HOUR_MS)])
    .select(db.raw(`${hour} AS hour`), 'status')
    .count({ n: '*' })
    .groupByRaw(`${hour}, status`);
  return (rows as Array<{ hour: unknown; status: string; n: unknown }>).map((r) => ({
    hour: Number(r.hour),
    status: r.status,
    count: Number(r.n),
  }));
}

/** The deliveries with these ids (missing ones, e.g. pruned, are simply absent). */
export async function getDeliveries(db: Knex, ids: number[]): Promise<Delivery[]> {
  if (ids.length === 0) return [];
  return (await db('hookflow_deliveries').whereIn('id', ids)).map(deliveryFromRow);
}

/** One delivery, or null. */
export async function getDelivery(db: Knex, id: number): Promise<Delivery | null> {
  const row = await db('hookflow_deliveries').where({ id }).first();
  return row ? deliveryFromRow(row) : null;
}

/** Every attempt of a delivery, oldest first. */
export async function attemptsOf(db: Knex, deliveryId: number): Promise<DeliveryAttempt[]> {
  return (await db('hookflow_attempts').where({ delivery_id: deliveryId }).orderBy('attempt_no')).map(attemptFromRow);
}

/** Marks failed deliveries whose alert mail went out (the alert lane calls this in its transaction). */
export async function markDeliveriesAlerted(db: Knex, ids: number[]): Promise<void> {
  if (ids.length > 0) await db('hookflow_deliveries').whereIn('id', ids).update({ alert_state: 'sent' });
}

/** What the webhook log filters by (all optional) and which page it shows (an offset or a cursor). */
export interface DeliveryFilter extends PageRequest {
  status?: DeliveryStatus;
  workflowId?: number;
  taskId?: number;
  recordId?: number;
  /** Created at or after, epoch ms. */
  since?: number;
  /** Created before, epoch ms. */
  until?: number;
}

// The (id, created_at) index a page filtered by its time window alone walks (migration 20261207000010).
const ID_WALK_INDEX = 'hookflow_deliveries_id_created';

/**
 * One page of deliveries, newest first, with the (capped) count of the filter and the cursors.
 * `countCap` and `windowScanCap` are parameters so a test can reach them with a handful of rows.
 */
export async function listDeliveries(
  db: Knex,
  f: DeliveryFilter,
  countCap?: number,
  windowScanCap?: number,
): Promise<Page<Delivery>> {
  const q = db('hookflow_deliveries');
  if (f.status) q.where('status', f.status);
  if (f.workflowId) q.where('workflow_id', f.workflowId);
  if (f.taskId) q.where('task_id', f.taskId);
  if (f.recordId) q.where('record_id', f.recordId);
  if (f.since) q.where('created_at', '>=', f.since);
  if (f.until) q.where('created_at', '<', f.until);
  const windowOnly = !f.status && !f.workflowId && !f.taskId && !f.recordId;
  await boundByCreatedAt(db, q, 'hookflow_deliveries', f, windowScanCap, windowOnly ? ID_WALK_INDEX : undefined);
  return pageOf(db, q, f, deliveryFromRow, countCap);
}

/** Failed deliveries created since `since` (optionally of one webhook task or workflow), oldest first. */
export async function failedDeliveriesSince(
  db: Knex,
  f: { since: number; taskId?: number; workflowId?: number },
): Promise<Delivery[]> {
  const q = db('hookflow_deliveries').where({ status: 'failed' }).where('created_at', '>=', f.since).orderBy('id');
  if (f.taskId) q.where('task_id', f.taskId);
  if (f.workflowId) q.where('workflow_id', f.workflowId);
  return (await q).map(deliveryFromRow);
}
