/**
 * The run log (`hookflow_runs`): the run rows, their reads for the admin pages and alerts, and
 * pruning. A run row is written in the host's save transaction (record events) or by the HTTP
 * handler; workers claim, renew and release runs through runs-lease.ts, the table's other owner
 * file. This file never names another folder's tables.
 */
import type { Knex } from 'knex';
import type { Db } from '../host.js';
import { engineNowMsSql, engineOf, insertedIdOf, nowMsSql, statusGroupSql } from '../storage/engine.js';
import { RUN_STATUSES, runFromRow, type NewRun, type Run, type RunSource, type RunStatus } from './run-model.js';
import { BOTH_CURSORS, boundByCreatedAt, pageOf, type Page } from '../storage/paging.js';
import { HookflowError } from '../errors.js';
import { pruneInBatches, type PruneOptions } from '../storage/prune.js';

export * from './run-model.js';

/**
 * The run insert's columns; the last four take the database clock (`createdAt` always, the others
 * when their flag binding is 1). One constant statement per engine, built once: the save hook
 * runs it inside the host's transaction on every matching save, where compiling a 26-column
 * query builder cost about as much as SQLite executing it.
 */
const RUN_VALUE_COLUMNS = [
  'workflow_id', 'trigger', 'source', 'module', 'record_id', 'order_key', 'status', 'mode', 'event', 'env',
  'chain_depth', 'parent_run_id', 'rerun_of_id', 'actor_user_id', 'permission_id', 'source_ip',
  'backfill_id', 'origin_system', 'task_results', 'error', 'attempts', 'lease_owner',
] as const; // prettier-ignore

