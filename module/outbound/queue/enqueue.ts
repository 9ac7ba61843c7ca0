/**
 * Writing a delivery (`hookflow_deliveries`, whose SQL lives in this folder): the snapshot of URL,
 * method, headers and body taken at trigger time. Credentials and signatures are NOT stored
 * here; the sender applies them at send time. Idempotent per origin key, so a run re-executed
 * after a crash never queues twice.
 */
import type { Db } from '../../host.js';
import { insertReturningId, nowMsSql } from '../../storage/engine.js';

/**
 * The closed set of delivery states. `held`: waiting while its webhook is disabled (nothing is
 * sent; re-enabling queues it again, in order) ; `discarded`: a held delivery an admin dropped.
 * A delivery waiting for a failing destination stays `queued` (see queue/destinations.ts).
 */
export const DELIVERY_STATUSES = ['queued', 'dispatched', 'held', 'success', 'failed', 'discarded'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface NewDelivery {
  webhookId: string;
  runId: number | null;
  workflowId: number | null;
  taskId: number | null;
  eventType: string | null;
  module: string | null;
  recordId: number | null;
  method: string;
  url: string;
  headers: Record<string, string>;
  contentType: string | null;
  body: string | null;
  /** `run:<id>:task:<id>`; null for resends. */
  originKey: string | null;
  resendOfId?: number | null;
  /** Stored `held` instead of `queued`: its webhook is disabled (sent once re-enabled). Default false. */
  held?: boolean;
  /** "Save from the response" rules and the record values they were queued against. Default none. */
  writeBack?: WriteBack | null;
  /**
   * Due this many ms after now (database clock) instead of now. Default 0. A webhook whose run
   * waits for the answer sets it past its answer timeout: the run sends it itself, and the
   * delivery lane only takes it when the run could not (died, or gave up without sending).
   */
  dueInMs?: number;
}

/** What a delivery writes back onto its record after a 2xx (stored as JSON in `write_back`). */
export interface WriteBack {
  rules: Array<{ path: string; field: string }>;
  /** Each target field's value when the delivery was queued (null when unset). */
  expected: Record<string, unknown>;
}

/**
 * Inserts a queued delivery due now (database clock); returns its id and the webhook-id actually
 * stored: on a repeat of its origin key (a run resumed after a crash) that is the FIRST one's, not
 * the one in `d` — the one the receiver gets, so the one a run log may show.
 */
export async function enqueueDelivery(db: Db, d: NewDelivery): Promise<{ id: number; webhookId: string }> {
  if (d.originKey) {
    const existing = await db('hookflow_deliveries').where({ origin_key: d.originKey }).first('id', 'webhook_id');
    if (existing) return { id: Number(existing.id), webhookId: String(existing.webhook_id) };
  }
  const now = db.raw(nowMsSql(db));
  const id = await insertReturningId(db, 'hookflow_deliveries', {
    webhook_id: d.webhookId,
    run_id: d.runId,
    workflow_id: d.workflowId,
    task_id: d.taskId,
    event_type: d.eventType,
    module: d.module,
    record_id: d.recordId,
    method: d.method,
    url: d.url,
    destination_host: new URL(d.url).host.toLowerCase(),
    headers: JSON.stringify(d.headers),
    content_type: d.contentType,
    body: d.body,
    status: d.held ? 'held' : 'queued',
    attempt_count: 0,
    next_attempt_at: d.dueInMs ? db.raw(`${nowMsSql(db)} + ?`, [Math.round(d.dueInMs)]) : now,
    origin_key: d.originKey,
    resend_of_id: d.resendOfId ?? null,
    created_at: now,
    updated_at: now,
    write_back: d.writeBack ? JSON.stringify(d.writeBack) : null,
  });
  return { id, webhookId: d.webhookId };
}

/**
 * Hands a delivery a waiting run could not send (its host stayed at the cap or its rate limit for
 * the whole answer timeout) to the delivery lane: due now instead of at its later `dueInMs`. Only
 * a still-queued delivery that has no attempt yet and is due later is touched, so a retry the
 * schedule set is never brought forward.
 */
export async function releaseWaitedDelivery(db: Db, id: number): Promise<void> {
  const now = db.raw(nowMsSql(db));
  await db('hookflow_deliveries')
    .where({ id, status: 'queued', attempt_count: 0 })
    .where('next_attempt_at', '>', now)
    .update({ next_attempt_at: now, updated_at: now });
}
