/**
 * Record sweeps at work: the worker lane that advances running sweeps one page of records at a
 * time, queueing a run (source `backfill`, event `record.backfilled`; or `schedule` for a cron
 * slot over records) for each match, at most `ratePerMinute` runs a minute. A step reads a page
 * through the host (`records.listAfter`), then writes the runs and the new cursor in ONE
 * transaction that first checks its lease and the old cursor (backfills.ts advanceSweep): a
 * crash before the commit leaves nothing, after it leaves exactly the step, so a sweep taken over
 * by another worker goes on where the last commit left it and never queues a record twice.
 */
import type { Knex } from 'knex';
import type { CrmRecord, HostLogger, HostRecords } from '../host.js';
import type { HookflowSettings } from '../config.js';
import type { WorkerLane } from '../worker.js';
import type { Workflow } from './model.js';
import { insertRun, type RunEvent } from './runs.js';
import { BACKFILL_EVENT } from './triggers.js';
import { creditAfter, nextRunTime, planSweepStep, runsAllowed, sweepMatches } from './backfill-policy.js';
import {
  advanceSweep,
  claimDueSweeps,
  failLeasedSweep,
  releaseSweep,
  type LeasedSweep,
  type Sweep,
} from './backfills.js';

export interface SweepLaneDeps {
  db: Knex;
  records: Pick<HostRecords, 'listAfter' | 'listModules'>;
  store: { get(id: number): Promise<Workflow | null> };
  settings(): HookflowSettings;
  logger: HostLogger;
  workerId: string;
  /** Host clock, epoch ms. */
  now(): number;
  /** New runs were queued (wakes the run lane). */
  wake(): void;
}

/** Records read per step (Hookflow asks hosts for at most 500). */
export const SWEEP_PAGE_SIZE = 200;

/** Thrown inside the step's transaction to roll it back when the sweep changed hands. */
class SweepMoved extends Error {}

function runEventOf(sweep: Sweep, record: CrmRecord, now: number): RunEvent {
  return {
    type: sweep.kind === 'schedule' ? 'schedule' : BACKFILL_EVENT,
    module: sweep.module,
    recordId: record.id,
    timeMs: now,
    actorUserId: sweep.createdBy,
    record: { id: record.id, ownerUserId: record.ownerUserId, fields: record.fields },
    previous: null,
  };
}

/** Why the sweep cannot go on (it is marked failed with this), or null. */
async function stopReason(deps: SweepLaneDeps, sweep: Sweep, wf: Workflow | null): Promise<string | null> {
  if (!wf) return 'the workflow was deleted';
  if (!deps.records.listAfter) return 'the CRM cannot list its records (records.listAfter)';
  if (!(await deps.records.listModules()).some((m) => m.name === sweep.module))
    return `the CRM no longer lists the module ${sweep.module}`;
  return null;
}

/** One step of `sweep`, which this worker leases. */
export async function stepSweep(deps: SweepLaneDeps, sweep: LeasedSweep): Promise<void> {
  const wf = await deps.store.get(sweep.workflowId);
  const now = deps.now();
  const reason = await stopReason(deps, sweep, wf);
  if (reason) {
    if (await failLeasedSweep(deps.db, sweep, reason, now))
      deps.logger.warn({ sweepId: sweep.id, workflowId: sweep.workflowId }, `record sweep stopped: ${reason}`);
    return;
  }
  const rate = sweep.ratePerMinute;
  const allowed = runsAllowed(rate, sweep.creditAt, now);
  if (allowed === 0) return releaseSweep(deps.db, sweep, nextRunTime(rate, sweep.creditAt, now), now);
  const page = await deps.records.listAfter!(sweep.module, { afterId: sweep.cursorId, limit: SWEEP_PAGE_SIZE });
  const step = planSweepStep(page, sweep.cursorId, SWEEP_PAGE_SIZE, allowed, (r) => sweepMatches(wf!, r, sweep.filter));
  const creditAt = creditAfter(rate, sweep.creditAt, now, step.queue.length);
  // Allowance used up: wait for credit; else the page ran out first: go on at once.
  const dueAt = step.queue.length >= allowed ? nextRunTime(rate, creditAt, now) : now;
  const advance = { ...step, cursorId: step.cursor, queued: step.queue.length, creditAt, dueAt, now };
  const run = { workflowId: wf!.id, module: sweep.module, mode: 'async' as const, env: {}, status: 'queued' as const };
  try {
    await deps.db.transaction(async (trx) => {
      if (!(await advanceSweep(trx, sweep, { ...advance, finished: step.exhausted }))) throw new SweepMoved();
      for (const record of step.queue)
        await insertRun(trx, {
          ...run,
          trigger: sweep.kind === 'schedule' ? 'schedule' : BACKFILL_EVENT,
          source: sweep.kind === 'schedule' ? 'schedule' : 'backfill',
          recordId: record.id,
          event: runEventOf(sweep, record, now),
          actorUserId: sweep.createdBy,
          backfillId: sweep.id,
        });
    });
  } catch (err) {
    if (err instanceof SweepMoved) return; // paused, cancelled or taken over: its new state stands
    throw err;
  }
  if (step.queue.length > 0) deps.wake();
}

export function createSweepLane(deps: SweepLaneDeps): WorkerLane<LeasedSweep> {
  return {
    name: 'sweeps',
    // Each step is one page read and one transaction; the runs it queues do the work.
    concurrency: () => 2,
    claim: (limit) => claimDueSweeps(deps.db, deps.workerId, deps.now(), deps.settings().leaseSeconds * 1000, limit),
    process: (sweep) => stepSweep(deps, sweep),
  };
}