function insertRunSql(now: string): string {
  const columns = [...RUN_VALUE_COLUMNS, 'lease_expires_at', 'created_at', 'started_at', 'finished_at'];
  const values = [
    ...RUN_VALUE_COLUMNS.map(() => '?'),
    `CASE WHEN ? = 1 THEN ${now} + ? END`,
    now,
    `CASE WHEN ? = 1 THEN ${now} END`,
    `CASE WHEN ? = 1 THEN ${now} END`,
  ];
  return `INSERT INTO hookflow_runs (${columns.map((c) => `\`${c}\``).join(', ')}) VALUES (${values.join(', ')})`;
}

const INSERT_RUN_SQL = {
  sqlite: insertRunSql(`(${engineNowMsSql('sqlite')})`),
  mysql: insertRunSql(`(${engineNowMsSql('mysql')})`),
} as const;

/** Inserts a run row through `q` (the host's transaction on the save path); returns its id. */
export async function insertRun(q: Db, run: NewRun): Promise<number> {
  const finished = run.status === 'skipped' || run.status === 'failed' || run.status === 'succeeded';
  const leased = run.leaseOwner ? 1 : 0;
  const engine = engineOf(q);
  const result = await q.raw(INSERT_RUN_SQL[engine], [
    run.workflowId,
    run.trigger,
    run.source,
    run.module,
    run.recordId,
    run.recordId == null ? null : `${run.module}:${run.recordId}`,
    run.status,
    run.mode,
    JSON.stringify(run.event),
    JSON.stringify(run.env),
    run.chainDepth ?? 0,
    run.parentRunId ?? null,
    run.rerunOfId ?? null,
    run.actorUserId ?? null,
    run.permissionId ?? null,
    run.sourceIp ?? null,
    run.backfillId ?? null,
    run.originSystem ?? null,
    '[]',
    run.error ?? null,
    leased,
    run.leaseOwner ?? null,
    leased,
    (run.leaseSeconds ?? 60) * 1000,
    leased,
    finished ? 1 : 0,
  ]);
  return insertedIdOf(engine, result);
}

/**
 * The run `insertRun` just stored, built in memory (a sync run executes right away: re-reading the
 * row would cost a statement per request). Invariant: the same values the row holds, except the
 * times, which are `nowMs` of this process instead of the database clock; nothing that executes a
 * run reads them (logs and alerts read the stored row). Event and env go through JSON as the
 * row's do, so a sync run sees exactly what a worker re-reading the row would (a Date as text).
 */
export function insertedRun(id: number, run: NewRun, nowMs: number): Run {
  const { leaseOwner, leaseSeconds: _unused, ...stored } = run;
  const finished = run.status === 'skipped' || run.status === 'failed' || run.status === 'succeeded';
  return {
    id,
    ...stored,
    event: JSON.parse(JSON.stringify(run.event)),
    env: JSON.parse(JSON.stringify(run.env)),
    chainDepth: run.chainDepth ?? 0,
    parentRunId: run.parentRunId ?? null,
    rerunOfId: run.rerunOfId ?? null,
    actorUserId: run.actorUserId ?? null,
    permissionId: run.permissionId ?? null,
    sourceIp: run.sourceIp ?? null,
    backfillId: run.backfillId ?? null,
    originSystem: run.originSystem ?? null,
    taskResults: [],
    output: null,
    error: run.error ?? null,
    attempts: leaseOwner ? 1 : 0,
    createdAt: nowMs,
    startedAt: leaseOwner ? nowMs : null,
    finishedAt: finished ? nowMs : null,
  };
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
    .groupByRaw(statusGroupSql(db));
  return countsByStatus(rows as Array<{ status: string; n: unknown }>);
}

function countsByStatus(rows: Array<{ status: string; n: unknown }>): Record<RunStatus, number> {
  const counts = Object.fromEntries(RUN_STATUSES.map((s) => [s, 0])) as Record<RunStatus, number>;
  for (const r of rows)
    if ((RUN_STATUSES as readonly string[]).includes(r.status)) counts[r.status as RunStatus] = Number(r.n);
  return counts;
}

/** A record sweep's runs by status (every status present, 0 when none). */
export async function countRunsOfBackfill(db: Db, backfillId: number): Promise<Record<RunStatus, number>> {
  const rows = await db('hookflow_runs')
    .where({ backfill_id: backfillId })
    .select('status')
    .count({ n: '*' })
    .groupBy('status');
  return countsByStatus(rows as Array<{ status: string; n: unknown }>);
}

/**
 * A cancelled sweep's runs that have not started: skipped with `reason`. A run a worker has
 * already claimed (status running) is left to finish (it may be mid-task).
 */
export async function skipQueuedRunsOfBackfill(db: Db, backfillId: number, reason: string): Promise<number> {
  return db('hookflow_runs')
    .where({ backfill_id: backfillId, status: 'queued' })
    .update({ status: 'skipped', error: reason, finished_at: db.raw(nowMsSql(db)) });
}

export interface RunFilter {
  backfillId?: number;
  workflowId?: number;
  status?: RunStatus;
  source?: RunSource;
  recordId?: number;
  module?: string;
  since?: number;
  until?: number;
  limit?: number;
  offset?: number;
  /** Runs with a smaller id (older); see storage/paging.ts. */
  before?: number;
  /** Runs with a larger id (newer), still listed newest first. */
  after?: number;
}

export type RunPage = Omit<Page<Run>, 'items'> & { runs: Run[] };

// The (id, created_at) index a page filtered by its time window alone walks (migration 20261207000010).
const ID_WALK_INDEX = 'hookflow_runs_id_created';

/**
 * One page of runs, newest first, with the (capped) count of the filter and the cursors.
 * `countCap` and `windowScanCap` are parameters so a test can reach them with a handful of rows.
 */
export async function listRuns(db: Knex, f: RunFilter, countCap?: number, windowScanCap?: number): Promise<RunPage> {
  if (f.before !== undefined && f.after !== undefined)
    throw new HookflowError('validation_failed', BOTH_CURSORS, { before: BOTH_CURSORS });
  const q = db('hookflow_runs');
  if (f.workflowId) q.where('workflow_id', f.workflowId);
  if (f.backfillId) q.where('backfill_id', f.backfillId);
  if (f.status) q.where('status', f.status);
  if (f.source) q.where('source', f.source);
  if (f.recordId) q.where('record_id', f.recordId);
  if (f.module) q.where('module', f.module);
  if (f.since) q.where('created_at', '>=', f.since);
  if (f.until) q.where('created_at', '<', f.until);
  const windowOnly = !f.workflowId && !f.backfillId && !f.status && !f.source && !f.recordId && !f.module;
  await boundByCreatedAt(db, q, 'hookflow_runs', f, windowScanCap, windowOnly ? ID_WALK_INDEX : undefined);
  const page = { limit: f.limit ?? 50, offset: f.offset ?? 0, before: f.before, after: f.after };
  const { items, ...rest } = await pageOf(db, q, page, runFromRow, countCap);
  return { runs: items, ...rest };
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
