/**
 * Scheduled triggers at work: the worker lane that fires due slots (one queued run each, source
 * `schedule`) and the planning chore that keeps slots in step with the workflows (a new or
 * changed cron workflow gets its next slot, a changed relative schedule re-plans its records'
 * slots, a deactivated or deleted workflow loses its slots). Both use the host clock (`now`),
 * the time slots are planned in. The record hooks plan relative slots with `relativePlan`.
 */
import type { Knex } from 'knex';
import type { CrmRecord, HostLogger, HostRecords } from '../host.js';
import type { HookflowSettings } from '../config.js';
import type { PeriodicChore, WorkerLane } from '../worker.js';
import type { Workflow } from './model.js';
import { mayPassConditions } from './conditions.js';
import { insertRun, type RunEvent } from './runs.js';
import { startScheduleSweep } from './backfill-start.js';
import {
  nextCronSlot,
  planKeyOf,
  plannedState,
  relativeSlot,
  slotAfterFiring,
  type Schedule,
} from './schedule-policy.js';
import {
  claimDueSlots,
  deleteSlot,
  deleteWorkflowSlots,
  fireSlot,
  listSlotKeys,
  listSlotsOf,
  nextDueAt,
  planSlot,
  type LeasedSlot,
  type ScheduleSlot,
  type SlotPlan,
} from './schedules.js';

export interface ScheduleDeps {
  db: Knex;
  records: Pick<HostRecords, 'get' | 'listAfter' | 'listModules'>;
  store: { get(id: number): Promise<Workflow | null>; list(filter: { trigger: string }): Promise<Workflow[]> };
  settings(): HookflowSettings;
  logger: HostLogger;
  workerId: string;
  /** Host clock, epoch ms. */
  now(): number;
  /** New runs were queued (wakes the run lane). */
  wake(): void;
}

/** The schedule of an active schedule workflow, else null (its slots must not fire). */
export function liveSchedule(wf: Workflow | null): Schedule | null {
  return wf && wf.status === 'active' && wf.trigger === 'schedule' && wf.schedule ? wf.schedule : null;
}

/** A relative workflow's slot for a record as saved: its date field moved by the offset, when its conditions hold. */
export function relativePlan(wf: Workflow, record: CrmRecord, previous: CrmRecord | null, now: number): SlotPlan {
  const s = wf.schedule!;
  const related = (i: number) => wf.conditions.conditions[i].field.includes('.');
  const input = { record: record.fields, previous: previous?.fields ?? null };
  const passes = mayPassConditions(wf.conditions, input, related);
  const dueAt = passes && s.kind === 'relative' ? relativeSlot(s, record.fields[s.field]) : null;
  const state = dueAt === null ? 'done' : plannedState(dueAt, now);
  return { workflowId: wf.id, module: wf.module, recordId: record.id, dueAt, state, planKey: planKeyOf(s) };
}

/** A cron workflow's slot: its first slot after `now`. */
export function cronPlan(wf: Workflow, now: number): SlotPlan {
  const s = wf.schedule!;
  const dueAt = s.kind === 'cron' ? nextCronSlot(s, now) : null;
  return { workflowId: wf.id, module: wf.module, recordId: null, dueAt, state: 'pending', planKey: planKeyOf(s) };
}

/** Plans a slot again for the workflow's current schedule (it changed since the slot was planned). */
async function replanSlot(deps: ScheduleDeps, wf: Workflow, slot: ScheduleSlot, now: number): Promise<void> {
  const kind = wf.schedule!.kind;
  if ((kind === 'cron') !== (slot.recordId === null)) return deleteSlot(deps.db, slot.id);
  if (kind === 'cron') return planSlot(deps.db, cronPlan(wf, now), now);
  const record = await deps.records.get(slot.module, slot.recordId!);
  if (!record) return deleteSlot(deps.db, slot.id);
  await planSlot(deps.db, relativePlan(wf, record, null, now), now);
}

