/**
 * Starting record sweeps: "Run for existing records" (count first, then start; refused with a
 * reason naming the field when the workflow cannot pick existing records, or with the count when
 * it would run too many), pause/resume/cancel, and the cron slot that sweeps every matching record.
 */
import type { Knex } from 'knex';
import type { Db, HostRecords } from '../host.js';
import type { HookflowSettings } from '../config.js';
import { HookflowError } from '../errors.js';
import { parseInput } from '../validation-messages.js';
import type { Workflow } from './model.js';
import { skipQueuedRunsOfBackfill } from './runs.js';
import { BackfillFilter, BURST_MS, sweepConditionProblems, sweepMatches } from './backfill-policy.js';
import { insertSweep, openSweepOf, setSweepStatus, type Sweep, type SweepKind } from './backfills.js';

export interface SweepStartDeps {
  db: Knex;
  records: Pick<HostRecords, 'listAfter' | 'listModules'>;
  settings(): HookflowSettings;
  /** Host clock, epoch ms. */
  now(): number;
  /** A sweep was started (wakes the worker). */
  wake(): void;
}

/** Records the count walks per page (the most the host contract asks for). */
const COUNT_PAGE_SIZE = 500;

function refuse(wf: Workflow, deps: SweepStartDeps): void {
  if (!deps.records.listAfter)
    throw new HookflowError(
      'bad_request',
      'This CRM cannot list its records to Hookflow (it does not provide records.listAfter), so workflows cannot run for existing records',
    );
  if (wf.trigger === 'record.deleted')
    throw new HookflowError(
      'validation_failed',
      'This workflow runs when a record is deleted; existing records were not',
      {
        trigger: 'runs on deleted records, so there are no existing records to run it for',
      },
    );
  const problems = sweepConditionProblems(wf);
  if (Object.keys(problems).length > 0)
    throw new HookflowError('validation_failed', Object.values(problems)[0], problems);
}

/** How many of the module's records a sweep with `filter` would run now (walks them all). */
export async function countSweepRecords(
  deps: Pick<SweepStartDeps, 'records'>,
  wf: Workflow,
  filter: BackfillFilter | null,
): Promise<number> {
  let after = 0;
  let count = 0;
  for (;;) {
    const page = await deps.records.listAfter!(wf.module, { afterId: after, limit: COUNT_PAGE_SIZE });
    for (const record of page) if (record.id > after && sweepMatches(wf, record, filter)) count++;
    const last = page.at(-1)?.id ?? after;
    if (page.length < COUNT_PAGE_SIZE || last <= after) return count;
    after = last;
  }
}

export interface BackfillCount {
  count: number;
  /** The most one backfill may run (setting backfillMaxRecords). */
  limit: number;
  filter: BackfillFilter;
}

/** The count the admin sees before starting; refuses what a backfill could never run. */
export async function countBackfill(deps: SweepStartDeps, wf: Workflow, raw: unknown): Promise<BackfillCount> {
  refuse(wf, deps);
  const filter = parseInput(BackfillFilter, raw ?? {});
  return { count: await countSweepRecords(deps, wf, filter), limit: deps.settings().backfillMaxRecords, filter };
}

async function insertStarted(
  deps: SweepStartDeps,
  q: Db,
  wf: Workflow,
  kind: SweepKind,
  filter: BackfillFilter | null,
  expected: number,
  createdBy: number | null,
): Promise<number> {
  const now = deps.now();
  const ratePerMinute = deps.settings().backfillRatePerMinute;
  const sweep = { workflowId: wf.id, module: wf.module, kind, filter, ratePerMinute, expected, createdBy };
  // A full burst of credit (at least one run's): the first runs are queued at once.
  return insertSweep(q, { ...sweep, creditAt: now - BURST_MS - 60_000 / ratePerMinute }, now);
}

/** Starts a backfill: counted again here (the admin's count may be old), refused over the limit. */
export async function startBackfill(
  deps: SweepStartDeps,
  wf: Workflow,
  raw: unknown,
  createdBy: number | null,
): Promise<number> {
  const { count, limit, filter } = await countBackfill(deps, wf, raw);
  if (count > limit)
    throw new HookflowError(
      'validation_failed',
      `${count} records match, more than one backfill may run (${limit}, setting backfillMaxRecords); narrow it with conditions or a since date`,
      { since: `${count} records match; at most ${limit}` },
    );
  if (await openSweepOf(deps.db, wf.id, 'backfill'))
    throw new HookflowError(
      'conflict',
      'A backfill of this workflow is already running or paused; finish or cancel it first',
    );
  const id = await insertStarted(deps, deps.db, wf, 'backfill', filter, count, createdBy);
  deps.wake();
  return id;
}

/**
 * A cron slot of a workflow that runs "for every matching record": starts a sweep through `q`
 * (the slot's firing transaction) unless the previous slot's sweep is still going — its records
 * would be run twice over — or the workflow cannot sweep. Returns why it did not, or null.
 */
export async function startScheduleSweep(deps: SweepStartDeps, q: Db, wf: Workflow): Promise<string | null> {
  if (!deps.records.listAfter) return 'the CRM cannot list its records (records.listAfter)';
  const problems = Object.values(sweepConditionProblems(wf));
  if (problems.length > 0) return problems[0];
  if (await openSweepOf(q, wf.id, 'schedule')) return 'the previous slot is still running for its records';
  await insertStarted(deps, q, wf, 'schedule', null, 0, null);
  return null;
}

const MOVES = {
  pause: { from: ['running'], to: 'paused' },
  resume: { from: ['paused'], to: 'running' },
  cancel: { from: ['running', 'paused'], to: 'cancelled' },
} as const;

export type SweepMove = keyof typeof MOVES;

/** Pause, resume or cancel; a cancel also skips the sweep's runs not yet started. 409 when it cannot. */
export async function moveSweep(deps: Pick<SweepStartDeps, 'db' | 'now' | 'wake'>, sweep: Sweep, move: SweepMove) {
  const { from, to } = MOVES[move];
  if (!(await setSweepStatus(deps.db, sweep.id, from, to, deps.now())))
    throw new HookflowError('conflict', `This run for existing records is ${sweep.status}; it cannot be ${to} now`);
  if (move === 'cancel')
    await skipQueuedRunsOfBackfill(deps.db, sweep.id, 'skipped: its run for existing records was cancelled');
  if (move === 'resume') deps.wake();
}
