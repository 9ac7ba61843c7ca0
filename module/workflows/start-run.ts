/**
 * Starting a run outside the record-save path: manually by an admin, as a re-run of a failed
 * run, or from the inbound HTTP handler. The run row is always written first (durable), then
 * either executed right here (sync) under this process's lease, or left queued for the worker.
 */
import type { Knex } from 'knex';
import type { HostContext } from '../host.js';
import type { HookflowSettings } from '../config.js';
import { HookflowError } from '../errors.js';
import { newLeaseOwner } from '../storage/lease-owner.js';
import type { Workflow } from './model.js';
import { getRun, insertRun, insertedRun, type NewRun, type Run, type RunEvent, type RunSource } from './runs.js';
import type { RunExecutor, RunOutcome } from './executor.js';

export interface StartRunDeps {
  db: Knex;
  host: HostContext;
  executor: RunExecutor;
  settings(): HookflowSettings;
  workerId: string;
  /** Wakes the worker after an async run is queued. */
  wake(): void;
}

export interface StartRunInput {
  workflow: Workflow;
  /** null = no record (record_id 0). */
  recordId: number | null;
  env: Record<string, unknown>;
  source: RunSource;
  mode: 'sync' | 'async';
  actorUserId: number | null;
  permissionId?: number | null;
  sourceIp?: string | null;
  /** The external system the request came from (its permission names it). Default none. */
  originSystem?: string | null;
  rerunOfId?: number | null;
  /** Use this event snapshot instead of reading the record (re-runs). */
  event?: RunEvent;
  /** Inserts the run through this transaction (inbound idempotency writes with it). */
  trx?: Knex.Transaction;
  /**
   * Told a sync run's id inside the transaction that inserts its row, before it executes (the
   * idempotency claim notes it there): the row and the note commit together, so a process that
   * dies mid-run leaves a claim a repeat is answered from. Default none.
   */
  onStored?: (runId: number, trx: Knex.Transaction) => Promise<void>;
}

export interface StartedRun {
  runId: number;
  outcome: RunOutcome | null;
}

export type RunStarter = ReturnType<typeof createRunStarter>;

export function createRunStarter(deps: StartRunDeps) {
  async function snapshotEvent(input: StartRunInput): Promise<RunEvent> {
    const { workflow, recordId } = input;
    let record: RunEvent['record'] = null;
    if (recordId !== null) {
      const found = await deps.host.records.get(workflow.module, recordId);
      if (!found) throw new HookflowError('not_found', `${workflow.module} record ${recordId} not found`);
      record = { id: found.id, ownerUserId: found.ownerUserId, fields: found.fields };
    }
    const type = input.source === 'http' ? 'http' : 'manual';
    return {
      type,
      module: workflow.module,
      recordId,
      timeMs: deps.host.now().getTime(),
      actorUserId: input.actorUserId,
      record,
      previous: null,
      initialEnv: input.env,
    };
  }

  return {
    /**
     * The event a run of `input` would carry, read now. A caller that inserts through a
     * transaction takes it first and passes it as `event`: on SQLite the transaction holds the
     * only connection, so reading the record through the pool inside it would wait forever.
     */
    snapshot: snapshotEvent,

    async start(input: StartRunInput): Promise<StartedRun> {
      if (input.trx && !input.event && input.recordId !== null)
        throw new Error('snapshot the event before opening the transaction (SQLite has one connection)');
      const event = input.event ?? (await snapshotEvent(input));
      const sync = input.mode === 'sync';
      const leaseOwner = sync ? newLeaseOwner(deps.workerId) : null;
      const stored: NewRun = {
        workflowId: input.workflow.id,
        trigger: event.type,
        source: input.source,
        module: input.workflow.module,
        recordId: input.recordId,
        status: sync ? 'running' : 'queued',
        mode: input.mode,
        event,
        env: input.env,
        actorUserId: input.actorUserId,
        permissionId: input.permissionId,
        sourceIp: input.sourceIp,
        originSystem: input.originSystem,
        rerunOfId: input.rerunOfId,
        leaseOwner,
        leaseSeconds: deps.settings().leaseSeconds,
      };
      const insert = (q: Knex | Knex.Transaction) => insertRun(q, stored);
      const onStored = sync ? input.onStored : undefined;
      const runId = onStored
        ? await deps.db.transaction(async (trx) => {
            const id = await insert(trx);
            await onStored(id, trx);
            return id;
          })
        : await insert(input.trx ?? deps.db);
      if (!sync) {
        if (input.trx)
          input.trx.executionPromise.then(
            () => deps.wake(),
            () => undefined,
          );
        else deps.wake();
        return { runId, outcome: null };
      }
      if (input.trx) throw new Error('sync runs execute after their row is committed; do not pass trx');
      const run = { ...insertedRun(runId, stored, deps.host.now().getTime()), leaseOwner: leaseOwner! };
      return { runId, outcome: await deps.executor.execute(run, deps.workerId, input.workflow) };
    },

    /** A stored run as it is now (a repeat of an idempotent request is answered from it). */
    stored(runId: number): Promise<Run | null> {
      return getRun(deps.db, runId);
    },

    /**
     * Re-runs a failed run with its original event and input, but the record's CURRENT values
     * (an admin usually fixes the data that made it fail, then re-runs).
     */
    async rerun(
      runId: number,
      workflow: Workflow,
      actorUserId: number | null,
      mode: 'sync' | 'async' = 'sync',
    ): Promise<StartedRun> {
      const old = await getRun(deps.db, runId);
      if (!old) throw new HookflowError('not_found', `run ${runId} not found`);
      if (old.status !== 'failed')
        throw new HookflowError('conflict', `run ${runId} is ${old.status}; only failed runs can be re-run`);
      const fresh = old.recordId !== null ? await deps.host.records.get(old.module, old.recordId) : null;
      const event: RunEvent = {
        ...old.event,
        record: fresh ? { id: fresh.id, ownerUserId: fresh.ownerUserId, fields: fresh.fields } : old.event.record,
      };
      return this.start({
        workflow,
        recordId: old.recordId,
        env: old.event.initialEnv ?? {},
        source: 'rerun',
        mode,
        actorUserId: actorUserId ?? old.actorUserId,
        rerunOfId: old.id,
        event,
        permissionId: old.permissionId,
        // A re-run repeats the same outside change: still that system's, so still not echoed.
        originSystem: old.originSystem,
      });
    },
  };
}
