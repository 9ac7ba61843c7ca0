/**
 * Holding deliveries while their webhook is disabled (owner of the hold SQL on
 * `hookflow_deliveries`). A held delivery is never claimed and burns no retries; re-enabling the
 * webhook queues its held deliveries again, due now, in the order they were created, each with a
 * fresh retry cycle (time spent held must not count against its schedule). An admin may discard
 * them instead.
 */
import type { Knex } from 'knex';
import { nowMsSql } from '../../storage/engine.js';
import { endProbeWithoutAttempt } from './destinations.js';

/**
 * Holds a delivery this worker leased (its webhook turned out to be disabled at send time)
 * without an attempt. False when the lease was lost meanwhile (the new holder decides).
 */
export async function holdLeasedDelivery(db: Knex, id: number, leaseOwner: string): Promise<boolean> {
  const now = db.raw(nowMsSql(db));
  const n = await db('hookflow_deliveries')
    .where({ id, status: 'dispatched', lease_owner: leaseOwner })
    .update({ status: 'held', lease_owner: null, lease_expires_at: null, updated_at: now });
  // It may have been the probe of a held destination: the next one goes now.
  if (Number(n) === 1) await endProbeWithoutAttempt(db, id);
  return Number(n) === 1;
}

/** Holds every queued delivery of a webhook task (it was just disabled); returns how many. */
export async function holdQueuedDeliveries(db: Knex, taskId: number): Promise<number> {
  const now = db.raw(nowMsSql(db));
  return Number(
    await db('hookflow_deliveries')
      .where({ task_id: taskId, status: 'queued' })
      .update({ status: 'held', updated_at: now }),
  );
}

/** Queues a task's held deliveries again, due now, oldest first by id; returns how many. */
export async function releaseHeldDeliveries(db: Knex, taskId: number): Promise<number> {
  const now = db.raw(nowMsSql(db));
  return Number(
    await db('hookflow_deliveries')
      .where({ task_id: taskId, status: 'held' })
      .update({
        status: 'queued',
        next_attempt_at: now,
        cycle_attempt_base: db.ref('attempt_count'),
        updated_at: now,
      }),
  );
}

/** Drops a task's held deliveries (an admin chose not to send them, or the webhook is gone); returns how many. */
export async function discardHeldDeliveries(
  db: Knex,
  taskId: number,
  reason = 'discarded by an admin while its webhook was disabled',
): Promise<number> {
  const now = db.raw(nowMsSql(db));
  return Number(
    await db('hookflow_deliveries').where({ task_id: taskId, status: 'held' }).update({
      status: 'discarded',
      last_error: reason,
      finished_at: now,
      updated_at: now,
    }),
  );
}

/** How many deliveries are held, per webhook task (only tasks that have any). */
export async function heldCountsByTask(db: Knex): Promise<Map<number, number>> {
  const rows = await db('hookflow_deliveries')
    .where({ status: 'held' })
    .whereNotNull('task_id')
    .select('task_id')
    .count({ n: '*' })
    .groupBy('task_id');
  return new Map((rows as Array<{ task_id: unknown; n: unknown }>).map((r) => [Number(r.task_id), Number(r.n)]));
}

/** The webhook tasks that have held deliveries (few: only disabled webhooks hold). */
export async function tasksWithHeldDeliveries(db: Knex): Promise<number[]> {
  const rows = await db('hookflow_deliveries').where({ status: 'held' }).whereNotNull('task_id').distinct('task_id');
  return rows.map((r: { task_id: unknown }) => Number(r.task_id));
}
