/**
 * The run log and run queue (`hookflow_runs`). A run row is written in the host's save
 * transaction (record events) or by the HTTP handler; workers claim queued async runs with a
 * lease. Runs of one record (same order_key) execute strictly in event order. A run that ends
 * failed has its follow-up (the failure alert, wired in by install) written by `onFailed` in the
 * transaction that fails it; this file never names another folder's tables.
 */
import type { Knex } from 'knex';
import type { Db } from '../host.js';
import { engineOf, insertReturningId, nowMsSql } from '../storage/engine.js';
import { parseJson } from '../storage/json.js';
import { pageOf } from '../storage/paging.js';
import { pruneInBatches, type PruneOptions } from '../storage/prune.js';

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'skipped'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export type RunSource = 'record_event' | 'http' | 'manual' | 'rerun';

export interface TaskResult {
  taskId: number;
  type: string;
  title: string;
  status: 'succeeded' | 'failed' | 'skipped';
  durationMs: number;
  error?: string;
  /** A failed task whose error named fields (a record write the host refused): field → reason. */
  fields?: Record<string, string>;
  output?: unknown;
}

/** The event snapshot a run carries (taken at trigger time). */
export interface RunEvent {
  type: string;
  module: string;
  recordId: number | null;
  timeMs: number;
  actorUserId: number | null;
  record: { id: number; ownerUserId: number; fields: Record<string, unknown> } | null;
  previous: { id: number; ownerUserId: number; fields: Record<string, unknown> } | null;
  /** The $env the run started with (re-runs start from it again). */
  initialEnv?: Record<string, unknown>;
}

export interface Run {
  id: number;
  workflowId: number;
  trigger: string;
  source: RunSource;
  module: string;
  recordId: number | null;
  status: RunStatus;
  mode: 'sync' | 'async';
  event: RunEvent;
  env: Record<string, unknown>;
  chainDepth: number;
  parentRunId: number | null;
  rerunOfId: number | null;
  actorUserId: number | null;
  permissionId: number | null;
  sourceIp: string | null;
  taskResults: TaskResult[];
  output: unknown;
  error: string | null;
  attempts: number;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

/** A run to insert: what the stored run starts with; the optional parts default to null/0. */
export interface NewRun
  extends
    Pick<Run, 'workflowId' | 'trigger' | 'source' | 'module' | 'recordId' | 'status' | 'mode' | 'event' | 'env'>,
    Partial<
      Pick<Run, 'chainDepth' | 'parentRunId' | 'rerunOfId' | 'actorUserId' | 'permissionId' | 'sourceIp' | 'error'>
    > {
  /** For runs executed right away by this process (sync HTTP): the lease holder. */
  leaseOwner?: string | null;
  leaseSeconds?: number;
}

const num = (v: unknown): number | null => (v == null ? null : Number(v));

export function runFromRow(row: Record<string, any>): Run {
  return {
    id: Number(row.id),
    workflowId: Number(row.workflow_id),
    trigger: row.trigger,
    source: row.source,
    module: row.module,
    recordId: num(row.record_id),
    status: row.status,
    mode: row.mode,
    event: parseJson(row.event, {} as RunEvent),
    env: parseJson(row.env, {}),
    chainDepth: Number(row.chain_depth),
    parentRunId: num(row.parent_run_id),
    rerunOfId: num(row.rerun_of_id),
    actorUserId: num(row.actor_user_id),
    permissionId: num(row.permission_id),
    sourceIp: row.source_ip ?? null,
    taskResults: parseJson(row.task_results, []),
    output: parseJson(row.output, null),
    error: row.error ?? null,
    attempts: Number(row.attempts),
    createdAt: Number(row.created_at),
    startedAt: num(row.started_at),
    finishedAt: num(row.finished_at),
  };
}

/** Inserts a run row through `q` (the host's transaction on the save path). */
export async function insertRun(q: Db, run: NewRun): Promise<number> {
  const now = `(${nowMsSql(q)})`;
  const finished = run.status === 'skipped' || run.status === 'failed' || run.status === 'succeeded';
  return insertReturningId(q, 'hookflow_runs', {
    workflow_id: run.workflowId,
    trigger: run.trigger,
    source: run.source,
    module: run.module,
    record_id: run.recordId,
    order_key: run.recordId == null ? null : `${run.module}:${run.recordId}`,
    status: run.status,
    mode: run.mode,
    event: JSON.stringify(run.event),
    env: JSON.stringify(run.env),
    chain_depth: run.chainDepth ?? 0,
    parent_run_id: run.parentRunId ?? null,
    rerun_of_id: run.rerunOfId ?? null,
    actor_user_id: run.actorUserId ?? null,
    permission_id: run.permissionId ?? null,
    source_ip: run.sourceIp ?? null,
    task_results: '[]',
    error: run.error ?? null,
    attempts: run.leaseOwner ? 1 : 0,
    lease_owner: run.leaseOwner ?? null,
    lease_expires_at: run.leaseOwner ? q.raw(`${now} + ?`, [(run.leaseSeconds ?? 60) * 1000]) : null,
    created_at: q.raw(now),
    started_at: run.leaseOwner ? q.raw(now) : null,
    finished_at: finished ? q.raw(now) : null,
  });
}

// A run is claimable when queued for the worker, or running under an expired lease (its
// worker died), and no earlier run of the same record is still unfinished.
function claimableSql(db: Db): string {
  const now = nowMsSql(db);
  return `((r.status = 'queued' AND r.mode = 'async') OR (r.status = 'running' AND r.lease_expires_at < ${now}))
    AND NOT EXISTS (SELECT 1 FROM hookflow_runs p WHERE p.order_key = r.order_key AND p.id < r.id AND p.status IN ('queued', 'running'))`;
}

/** Leases up to `limit` due runs to `workerId`. */
export async function claimDueRuns(db: Knex, workerId: string, limit: number, leaseSeconds: number): Promise<Run[]> {
  const now = nowMsSql(db);
  const set = `status = 'running', lease_owner = ?, lease_expires_at = ${now} + ?, attempts = attempts + 1, started_at = COALESCE(started_at, ${now})`;
  if (engineOf(db) === 'sqlite') {
    const rows = await db.raw(
      `UPDATE hookflow_runs SET ${set} WHERE id IN (SELECT r.id FROM hookflow_runs r WHERE ${claimableSql(db)} ORDER BY r.id LIMIT ?) RETURNING *`,
      [workerId, leaseSeconds * 1000, limit],
    );
    return (rows as Record<string, any>[]).sort((a, b) => Number(a.id) - Number(b.id)).map(runFromRow);
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
        workerId,
        leaseSeconds * 1000,
        ...ids,
      ]);
      return (await trx('hookflow_runs').whereIn('id', ids).orderBy('id')).map(runFromRow);
    },
    { isolationLevel: 'read committed' },
  );
}

