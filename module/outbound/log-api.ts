/**
 * The webhook log: list and inspect deliveries with every attempt, resend one, or bulk-resend
 * the failed deliveries of a webhook since a time. A resend is a NEW delivery (same payload,
 * new webhook-id) linked to the original. Bodies hold no secret: a Bitrix24 body carries the
 * token slot (`auth[application_token]=********`) that the sender fills at send time.
 *
 * The functions are shared by the JSON API below (mounted under the management API) and the
 * admin pages, so both show and do exactly the same thing.
 */
import express, { type Router } from 'express';
import { z } from 'zod';
import type { Knex } from 'knex';
import { HookflowError } from '../errors.js';
import { parseInput } from '../validation-messages.js';
import { parseId } from '../http-errors.js';
import { newWebhookId } from './sign.js';
import { DELIVERY_STATUSES, enqueueDelivery } from './queue/enqueue.js';
import { attemptsOf, failedDeliveriesSince, getDelivery, listDeliveries, type Delivery, type DeliveryAttempt } from './queue/read.js';
import { APPLICATION_TOKEN_SLOT } from './bodies.js';

/** A status filter in any case (`Queued`, `FAILED`): the values are a closed lower-case set. */
const StatusFilter = z.preprocess((v) => (typeof v === 'string' ? v.trim().toLowerCase() : v), z.enum(DELIVERY_STATUSES));

export const DeliveryLogQuery = z.object({
  status: StatusFilter.optional(),
  workflowId: z.coerce.number().int().positive().optional(),
  taskId: z.coerce.number().int().positive().optional(),
  recordId: z.coerce.number().int().positive().optional(),
  since: z.coerce.number().int().nonnegative().optional(),
  until: z.coerce.number().int().nonnegative().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export type DeliveryLogQuery = z.infer<typeof DeliveryLogQuery>;

const BulkResend = z.object({ taskId: z.number().int().positive(), since: z.number().int().nonnegative() });

// Header names that look like they carry secrets are masked in the log even though Hookflow
// never stores its own credentials there: admins may have put an API key in a custom header.
const SENSITIVE = /auth|token|secret|key|password|signature|cookie/i;

export function maskHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, SENSITIVE.test(k) ? '••••' : v]));
}

// A trailing `auth[application_token]=<value>` pair of a form body. Since the token moved to
// send time it is always the placeholder; deliveries stored by earlier releases hold the token.
const TRAILING_TOKEN_PAIR = /&auth%5Bapplication_token%5D=[^&]*$/;

/** A stored body for showing: any trailing `auth[application_token]` value shown as the placeholder. */
export function maskApplicationToken(body: string | null): string | null {
  return body === null ? null : body.replace(TRAILING_TOKEN_PAIR, () => `&${APPLICATION_TOKEN_SLOT}`);
}

/** A delivery as the log shows it: secret-looking headers and a Bitrix24 token masked. */
export type PublicDelivery = Delivery;

export function publicDelivery(d: Delivery): PublicDelivery {
  return { ...d, headers: maskHeaders(d.headers), body: maskApplicationToken(d.body) };
}

// The copy gets the token slot even when the original (stored by an earlier release) holds the
// token itself: the sender fills in the webhook's current token, and no new row holds a secret.
async function resend(db: Knex, d: Delivery): Promise<number> {
  return (await enqueueDelivery(db, {
    webhookId: newWebhookId(), runId: d.runId, workflowId: d.workflowId, taskId: d.taskId, eventType: d.eventType, module: d.module,
    recordId: d.recordId, method: d.method, url: d.url, headers: d.headers, contentType: d.contentType, body: maskApplicationToken(d.body), originKey: null, resendOfId: d.id,
  })).id;
}

/** One page of the log, newest first, with the total count of the filter. */
export async function listDeliveryLog(db: Knex, f: DeliveryLogQuery): Promise<{ deliveries: PublicDelivery[]; total: number }> {
  const { items, total } = await listDeliveries(db, f);
  return { deliveries: items.map(publicDelivery), total };
}

/** An attempt for showing: secret-looking response header names masked (Set-Cookie, tokens). */
function publicAttempt(a: DeliveryAttempt): DeliveryAttempt {
  return { ...a, responseHeaders: maskHeaders(a.responseHeaders) };
}

/** A delivery with every attempt (oldest first); 404 when it does not exist. */
export async function getDeliveryWithAttempts(db: Knex, id: number): Promise<{ delivery: PublicDelivery; attempts: DeliveryAttempt[] }> {
  const delivery = await getDelivery(db, id);
  if (!delivery) throw new HookflowError('not_found', `delivery ${id} not found`);
  return { delivery: publicDelivery(delivery), attempts: (await attemptsOf(db, id)).map(publicAttempt) };
}

/** Queues a copy of a delivery (new webhook-id); returns the new delivery. 404 when missing. */
export async function resendDelivery(db: Knex, id: number): Promise<PublicDelivery> {
  const delivery = await getDelivery(db, id);
  if (!delivery) throw new HookflowError('not_found', `delivery ${id} not found`);
  const copy = await getDelivery(db, await resend(db, delivery));
  return publicDelivery(copy as Delivery);
}

/**
 * Queues a copy of every failed delivery created since `since`, optionally only those of one
 * webhook task or one workflow; returns the new delivery ids (oldest original first).
 */
export async function resendFailedDeliveries(db: Knex, f: { since: number; taskId?: number; workflowId?: number }): Promise<number[]> {
  const ids: number[] = [];
  for (const d of await failedDeliveriesSince(db, f)) ids.push(await resend(db, d));
  return ids;
}

export function createDeliveryLogApi(deps: { db: Knex; wake(): void }): Router {
  const { db } = deps;
  const api = express.Router();

  api.get('/deliveries', async (req, res) => {
    res.json(await listDeliveryLog(db, parseInput(DeliveryLogQuery, req.query)));
  });

  api.get('/deliveries/:id', async (req, res) => {
    res.json(await getDeliveryWithAttempts(db, parseId(req.params.id)));
  });

  api.post('/deliveries/:id/resend', async (req, res) => {
    const delivery = await resendDelivery(db, parseId(req.params.id));
    deps.wake();
    res.status(201).json({ delivery });
  });

  api.post('/deliveries/resend-failed', async (req, res) => {
    const { taskId, since } = parseInput(BulkResend, req.body ?? {});
    const ids = await resendFailedDeliveries(db, { taskId, since });
    deps.wake();
    res.status(201).json({ resent: ids.length, deliveryIds: ids });
  });

  return api;
}
