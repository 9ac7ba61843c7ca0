/**
 * The record-save path. The host calls these hooks INSIDE its own transaction; they only
 * find matching active workflows and insert one queued run row per match through that
 * transaction (nothing at all when none match). A rolled-back save therefore leaves no run,
 * and a committed save never loses one. No HTTP, no task work happens here.
 */
import { noteTaskEffect } from './task-effects.js';
import type { Knex } from 'knex';
import type { CrmRecord, HostLogger, RecordEvent, RecordHooks } from '../host.js';
import type { HookflowSettings } from '../config.js';
import { mayPassConditions } from './conditions.js';
import { followsReference } from '../related-paths.js';
import { triggerMatchesEvent, type RecordEventType } from './triggers.js';
import { deleteRun, insertRun, type RunEvent } from './runs.js';
import type { WorkflowLookup } from './workflow-catalog.js';
import type { Workflow } from './model.js';
import { cancelRecordSlots, planSlot } from './schedules.js';
import { relativePlan } from './schedule-lane.js';
import { systemOf } from '../external-system.js';

export type { RecordHooks };

export interface RecordHooksDeps {
  /** Where the active workflows come from: the in-memory catalog (or the store), read through the host's transaction. */
  workflows: Pick<WorkflowLookup, 'listActiveRecordWorkflows'>;
  settings(): HookflowSettings;
  logger: HostLogger;
  /** Host clock (event time in the snapshot). */
  now(): number;
  /** Called after the host's transaction commits when runs were queued (wakes the worker). */
  onRunsQueued(): void;
}

function snapshot(record: CrmRecord | null): RunEvent['record'] {
  return record ? { id: record.id, ownerUserId: record.ownerUserId, fields: record.fields } : null;
}

export function toRunEvent(type: RecordEventType, e: RecordEvent, timeMs: number): RunEvent {
  return {
    type,
    module: e.module,
    recordId: e.recordId,
    timeMs,
    actorUserId: e.actorUserId ?? null,
    record: snapshot(e.record),
    previous: snapshot(e.previous),
  };
}

function matches(wf: Workflow, type: RecordEventType, e: RecordEvent): boolean {
  if (!triggerMatchesEvent(wf.trigger as never, type)) return false;
  const input = { record: e.record.fields, previous: e.previous?.fields ?? null };
  // A condition on a related record waits for the run, which loads that record.
  const conditions = wf.conditions.conditions;
  return mayPassConditions(wf.conditions, input, (i) => followsReference(conditions[i].field, e.record.fields));
}

/** "Run once per record": the first run for (workflow, record) wins; returns false if one existed. */
async function claimOncePerRecord(
  trx: Knex.Transaction,
  wf: Workflow,
  e: RecordEvent,
  runId: number,
  now: number,
): Promise<boolean> {
  await trx('hookflow_run_once')
    .insert({ workflow_id: wf.id, module: e.module, record_id: e.recordId, run_id: runId, created_at: now })
    .onConflict(['workflow_id', 'module', 'record_id'])
    .ignore();
  const row = await trx('hookflow_run_once')
    .where({ workflow_id: wf.id, module: e.module, record_id: e.recordId })
    .first('run_id');
  return Number(row?.run_id) === runId;
}

/**
 * Relative schedules follow the record in the save's transaction (row writes only): a save
 * re-plans each slot from the date field as saved, a delete cancels the record's slots.
 */
async function planRelativeSlots(
  trx: Knex.Transaction,
  type: RecordEventType,
  e: RecordEvent,
  wfs: Workflow[],
  now: number,
) {
  if (type === 'record.deleted') {
    await cancelRecordSlots(trx, e.module, e.recordId);
    return;
  }
  for (const wf of wfs)
    if (wf.trigger === 'schedule' && wf.schedule?.kind === 'relative')
      await planSlot(trx, relativePlan(wf, e.record, e.previous, now), now);
}

export function createRecordHooks(deps: RecordHooksDeps): RecordHooks {
  async function handle(type: RecordEventType, e: RecordEvent, trx: Knex.Transaction): Promise<void> {
    // A task's record change: noted in the host's transaction, so it commits with the change.
    if (e.origin?.effectKey) await noteTaskEffect(trx, e.origin.effectKey, { module: e.module, recordId: e.recordId });
    const settings = deps.settings();
    if (!settings.enabled) return;
    const candidates = await deps.workflows.listActiveRecordWorkflows(trx, e.module);
    await planRelativeSlots(trx, type, e, candidates, deps.now());
    const matched = candidates.filter((wf) => matches(wf, type, e));
    if (matched.length === 0) return;
    const depth = e.origin?.chainDepth ?? 0;
    const system = systemOf(e.origin?.system);
    const limitReached = depth >= settings.chainDepthLimit;
    const now = deps.now();
    const event = toRunEvent(type, e, now);
    let queued = 0;
    for (const wf of matched) {
      const base = {
        workflowId: wf.id,
        trigger: type,
        source: 'record_event' as const,
        module: e.module,
        recordId: e.recordId,
        mode: 'async' as const,
        event,
        env: {},
        chainDepth: depth,
        parentRunId: e.origin?.runId ?? null,
        actorUserId: e.actorUserId ?? null,
        // A change that came from an external system starts runs that know it (echo suppression).
        originSystem: system,
      };
      if (limitReached) {
        // Logged and kept as a skipped run so the admin sees why the chain stopped.
        const error = `chain depth limit ${settings.chainDepthLimit} reached (run ${e.origin?.runId ?? '?'} changed ${e.module} ${e.recordId}); not started`;
        deps.logger.warn({ workflowId: wf.id, module: e.module, recordId: e.recordId, depth }, error);
        await insertRun(trx, { ...base, status: 'skipped', error });
        continue;
      }
      const runId = await insertRun(trx, { ...base, status: 'queued' });
      if (wf.runMode === 'once_per_record' && !(await claimOncePerRecord(trx, wf, e, runId, now))) {
        await deleteRun(trx, runId);
        continue;
      }
      queued++;
    }
    if (queued > 0)
      trx.executionPromise.then(
        () => deps.onRunsQueued(),
        () => undefined,
      );
  }

  return {
    recordCreated: (e, trx) => handle('record.created', e, trx),
    recordUpdated: (e, trx) => handle('record.updated', e, trx),
    recordDeleted: (e, trx) => handle('record.deleted', e, trx),
  };
}
