/**
 * Planned schedule slots (`hookflow_schedules`): one row per (workflow, record), record_id 0 for
 * a cron workflow's slot with no record. The record hooks plan and cancel relative slots inside
 * the host's save transaction; the schedule lane claims due slots under a lease (like runs:
 * SQLite's write lock, MariaDB's FOR UPDATE SKIP LOCKED) and fires each in one transaction that
 * advances the slot only while its lease and due time still hold — so a slot fires once however
 * many workers run. Times are the host clock's epoch ms, passed in by the callers.
 */
import type { Knex } from 'knex';
import type { Db } from '../host.js';
import { claimLeasedRows } from '../storage/lease-claim.js';

export interface ScheduleSlot {
  id: number;
  workflowId: number;
  module: string;
  /** Null: the slot runs with no record. */
  recordId: number | null;
  dueAt: number;
  state: 'pending' | 'done';
  planKey: string;
}

const TABLE = 'hookflow_schedules';

function slotFromRow(row: Record<string, any>): ScheduleSlot {
  const recordId = Number(row.record_id);
  return {
    id: Number(row.id),
    workflowId: Number(row.workflow_id),
    module: row.module,
    recordId: recordId === 0 ? null : recordId,
    dueAt: Number(row.due_at),
    state: row.state,
    planKey: row.plan_key,
  };
}

export interface SlotPlan {
  workflowId: number;
  module: string;
  recordId: number | null;
  /** Null: nothing to plan (the slot, if any, is removed). */
  dueAt: number | null;
  state: 'pending' | 'done';
  planKey: string;
}

/**
 * Plans a slot. A slot already planned for the same time and schedule is left as it is (a fired
 * one is not re-armed by an unrelated save); a changed time re-plans it and drops any lease, so
 * a worker about to fire the old time fires nothing.
 */
export async function planSlot(q: Db, plan: SlotPlan, now: number): Promise<void> {
  const key = { workflow_id: plan.workflowId, record_id: plan.recordId ?? 0 };
  if (plan.dueAt === null) {
    await q(TABLE).where(key).delete();
    return;
  }
  const existing = await q(TABLE).where(key).first('due_at', 'plan_key');
  if (existing && Number(existing.due_at) === plan.dueAt && existing.plan_key === plan.planKey) return;
  const row = { due_at: plan.dueAt, state: plan.state, plan_key: plan.planKey, lease_owner: null, updated_at: now };
  if (existing) await q(TABLE).where(key).update(row);
  else
    await q(TABLE)
      .insert({ ...key, ...row, module: plan.module, lease_expires_at: null, created_at: now })
      .onConflict(['workflow_id', 'record_id'])
      .merge(row);
}

/** Removes every slot of one record (it was deleted). */
export async function cancelRecordSlots(q: Db, module: string, recordId: number): Promise<number> {
  return q(TABLE).where({ module, record_id: recordId }).delete();
}

/** Removes one slot (its workflow no longer schedules it). */
export async function deleteSlot(q: Db, id: number): Promise<void> {
  await q(TABLE).where({ id }).delete();
}

/** Removes every slot of a workflow. */
export async function deleteWorkflowSlots(q: Db, workflowId: number): Promise<number> {
  return q(TABLE).where({ workflow_id: workflowId }).delete();
}

/** Which schedules (plan keys) each workflow's slots were planned for, for the planning chore. */
export async function listSlotKeys(q: Db): Promise<Array<{ workflowId: number; planKey: string }>> {
  const rows = await q(TABLE).distinct('workflow_id', 'plan_key').orderBy('workflow_id');
  return rows.map((r: Record<string, any>) => ({ workflowId: Number(r.workflow_id), planKey: r.plan_key }));
}

/** A workflow's slots planned for one schedule. */
export async function listSlotsOf(q: Db, workflowId: number, planKey: string): Promise<ScheduleSlot[]> {
  return (await q(TABLE).where({ workflow_id: workflowId, plan_key: planKey }).orderBy('id')).map(slotFromRow);
}

/** When a workflow's next pending slot is due, or null. */
export async function nextDueAt(q: Db, workflowId: number): Promise<number | null> {
  const row = await q(TABLE).where({ workflow_id: workflowId, state: 'pending' }).min({ next: 'due_at' }).first();
  return row?.next == null ? null : Number(row.next);
}

const claimable = `state = 'pending' AND due_at <= ? AND (lease_owner IS NULL OR lease_expires_at < ?)`;

/** A slot as its claim leased it: `leaseOwner` is the claim's fencing token. */
export type LeasedSlot = ScheduleSlot & { leaseOwner: string };

/** Leases up to `limit` slots due at `now` to `workerId`, earliest first. */
export async function claimDueSlots(
  db: Knex,
  workerId: string,
  now: number,
  leaseMs: number,
  limit: number,
): Promise<LeasedSlot[]> {
  const rows = await claimLeasedRows(db, {
    table: TABLE,
    claimable,
    params: [now, now],
    orderBy: 'due_at, id',
    limit,
    workerId,
    leaseExpiresAt: now + leaseMs,
  });
  return rows
    .map((r) => ({ ...slotFromRow(r), leaseOwner: String(r.lease_owner) }))
    .sort((a, b) => a.dueAt - b.dueAt || a.id - b.id);
}

/**
 * Fires a slot its claim still holds: in one transaction, advances it (to `nextDueAt`, or done when
 * null) while its lease and due time still hold, then calls `write` (which inserts the run).
 * False, and nothing written, when the slot was re-planned, cancelled or taken over meanwhile.
 */
export async function fireSlot(
  db: Knex,
  slot: LeasedSlot,
  next: { dueAt: number | null; now: number },
  write: (trx: Knex.Transaction) => Promise<void>,
): Promise<boolean> {
  return db.transaction(async (trx) => {
    const advanced = await trx(TABLE)
      .where({ id: slot.id, lease_owner: slot.leaseOwner, due_at: slot.dueAt, state: 'pending' })
      .update({
        due_at: next.dueAt ?? slot.dueAt,
        state: next.dueAt === null ? 'done' : 'pending',
        lease_owner: null,
        lease_expires_at: null,
        fired_at: next.now,
        updated_at: next.now,
      });
    if (advanced !== 1) return false;
    await write(trx);
    return true;
  });
}
