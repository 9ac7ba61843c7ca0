/**
 * Resending (owner of the resend SQL on `hookflow_deliveries`). A resend is a new attempt of the
 * SAME message: the delivery is reopened with its webhook-id (Standard Webhooks: the id stays
 * the same when a message is resent, so receivers can de-duplicate), and the sender signs it
 * with a fresh timestamp. Who asked is kept on the delivery and on the attempt it causes.
 *
 * Invariant: only a finished delivery (success or failed) is reopened, by a conditional UPDATE,
 * so two resends racing (two admins, a double click, a repeated bulk resend) queue it once.
 */
import type { Knex } from 'knex';
import { nowMsSql } from '../../storage/engine.js';
import type { Delivery } from './read.js';

/** Statuses a resend may reopen; anything else is still on its way. */
const FINISHED = ['success', 'failed'] as const;

/** Why a delivery was not resent (what bulk resend reports). */
export type ResendSkip = 'in_flight' | 'succeeded_since' | 'changed_meanwhile';

/**
 * Reopens one finished delivery as queued, due now, with a new attempt cycle; `body` replaces the
 * stored one (the caller masks a legacy Bitrix24 token). False when it was not finished (any
 * more): nothing changed.
 */
export async function reopenDelivery(
  db: Knex,
  d: Delivery,
  requestedBy: string,
  body: string | null,
): Promise<boolean> {
  const now = db.raw(nowMsSql(db));
  const changed = await db('hookflow_deliveries')
    .where({ id: d.id })
    .whereIn('status', FINISHED)
    .update({
      status: 'queued',
      next_attempt_at: now,
      cycle_attempt_base: db.ref('attempt_count'),
      resent_at: now,
      resent_by: requestedBy.slice(0, 200),
      finished_at: null,
      body,
      updated_at: now,
    });
  return Number(changed) === 1;
}

/**
 * Deliveries created since `since` (optionally of one webhook task or workflow) that a bulk
 * resend must leave alone, oldest first: ones resent before and now in flight or succeeded, and
 * failed ones whose copy (made by an earlier release) is in flight or succeeded.
 */
export async function resendSkips(
  db: Knex,
  f: { since: number; taskId?: number; workflowId?: number },
): Promise<Array<{ id: number; reason: ResendSkip }>> {
  const scope = (q: Knex.QueryBuilder, p = '') => {
    q.where(`${p}created_at`, '>=', f.since);
    if (f.taskId) q.where(`${p}task_id`, f.taskId);
    if (f.workflowId) q.where(`${p}workflow_id`, f.workflowId);
    return q;
  };
  const resent = await scope(db('hookflow_deliveries').whereNotNull('resent_at').whereNot('status', 'failed')).select(
    'id',
    'status',
  );
  const copies = await scope(
    db('hookflow_deliveries as c').join('hookflow_deliveries as o', 'o.id', 'c.resend_of_id'),
    'o.',
  )
    .where('o.status', 'failed')
    .whereNot('c.status', 'failed')
    .select('o.id', 'c.status');
  const skips = new Map<number, ResendSkip>();
  for (const r of [...resent, ...copies] as Array<{ id: unknown; status: string }>) {
    const reason: ResendSkip = r.status === 'success' ? 'succeeded_since' : 'in_flight';
    if (skips.get(Number(r.id)) !== 'in_flight') skips.set(Number(r.id), reason);
  }
  return [...skips].map(([id, reason]) => ({ id, reason })).sort((a, b) => a.id - b.id);
}
