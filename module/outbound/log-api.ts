/**
 * The webhook log API (mounted under the management API): list and inspect deliveries with
 * every attempt, resend one, or bulk-resend the failed deliveries of a webhook since a time.
 * A resend is a NEW delivery (same payload, new webhook-id) linked to the original.
 */
import express, { type Router } from 'express';
import { z } from 'zod';
import type { Knex } from 'knex';
import { HookflowError, parseInput } from '../errors.js';
import { pageOf } from '../storage/paging.js';
import { parseId } from '../http-errors.js';
import { newWebhookId } from './sign.js';
import { DELIVERY_STATUSES, enqueueDelivery } from './enqueue.js';
import { deliveryFromRow, type Delivery } from './deliveries.js';

const LogQuery = z.object({
  status: z.enum(DELIVERY_STATUSES).optional(),
  workflowId: z.coerce.number().int().positive().optional(),
  taskId: z.coerce.number().int().positive().optional(),
  recordId: z.coerce.number().int().positive().optional(),
  since: z.coerce.number().int().nonnegative().optional(),
  until: z.coerce.number().int().nonnegative().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

const BulkResend = z.object({ taskId: z.number().int().positive(), since: z.number().int().nonnegative() });

// Header names that look like they carry secrets are masked in the log even though Hookflow
// never stores its own credentials there: admins may have put an API key in a custom header.
const SENSITIVE = /auth|token|secret|key|password|signature|cookie/i;

export function maskHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, SENSITIVE.test(k) ? '••••' : v]));
}

function publicDelivery(d: Delivery) {
  return { ...d, headers: maskHeaders(d.headers) };
}

async function resend(db: Knex, d: Delivery): Promise<number> {
  return enqueueDelivery(db, {
    webhookId: newWebhookId(), runId: d.runId, workflowId: d.workflowId, taskId: d.taskId, eventType: d.eventType, module: d.module,
    recordId: d.recordId, method: d.method, url: d.url, headers: d.headers, contentType: d.contentType, body: d.body, originKey: null, resendOfId: d.id,
  });
}

export function createDeliveryLogApi(deps: { db: Knex; wake(): void }): Router {
  const { db } = deps;
  const api = express.Router();

  api.get('/deliveries', async (req, res) => {
    const f = parseInput(LogQuery, req.query);
    const q = db('hookflow_deliveries');
    if (f.status) q.where('status', f.status);
    if (f.workflowId) q.where('workflow_id', f.workflowId);
    if (f.taskId) q.where('task_id', f.taskId);
    if (f.recordId) q.where('record_id', f.recordId);
    if (f.since) q.where('created_at', '>=', f.since);
    if (f.until) q.where('created_at', '<', f.until);
    const { items, total } = await pageOf(q, f, (r) => publicDelivery(deliveryFromRow(r)));
    res.json({ deliveries: items, total });
  });

  api.get('/deliveries/:id', async (req, res) => {
    const row = await db('hookflow_deliveries').where({ id: parseId(req.params.id) }).first();
    if (!row) throw new HookflowError('not_found', `delivery ${req.params.id} not found`);
    const attempts = await db('hookflow_attempts').where({ delivery_id: row.id }).orderBy('attempt_no');
    res.json({ delivery: publicDelivery(deliveryFromRow(row)), attempts });
  });

  api.post('/deliveries/:id/resend', async (req, res) => {
    const row = await db('hookflow_deliveries').where({ id: parseId(req.params.id) }).first();
    if (!row) throw new HookflowError('not_found', `delivery ${req.params.id} not found`);
    const id = await resend(db, deliveryFromRow(row));
    deps.wake();
    res.status(201).json({ delivery: publicDelivery(deliveryFromRow(await db('hookflow_deliveries').where({ id }).first())) });
  });

  api.post('/deliveries/resend-failed', async (req, res) => {
    const { taskId, since } = parseInput(BulkResend, req.body ?? {});
    const rows = await db('hookflow_deliveries').where({ task_id: taskId, status: 'failed' }).where('created_at', '>=', since).orderBy('id');
    const ids: number[] = [];
    for (const row of rows) ids.push(await resend(db, deliveryFromRow(row)));
    deps.wake();
    res.status(201).json({ resent: ids.length, deliveryIds: ids });
  });

  return api;
}