async function fireDueSlot(deps: ScheduleDeps, slot: LeasedSlot): Promise<void> {
  const wf = await deps.store.get(slot.workflowId);
  const schedule = liveSchedule(wf);
  const now = deps.now();
  if (!schedule) return deleteSlot(deps.db, slot.id);
  if (planKeyOf(schedule) !== slot.planKey) return replanSlot(deps, wf!, slot, now);
  const record = slot.recordId === null ? null : await deps.records.get(slot.module, slot.recordId);
  if (slot.recordId !== null && !record) return deleteSlot(deps.db, slot.id);
  const snapshot = record ? { id: record.id, ownerUserId: record.ownerUserId, fields: record.fields } : null;
  const event: RunEvent = {
    type: 'schedule',
    module: slot.module,
    recordId: slot.recordId,
    timeMs: now,
    actorUserId: null,
    record: snapshot,
    previous: null,
  };
  const run = { workflowId: slot.workflowId, trigger: 'schedule', source: 'schedule' as const, module: slot.module };
  const sweep = schedule.kind === 'cron' && schedule.forEachRecord;
  const fired = await fireSlot(deps.db, slot, { dueAt: slotAfterFiring(schedule, now), now }, async (trx) => {
    if (!sweep) {
      await insertRun(trx, { ...run, recordId: slot.recordId, status: 'queued', mode: 'async', event, env: {} });
      return;
    }
    // "For every matching record": the slot starts a record sweep (workflows/backfill-lane.ts).
    const notStarted = await startScheduleSweep(deps, trx, wf!);
    if (notStarted)
      deps.logger.warn({ workflowId: wf!.id, slotId: slot.id }, `schedule slot ran for no records: ${notStarted}`);
  });
  if (fired) deps.wake();
}

export function createScheduleLane(deps: ScheduleDeps): WorkerLane<LeasedSlot> {
  return {
    name: 'schedules',
    // Firing a slot is a few row writes; the run it queues does the work.
    concurrency: () => 4,
    claim: (limit) => claimDueSlots(deps.db, deps.workerId, deps.now(), deps.settings().leaseSeconds * 1000, limit),
    process: (slot) => fireDueSlot(deps, slot),
  };
}

/** One planning pass; returns how many slots it planned and removed. */
export async function planSchedules(deps: ScheduleDeps): Promise<{ planned: number; removed: number }> {
  const now = deps.now();
  const live = new Map<number, Workflow>();
  for (const wf of await deps.store.list({ trigger: 'schedule' })) if (liveSchedule(wf)) live.set(wf.id, wf);
  let planned = 0;
  let removed = 0;
  const seen = new Set<number>();
  for (const key of await listSlotKeys(deps.db)) {
    seen.add(key.workflowId);
    const wf = live.get(key.workflowId);
    if (!wf) removed += await deleteWorkflowSlots(deps.db, key.workflowId);
    else if (key.planKey !== planKeyOf(wf.schedule!))
      for (const slot of await listSlotsOf(deps.db, wf.id, key.planKey)) {
        await replanSlot(deps, wf, slot, now);
        planned++;
      }
  }
  for (const wf of live.values())
    if (!seen.has(wf.id) && wf.schedule!.kind === 'cron') {
      await planSlot(deps.db, cronPlan(wf, now), now);
      planned++;
    }
  return { planned, removed };
}

export function createSchedulePlanChore(deps: ScheduleDeps & { everyMs?: number }): PeriodicChore {
  return {
    name: 'schedule-plan',
    everyMs: deps.everyMs ?? 15_000,
    runAtStart: true,
    async run() {
      const done = await planSchedules(deps);
      if (done.planned + done.removed > 0) deps.logger.info(done, 'schedule slots planned');
    },
  };
}

/** "Next run at" of a workflow's page: its earliest pending slot, or a cron's next slot not yet planned. */
export async function nextRunAtOf(db: Knex, wf: Workflow, now: number): Promise<number | null> {
  const s = liveSchedule(wf);
  if (!s) return null;
  const planned = await nextDueAt(db, wf.id);
  return planned !== null || s.kind !== 'cron' ? planned : nextCronSlot(s, now);
}
