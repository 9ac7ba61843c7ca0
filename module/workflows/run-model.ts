/**
 * What a run is: the run row's shape (`Run`, `NewRun`, the event snapshot and task results) and
 * its mapping from a stored row. No SQL here: the run log's owner files (runs.ts, runs-lease.ts)
 * read and write the table; this file only says what a row means.
 */
import { parseJson } from '../storage/json.js';

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'skipped'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export type RunSource = 'record_event' | 'http' | 'manual' | 'rerun' | 'schedule' | 'backfill';

export interface TaskResult {
  taskId: number;
  type: string;
  title: string;
  status: 'succeeded' | 'failed' | 'skipped';
  durationMs: number;
  error?: string;
  /** Why a skipped task did not act (`skipped: came from accounting`). */
  reason?: string;
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
  /** The record sweep (backfill, or cron over records) that queued it; null otherwise. */
  backfillId: number | null;
  /**
   * The external system the run's change came from (external-system.ts): the permission's for an
   * HTTP run, the triggering change's `origin.system` for a record-event run; null = none.
   */
  originSystem: string | null;
  taskResults: TaskResult[];
  output: unknown;
  error: string | null;
  attempts: number;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

/** A run as its claim leased it: `leaseOwner` is the claim's fencing token (storage/lease-owner.ts). */
export type LeasedRun = Run & { leaseOwner: string };

/** A run to insert: what the stored run starts with; the optional parts default to null/0. */
export interface NewRun
  extends
    Pick<Run, 'workflowId' | 'trigger' | 'source' | 'module' | 'recordId' | 'status' | 'mode' | 'event' | 'env'>,
    Partial<
      Pick<
        Run,
        | 'chainDepth'
        | 'parentRunId'
        | 'rerunOfId'
        | 'actorUserId'
        | 'permissionId'
        | 'sourceIp'
        | 'originSystem'
        | 'error'
        | 'backfillId'
      >
    > {
  /** For runs executed right away by this process (sync HTTP): the lease holder's token. */
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
    backfillId: num(row.backfill_id),
    originSystem: row.origin_system ?? null,
    taskResults: parseJson(row.task_results, []),
    output: parseJson(row.output, null),
    error: row.error ?? null,
    attempts: Number(row.attempts),
    createdAt: Number(row.created_at),
    startedAt: num(row.started_at),
    finishedAt: num(row.finished_at),
  };
}
