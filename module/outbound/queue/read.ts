/**
 * Reading the delivery queue (`hookflow_deliveries`, `hookflow_attempts`; their SQL lives in this
 * folder): row mapping, one delivery or many, one page of the log, a delivery's attempts, counts.
 */
import type { Knex } from 'knex';
import { parseJson } from '../../storage/json.js';
import type { DeliveryStatus, NewDelivery } from './enqueue.js';

/** A stored delivery: what was enqueued (less its origin key) plus its queue state. */
export interface Delivery extends Omit<NewDelivery, 'originKey' | 'resendOfId'> {
  id: number;
  destinationHost: string;
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
}

export function attemptFromRow(r: Record<string, any>): DeliveryAttempt {
  return {
    id: Number(r.id), deliveryId: Number(r.delivery_id), attemptNo: Number(r.attempt_no), workerId: r.worker_id ?? null,
    outcome: r.outcome, statusCode: num(r.status_code), responseHeaders: parseJson(r.response_headers, {}),
    responseBody: r.response_body ?? null, error: r.error ?? null, startedAt: Number(r.started_at), durationMs: Number(r.duration_ms),
  };
}

export function deliveryFromRow(r: Record<string, any>): Delivery {
  return {
    id: Number(r.id), webhookId: r.webhook_id, runId: num(r.run_id), workflowId: num(r.workflow_id), taskId: num(r.task_id),
    eventType: r.event_type ?? null, module: r.module ?? null, recordId: num(r.record_id), method: r.method, url: r.url,
    destinationHost: r.destination_host, headers: parseJson(r.headers, {}), contentType: r.content_type ?? null, body: r.body ?? null,
    status: r.status, attemptCount: Number(r.attempt_count), nextAttemptAt: Number(r.next_attempt_at), lastStatusCode: num(r.last_status_code),
    lastError: r.last_error ?? null, resendOfId: num(r.resend_of_id), createdAt: Number(r.created_at), finishedAt: num(r.finished_at),
  };
}

/** When the first attempt of a delivery started (retry times count from it). */
export async function firstAttemptAt(db: Knex, deliveryId: number): Promise<number | null> {
  const row = await db('hookflow_attempts').where({ delivery_id: deliveryId }).min({ first: 'started_at' }).first();
  return row?.first == null ? null : Number(row.first);
}
