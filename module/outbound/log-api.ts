/**
 * The webhook log: list and inspect deliveries with every attempt, resend one, or bulk-resend
 * the failed deliveries of a webhook since a time. A resend reopens the delivery: the same
 * message (same webhook-id and body) gets a new attempt with a fresh signature, recorded with who
 * asked for it; bulk resend never sends a message twice (see queue/resend.ts). Bodies hold no secret: a Bitrix24 body carries the
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
import { DELIVERY_STATUSES } from './queue/enqueue.js';
import { reopenDelivery, resendSkips, type ResendSkip } from './queue/resend.js';
import {
  attemptsOf,
  failedDeliveriesSince,
  getDelivery,
  listDeliveries,
  type Delivery,
  type DeliveryAttempt,
} from './queue/read.js';
import { APPLICATION_TOKEN_SLOT } from './bodies.js';
import { BOTH_CURSORS, type Page } from '../storage/paging.js';
import { listHeldDestinations, probeDestinationNow, type HeldDestination } from './queue/destinations.js';

/** A status filter in any case (`Queued`, `FAILED`): the values are a closed lower-case set. */
const StatusFilter = z.preprocess(
  (v) => (typeof v === 'string' ? v.trim().toLowerCase() : v),
  z.enum(DELIVERY_STATUSES),
);

export const DeliveryLogQuery = z
  .object({
    status: StatusFilter.optional(),
    workflowId: z.coerce.number().int().positive().optional(),
    taskId: z.coerce.number().int().positive().optional(),
    recordId: z.coerce.number().int().positive().optional(),
    since: z.coerce.number().int().nonnegative().optional(),
    until: z.coerce.number().int().nonnegative().optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    offset: z.coerce.number().int().min(0).default(0),
    /** Keyset cursors (fast at any depth): older than / newer than a delivery id. */
    before: z.coerce.number().int().positive().optional(),
    after: z.coerce.number().int().positive().optional(),
  })
  .refine((q) => q.before === undefined || q.after === undefined, { message: BOTH_CURSORS, path: ['before'] });
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

/** One page of the log, newest first, with its cursors and the count of the filter (capped). */
export type DeliveryLogPage = Omit<Page<unknown>, 'items'> & { deliveries: PublicDelivery[] };

/**
 * One page of the log, newest first: `total` (at most 10,000, `totalCapped` when more match),
 * `nextBefore` / `prevAfter` the cursors of the older / newer page (null when there is none).
 */
export async function listDeliveryLog(db: Knex, f: DeliveryLogQuery, countCap?: number): Promise<DeliveryLogPage> {
  const { items, ...rest } = await listDeliveries(db, f, countCap);
  return { deliveries: items.map(publicDelivery), ...rest };
}

/** An attempt for showing: secret-looking response header names masked (Set-Cookie, tokens). */
function publicAttempt(a: DeliveryAttempt): DeliveryAttempt {
  return { ...a, responseHeaders: maskHeaders(a.responseHeaders) };
}

/**
 * A delivery with every attempt (oldest first), and `destination`: its destination's hold while
 * it waits for it (failing since, next probe, how many wait), else null; 404 when it does not exist.
 */
export async function getDeliveryWithAttempts(
  db: Knex,
  id: number,
): Promise<{ delivery: PublicDelivery; attempts: DeliveryAttempt[]; destination: HeldDestination | null }> {
  const delivery = await getDelivery(db, id);
  if (!delivery) throw new HookflowError('not_found', `delivery ${id} not found`);
  const waiting = delivery.status === 'queued' || delivery.status === 'dispatched';
  const [destination] = waiting ? await listHeldDestinations(db, delivery.destinationHost) : [];
  return {
    delivery: publicDelivery(delivery),
    attempts: (await attemptsOf(db, id)).map(publicAttempt),
    destination: destination ?? null,
  };
}

/** Who asks for a resend, as the log shows it ("resent by Ada"). */
export type Requester = { name: string } | null;

const requesterName = (who: Requester) => who?.name?.trim() || 'an API client';