/** Saves progress after each task and renews the lease; false when the lease was lost. */
export async function saveRunProgress(
  db: Knex,
  runId: number,
  workerId: string,
  leaseSeconds: number,
  progress: { taskResults: TaskResult[]; env: Record<string, unknown> },
): Promise<boolean> {
  const updated = await db('hookflow_runs')
    .where({ id: runId, lease_owner: workerId, status: 'running' })
    .update({
      task_results: JSON.stringify(progress.taskResults),
      env: JSON.stringify(progress.env),
      lease_expires_at: db.raw(`${nowMsSql(db)} + ?`, [leaseSeconds * 1000]),
    });
  return updated === 1;
}

/** The lease heartbeat: extends the lease of a run `workerId` still holds; false when it was lost. */
export async function renewRunLease(db: Knex, runId: number, workerId: string, leaseSeconds: number): Promise<boolean> {
  const updated = await db('hookflow_runs')
    .where({ id: runId, lease_owner: workerId, status: 'running' })
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
 * Finishes a run held by `workerId`; the lease is released in the same statement. A FAILED run
 * gets its failure-alert outbox row in the same transaction (invariant: a run is failed exactly
 * when it has its alert row; a crash or a rollback leaves neither, and the run stays leased, so
 * it is claimed again when the lease expires). False when the lease was lost (nothing written).
 */
/** Called inside the transaction that fails a run (install wires the failure alert to it). */
export type OnRunFailed = (trx: Knex.Transaction, run: { runId: number; workflowId: number }) => Promise<void>;

export async function finishRun(
  db: Db,
  run: Pick<Run, 'id' | 'workflowId'>,
  workerId: string,
  result: RunResult,
  onFailed?: OnRunFailed,
): Promise<boolean> {
  const finish = async (q: Db) =>
    (await q('hookflow_runs')
      .where({ id: run.id, lease_owner: workerId, status: 'running' })
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

export async function getRun(db: Db, id: number): Promise<Run | null> {
  const row = await db('hookflow_runs').where({ id }).first();
  return row ? runFromRow(row) : null;
}

/** The runs with these ids (missing ones, e.g. pruned, are simply absent). */
export async function getRunsByIds(db: Db, ids: number[]): Promise<Run[]> {
  if (ids.length === 0) return [];
  return (await db('hookflow_runs').whereIn('id', ids)).map(runFromRow);
}

/** Runs started since `sinceMs`, by status (every status present, 0 when none). */
export async function countRunsSince(db: Db, sinceMs: number): Promise<Record<RunStatus, number>> {
  const rows = await db('hookflow_runs')
    .where('created_at', '>=', sinceMs)
    .select('status')
    .count({ n: '*' })
    .groupBy('status');
  const counts = Object.fromEntries(RUN_STATUSES.map((s) => [s, 0])) as Record<RunStatus, number>;
  for (const r of rows as Array<{ status: string; n: unknown }>)
    if ((RUN_STATUSES as readonly string[]).includes(r.status)) counts[r.status as RunStatus] = Number(r.n);
  return counts;
}

export interface RunFilter {
  workflowId?: number;
  status?: RunStatus;
  source?: RunSource;
  recordId?: number;
  module?: string;
  since?: number;
  until?: number;
  limit?: number;
  offset?: number;
}

export async function listRuns(db: Knex, f: RunFilter): Promise<{ runs: Run[]; total: number }> {
  const q = db('hookflow_runs');
  if (f.workflowId) q.where('workflow_id', f.workflowId);
  if (f.status) q.where('status', f.status);
  if (f.source) q.where('source', f.source);
  if (f.recordId) q.where('record_id', f.recordId);
  if (f.module) q.where('module', f.module);
  if (f.since) q.where('created_at', '>=', f.since);
  if (f.until) q.where('created_at', '<', f.until);
  const { items, total } = await pageOf(q, { limit: f.limit ?? 50, offset: f.offset ?? 0 }, runFromRow);
  return { runs: items, total };
}

/** Deletes a run just inserted in `trx` (a once-per-record run that lost its claim). */
export async function deleteRun(trx: Db, id: number): Promise<void> {
  await trx('hookflow_runs').where({ id }).delete();
}

/** Each workflow's latest run (id, status, time), for the workflow list. */
export async function lastRunPerWorkflow(
  db: Db,
): Promise<Map<number, { status: string; createdAt: number; id: number }>> {
  const latest = db('hookflow_runs').select('workflow_id').max({ id: 'id' }).groupBy('workflow_id').as('m');
  const rows = await db('hookflow_runs as r')
    .join(latest, 'm.id', 'r.id')
    .select('r.id', 'r.workflow_id', 'r.status', 'r.created_at');
  return new Map(
    rows.map((r: Record<string, any>) => [
      Number(r.workflow_id),
      { id: Number(r.id), status: r.status, createdAt: Number(r.created_at) },
    ]),
  );
}

/**
 * Finished runs (succeeded/failed/skipped) finished before `cutoff`, in bounded batches; `keep`
 * names runs that must stay (a pending failure alert still reads them), `before` runs first
 * (their sent alerts). Run-once markers stay: they keep "once per record" true forever.
 */
export function pruneRuns(
  db: Knex,
  cutoff: number,
  steps: { keep(ids: number[]): Promise<Set<number>>; before(ids: number[]): Promise<void> },
  opts?: PruneOptions,
): Promise<number> {
  return pruneInBatches(
    {
      select: async (after, limit) =>
        (
          await db('hookflow_runs')
            .select('id')
            .where('id', '>', after)
            .whereIn('status', ['succeeded', 'failed', 'skipped'])
            .where('finished_at', '<', cutoff)
            .orderBy('id')
            .limit(limit)
        ).map((r: { id: unknown }) => Number(r.id)),
      keep: steps.keep,
      before: steps.before,
      remove: (doomed) => db('hookflow_runs').whereIn('id', doomed).del(),
    },
    opts,
  );
}
