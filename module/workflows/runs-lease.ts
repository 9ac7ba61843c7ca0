/**
 * The run queue side of `hookflow_runs` (the rows and their reads are in runs.ts): workers claim
 * due async runs with a lease, save progress and renew the lease while they run them, and
 * release it when they finish the run. Runs of one record (same order_key) are claimed strictly
 * in event order. A run that ends failed has its follow-up (the failure alert, wired in by
 * install) written by `onFailed` in the transaction that fails it; this file never names another
 * folder's tables.
 */
import type { Knex } from 'knex';
import type { Db } from '../host.js';
import { engineOf, nowMsSql } from '../storage/engine.js';
import { newLeaseOwner } from '../storage/lease-owner.js';
import { runFromRow, type LeasedRun, type Run, type TaskResult } from './runs.js';

// A run is claimable when queued for the worker, or running under an expired lease (its
// worker died), and no earlier run of the same record is still unfinished.
function claimableSql(db: Db): string {
  const now = nowMsSql(db);
  return `((r.status = 'queued' AND r.mode = 'async') OR (r.status = 'running' AND r.lease_expires_at < ${now}))
    AND NOT EXISTS (SELECT 1 FROM hookflow_runs p WHERE p.order_key = r.order_key AND p.id < r.id AND p.status IN ('queued', 'running'))`;
}

/** Leases up to `limit` due runs to `workerId`, under one new fencing token (storage/lease-owner.ts). */
export async function claimDueRuns(
  db: Knex,
  workerId: string,
  limit: number,
  leaseSeconds: number,
): Promise<LeasedRun[]> {
  const leaseOwner = newLeaseOwner(workerId);
  const leased = (row: Record<string, any>): LeasedRun => ({ ...runFromRow(row), leaseOwner });
  const now = nowMsSql(db);
  const set = `status = 'running', lease_owner = ?, lease_expires_at = ${now} + ?, attempts = attempts + 1, started_at = COALESCE(started_at, ${now})`;
  if (engineOf(db) === 'sqlite') {
    const rows = await db.raw(
      `UPDATE hookflow_runs SET ${set} WHERE id IN (SELECT r.id FROM hookflow_runs r WHERE ${claimableSql(db)} ORDER BY r.id LIMIT ?) RETURNING *`,
      [leaseOwner, leaseSeconds * 1000, limit],
    );
    return (rows as Record<string, any>[]).sort((a, b) => Number(a.id) - Number(b.id)).map(leased);
  }
  // READ COMMITTED: the claim takes no gap locks, so it never blocks (or deadlocks with) a host
  // save inserting its run row; the picked rows are still locked FOR UPDATE SKIP LOCKED.
  return db.transaction(
    async (trx) => {
      const [picked] = await trx.raw(
        `SELECT r.id FROM hookflow_runs r WHERE ${claimableSql(trx)} ORDER BY r.id LIMIT ? FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      const ids = (picked as Array<{ id: number }>).map((r) => Number(r.id));
      if (ids.length === 0) return [];
      await trx.raw(`UPDATE hookflow_runs SET ${set} WHERE id IN (${ids.map(() => '?').join(',')})`, [
        leaseOwner,
        leaseSeconds * 1000,
        ...ids,
      ]);
      return (await trx('hookflow_runs').whereIn('id', ids).orderBy('id')).map(leased);
    },
    { isolationLevel: 'read committed' },
  );
}

/** Saves progress after each task and renews the lease `leaseOwner` holds; false when it was lost. */
export async function saveRunProgress(
  db: Knex,
  runId: number,
  leaseOwner: string,
  leaseSeconds: number,
  progress: { taskResults: TaskResult[]; env: Record<string, unknown> },
): Promise<boolean> {
  const updated = await db('hookflow_runs')
    .where({ id: runId, lease_owner: leaseOwner, status: 'running' })
    .update({
      task_results: JSON.stringify(progress.taskResults),
      env: JSON.stringify(progress.env),
      lease_expires_at: db.raw(`${nowMsSql(db)} + ?`, [leaseSeconds * 1000]),
    });
  return updated === 1;
}

/** The lease heartbeat: extends the lease of a run `leaseOwner` still holds; false when it was lost. */
export async function renewRunLease(
  db: Knex,
  runId: number,
  leaseOwner: string,
  leaseSeconds: number,
): Promise<boolean> {
  const updated = await db('hookflow_runs')
    .where({ id: runId, lease_owner: leaseOwner, status: 'running' })
    .update({ lease_expires_at: db.raw(`${nowMsSql(db)} + ?`, [leaseSeconds * 1000]) });
  return updated === 1;
}

export interface RunResult {
  status: 'succeeded' | 'failed' | 'skipped';
  taskResults: TaskResult[];
  env: Record<string, unknown>;
  output?: unknown;
  error?: string | null;
}

/**
 * Finishes a run held by `leaseOwner` (the claim's token); the lease is released in the same statement. A FAILED run
 * gets its failure-alert outbox row in the same transaction (invariant: a run is failed exactly
 * when it has its alert row; a crash or a rollback leaves neither, and the run stays leased, so
 * it is claimed again when the lease expires). False when the lease was lost (nothing written).
 */
/** Called inside the transaction that fails a run (install wires the failure alert to it). */
export type OnRunFailed = (trx: Knex.Transaction, run: { runId: number; workflowId: number }) => Promise<void>;

export async function finishRun(
  db: Db,
  run: Pick<Run, 'id' | 'workflowId'>,
  leaseOwner: string,
  result: RunResult,
  onFailed?: OnRunFailed,
): Promise<boolean> {
  const finish = async (q: Db) =>
    (await q('hookflow_runs')
      .where({ id: run.id, lease_owner: leaseOwner, status: 'running' })
      .update({
        status: result.status,
        task_results: JSON.stringify(result.taskResults),
        env: JSON.stringify(result.env),
        output: result.output === undefined ? null : JSON.stringify(result.output),
        error: result.error ?? null,
        lease_owner: null,
        lease_expires_at: null,
        finished_at: q.raw(nowMsSql(q)),
      })) === 1;
  if (result.status !== 'failed' || !onFailed) return finish(db);
  return db.transaction(async (trx) => {
    if (!(await finish(trx))) return false;
    await onFailed(trx, { runId: run.id, workflowId: run.workflowId });
    return true;
  });
}
