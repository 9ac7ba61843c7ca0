/**
 * Record sweeps (`hookflow_backfills`, owner of its SQL): an admin's "Run for existing records",
 * or one cron slot over every matching record. A sweep walks its module in record-id order; the
 * sweep lane claims a due sweep under a lease (SQLite's write lock, MariaDB's FOR UPDATE SKIP
 * LOCKED) and advances it with `advanceSweep`, which moves the cursor only while the lease and the
 * cursor still hold, in the transaction that queues the step's runs — so each record is queued
 * once per sweep, whatever the crashes and however many workers run. Times: host clock, epoch ms.
 */
import type { Knex } from 'knex';
import type { Db } from '../host.js';
import { insertReturningId } from '../storage/engine.js';
import { claimLeasedRows } from '../storage/lease-claim.js';
import { parseJson } from '../storage/json.js';
import { OPEN_BACKFILL_STATUSES, type BackfillFilter, type BackfillStatus } from './backfill-policy.js';

export type SweepKind = 'backfill' | 'schedule';

export interface Sweep {
  id: number;
  workflowId: number;
  module: string;
  kind: SweepKind;
  status: BackfillStatus;
  filter: BackfillFilter | null;
  ratePerMinute: number;
  expected: number;
  cursorId: number;
  scanned: number;
  queued: number;
  creditAt: number;
  dueAt: number;
  error: string | null;
  createdBy: number | null;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

const TABLE = 'hookflow_backfills';
const num = (v: unknown) => (v == null ? null : Number(v));

function sweepFromRow(r: Record<string, any>): Sweep {
  return {
    id: Number(r.id),
    workflowId: Number(r.workflow_id),
    module: r.module,
    kind: r.kind,
    status: r.status,
    filter: parseJson(r.filter, null),
    ratePerMinute: Number(r.rate_per_minute),
    expected: Number(r.expected),
    cursorId: Number(r.cursor_id),
    scanned: Number(r.scanned),
    queued: Number(r.queued),
    creditAt: Number(r.credit_at),
    dueAt: Number(r.due_at),
    error: r.error ?? null,
    createdBy: num(r.created_by),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    finishedAt: num(r.finished_at),
  };
}

export interface NewSweep {
  workflowId: number;
  module: string;
  kind: SweepKind;
  filter: BackfillFilter | null;
  ratePerMinute: number;
  expected: number;
  createdBy: number | null;
  /** Initial rate credit (backfill-policy.ts). */
  creditAt: number;
}

export async function insertSweep(q: Db, s: NewSweep, now: number): Promise<number> {
  return insertReturningId(q, TABLE, {
    workflow_id: s.workflowId,
    module: s.module,
    kind: s.kind,
    status: 'running',
    filter: s.filter ? JSON.stringify(s.filter) : null,
    rate_per_minute: s.ratePerMinute,
    expected: s.expected,
    credit_at: s.creditAt,
    due_at: now,
    created_by: s.createdBy,
    created_at: now,
    updated_at: now,
  });
}

export async function getSweep(q: Db, id: number): Promise<Sweep | null> {
  const row = await q(TABLE).where({ id }).first();
  return row ? sweepFromRow(row) : null;
}

/** A workflow's sweeps, newest first. */
export async function listSweeps(q: Db, workflowId: number, limit = 10): Promise<Sweep[]> {
  return (await q(TABLE).where({ workflow_id: workflowId }).orderBy('id', 'desc').limit(limit)).map(sweepFromRow);
}

/** The workflow's sweep of `kind` that is still running or paused, if any. */
export async function openSweepOf(q: Db, workflowId: number, kind: SweepKind): Promise<Sweep | null> {
  const row = await q(TABLE)
    .where({ workflow_id: workflowId, kind })
    .whereIn('status', OPEN_BACKFILL_STATUSES as BackfillStatus[])
    .orderBy('id', 'desc')
    .first();
  return row ? sweepFromRow(row) : null;
}

/**
 * Moves a sweep from one of `from` to `to` (pause, resume, cancel); false when it was in none of
 * them. Dropping the lease makes a worker mid-step write nothing (advanceSweep checks it).
 */
export async function setSweepStatus(
  q: Db,
  id: number,
  from: readonly BackfillStatus[],
  to: BackfillStatus,
  now: number,
  error: string | null = null,
): Promise<boolean> {
  const final = !OPEN_BACKFILL_STATUSES.includes(to);
  const changed = await q(TABLE)
    .where({ id })
    .whereIn('status', from as BackfillStatus[])
    .update({
      status: to,
      lease_owner: null,
      lease_expires_at: null,
      due_at: now,
      updated_at: now,
      ...(error !== null ? { error } : {}),
      ...(final ? { finished_at: now } : {}),
    });
  return changed === 1;
}

const claimable = `status = 'running' AND due_at <= ? AND (lease_owner IS NULL OR lease_expires_at < ?)`;

/** A sweep as its claim leased it: `leaseOwner` is the claim's fencing token. */
export type LeasedSweep = Sweep & { leaseOwner: string };

/** Leases up to `limit` running sweeps due at `now` to `workerId`. */
export async function claimDueSweeps(
  db: Knex,
  workerId: string,
  now: number,
  leaseMs: number,
  limit: number,
): Promise<LeasedSweep[]> {
  const rows = await claimLeasedRows(db, {
    table: TABLE,
    claimable,
    params: [now, now],
    orderBy: 'due_at, id',
    limit,
    workerId,
    leaseExpiresAt: now + leaseMs,
  });
  return rows.map((r) => ({ ...sweepFromRow(r), leaseOwner: String(r.lease_owner) }));
}

export interface SweepAdvance {
  cursorId: number;
  scanned: number;
  queued: number;
  creditAt: number;
  /** When to take the next step; ignored when `finished`. */
  dueAt: number;
  finished: boolean;
  now: number;
}

/**
 * Advances a sweep its claim still leases from `sweep.cursorId` (in `trx`, which also queues the
 * step's runs): false, and the caller must roll back, when the lease, the status or the cursor
 * changed meanwhile (paused, cancelled, or taken over after the lease ran out).
 */
export async function advanceSweep(trx: Db, sweep: LeasedSweep, step: SweepAdvance): Promise<boolean> {
  const changed = await trx(TABLE)
    .where({ id: sweep.id, lease_owner: sweep.leaseOwner, status: 'running', cursor_id: sweep.cursorId })
    .update({
      cursor_id: step.cursorId,
      scanned: trx.raw('scanned + ?', [step.scanned]),
      queued: trx.raw('queued + ?', [step.queued]),
      credit_at: step.creditAt,
      due_at: step.finished ? step.now : step.dueAt,
      status: step.finished ? 'finished' : 'running',
      lease_owner: null,
      lease_expires_at: null,
      updated_at: step.now,
      ...(step.finished ? { finished_at: step.now } : {}),
    });
  return changed === 1;
}

/**
 * Ends a sweep its claim still leases as failed, saying why (the workflow or its module is gone).
 * False when the lease was lost meanwhile: a pause, cancel or the new holder's state stands.
 */
export async function failLeasedSweep(q: Db, sweep: LeasedSweep, error: string, now: number): Promise<boolean> {
  const changed = await q(TABLE).where({ id: sweep.id, lease_owner: sweep.leaseOwner, status: 'running' }).update({
    status: 'failed',
    error,
    lease_owner: null,
    lease_expires_at: null,
    due_at: now,
    updated_at: now,
    finished_at: now,
  });
  return changed === 1;
}

/** Gives a sweep back without advancing it (nothing to do before `dueAt`). */
export async function releaseSweep(q: Db, sweep: LeasedSweep, dueAt: number, now: number) {
  await q(TABLE)
    .where({ id: sweep.id, lease_owner: sweep.leaseOwner })
    .update({ lease_owner: null, lease_expires_at: null, due_at: dueAt, updated_at: now });
}

/** Removes sweeps that ended (finished, cancelled, failed) before `cutoff`; open ones always stay. */
export async function pruneEndedSweeps(q: Db, cutoff: number): Promise<number> {
  return q(TABLE).whereIn('status', ['finished', 'cancelled', 'failed']).where('finished_at', '<', cutoff).delete();
}