// The reopened delivery gets the token slot even when its body (stored by an earlier release)
// holds the token itself: the sender fills in the webhook's current token.
const reopen = (db: Knex, d: Delivery, who: Requester) =>
  reopenDelivery(db, d, requesterName(who), maskApplicationToken(d.body));

/**
 * Queues a finished delivery again as the same message (same webhook-id, fresh signature);
 * returns it. 404 when missing, 409 while it is still queued or being sent.
 */
export async function resendDelivery(db: Knex, id: number, who: Requester): Promise<PublicDelivery> {
  const delivery = await getDelivery(db, id);
  if (!delivery) throw new HookflowError('not_found', `delivery ${id} not found`);
  if (!(await reopen(db, delivery, who)))
    throw new HookflowError(
      'conflict',
      `delivery ${id} is still queued or being sent; it can be resent once it has finished`,
    );
  return publicDelivery((await getDelivery(db, id)) as Delivery);
}

export interface BulkResendResult {
  /** Ids of the deliveries queued again (oldest first). */
  resent: number[];
  /** Deliveries left alone: resent before and now in flight or delivered, or changed meanwhile. */
  skipped: Array<{ id: number; reason: ResendSkip }>;
}

/**
 * Queues again every failed delivery created since `since` (optionally of one webhook task or
 * workflow), except those a resend already took care of. A repeat of the same request sends
 * nothing new while the first one's resends are in flight or delivered.
 */
export async function resendFailedDeliveries(
  db: Knex,
  f: { since: number; taskId?: number; workflowId?: number },
  who: Requester,
): Promise<BulkResendResult> {
  const skipped = await resendSkips(db, f);
  const skip = new Set(skipped.map((s) => s.id));
  const resent: number[] = [];
  for (const d of await failedDeliveriesSince(db, f)) {
    if (skip.has(d.id)) continue;
    if (await reopen(db, d, who)) resent.push(d.id);
    else skipped.push({ id: d.id, reason: 'changed_meanwhile' });
  }
  return { resent, skipped };
}

/** Makes a held destination's probe due now (shared by the API and the overview's button); 404 when it is not held. */
export async function tryDestinationNow(db: Knex, host: string): Promise<HeldDestination> {
  if (!(await probeDestinationNow(db, host))) throw new HookflowError('not_found', `destination ${host} is not held`);
  const [destination] = await listHeldDestinations(db, host);
  return destination;
}

export function createDeliveryLogApi(deps: { db: Knex; wake(): void }): Router {
  const { db } = deps;
  const api = express.Router();

  api.get('/deliveries', async (req, res) => {
    res.json(await listDeliveryLog(db, parseInput(DeliveryLogQuery, req.query)));
  });

  // Destinations whose deliveries are held after failing N times in a row (oldest hold first).
  api.get('/destinations', async (_req, res) => {
    res.json({ destinations: await listHeldDestinations(db) });
  });

  // "Try now": the probe of a held destination is due at once; 404 when it is not held.
  api.post('/destinations/:host/probe', async (req, res) => {
    const destination = await tryDestinationNow(db, String(req.params.host));
    deps.wake();
    res.status(202).json({ destination });
  });

  api.get('/deliveries/:id', async (req, res) => {
    res.json(await getDeliveryWithAttempts(db, parseId(req.params.id)));
  });

  // 202: the message is queued again (the same delivery, so nothing is created).
  api.post('/deliveries/:id/resend', async (req, res) => {
    const delivery = await resendDelivery(db, parseId(req.params.id), res.locals.user ?? null);
    deps.wake();
    res.status(202).json({ delivery });
  });

  api.post('/deliveries/resend-failed', async (req, res) => {
    const { taskId, since } = parseInput(BulkResend, req.body ?? {});
    const { resent, skipped } = await resendFailedDeliveries(db, { taskId, since }, res.locals.user ?? null);
    if (resent.length > 0) deps.wake();
    res.status(resent.length > 0 ? 202 : 200).json({ resent: resent.length, deliveryIds: resent, skipped });
  });

  return api;
}
