/**
 * The rules of record sweeps ("Run for existing records", and cron schedules over every matching
 * record), PURE: which records a sweep runs, how fast it may queue runs, what its progress is.
 * The clock is passed in; nothing here reads the database or the host.
 */
import { z } from 'zod';
import type { CrmRecord } from '../host.js';
import type { FieldErrors } from '../errors.js';
import type { Workflow } from './model.js';
import { mayPassConditions, type ConditionOp } from './conditions.js';
import { followsReference } from '../related-paths.js';
import type { RunStatus } from './runs.js';

export const BACKFILL_STATUSES = ['running', 'paused', 'cancelled', 'finished', 'failed'] as const;
export type BackfillStatus = (typeof BACKFILL_STATUSES)[number];

/** Statuses a sweep can still leave (the others are final). */
export const OPEN_BACKFILL_STATUSES: readonly BackfillStatus[] = ['running', 'paused'];

/** Which existing records a backfill runs, beyond the workflow's own conditions. */
export const BackfillFilter = z.strictObject({
  /** Only records created (or updated) at or after this date or time (ISO-8601). Default: all. */
  since: z
    .string()
    .trim()
    .max(40)
    .refine((v) => v === '' || !Number.isNaN(Date.parse(v)), 'must be a date such as 2026-11-01')
    .optional(),
  /** Which time `since` looks at. Default `updatedAt`. */
  sinceField: z.enum(['createdAt', 'updatedAt']).default('updatedAt'),
});
export type BackfillFilter = z.infer<typeof BackfillFilter>;

/** Ops that need a change to look at: a sweep sees records as they are, with no change. */
const CHANGE_OPS: ReadonlySet<ConditionOp> = new Set<ConditionOp>(['changed', 'changed_to', 'changed_from']);

const OP_WORDS: Record<string, string> = {
  changed: '“changed”',
  changed_to: '“changed to”',
  changed_from: '“changed from”',
};

/** Why the workflow's conditions cannot pick existing records (per condition), empty when they can. */
export function sweepConditionProblems(wf: Pick<Workflow, 'conditions'>): FieldErrors {
  const errors: FieldErrors = {};
  wf.conditions.conditions.forEach((c, i) => {
    if (CHANGE_OPS.has(c.op))
      errors[`conditions.${i}.op`] =
        `The condition on ${c.field} uses ${OP_WORDS[c.op]}, which only a change can meet; running for existing records looks at their current values. Use “equals” (or remove the condition) first.`;
  });
  return errors;
}

/** The `since` filter as epoch ms, or null (no filter). */
export function sinceMs(filter: BackfillFilter | null): number | null {
  if (!filter?.since) return null;
  const ms = Date.parse(filter.since);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * Whether a sweep runs `record`: inside the `since` filter, and the workflow's conditions can pass
 * on its current values (no previous values). A condition that follows a reference to another
 * record cannot be known here; the run checks it when it starts (and is skipped if unmet).
 */
export function sweepMatches(wf: Pick<Workflow, 'conditions'>, record: CrmRecord, filter: BackfillFilter | null) {
  const since = sinceMs(filter);
  if (since !== null) {
    const at = Date.parse(filter!.sinceField === 'createdAt' ? record.createdAt : record.updatedAt);
    if (Number.isNaN(at) || at < since) return false;
  }
  const conditions = wf.conditions.conditions;
  return mayPassConditions(wf.conditions, { record: record.fields, previous: null }, (i) =>
    followsReference(conditions[i].field, record.fields),
  );
}

/** A sweep may bank this much rate credit while idle (then queue it at once), ms. */
export const BURST_MS = 5000;

const msPerRun = (ratePerMinute: number) => 60_000 / Math.max(1, ratePerMinute);

/** The most credit a sweep banks: BURST_MS, or one run's interval when that is longer (slow rates start at once). */
const burstOf = (ratePerMinute: number) => Math.max(BURST_MS, msPerRun(ratePerMinute));

/** The credit counted from: `creditAt`, but no further back than the burst. */
const creditFrom = (ratePerMinute: number, creditAt: number, now: number) =>
  Math.max(creditAt, now - burstOf(ratePerMinute));

/**
 * Rate credit, as a time: a sweep may queue a run for every `60000 / rate` ms between `creditAt`
 * and now, at most a burst's worth (a paused or slow sweep does not save up a flood).
 */
export function runsAllowed(ratePerMinute: number, creditAt: number, now: number): number {
  const from = creditFrom(ratePerMinute, creditAt, now);
  return Math.max(0, Math.floor((now - from) / msPerRun(ratePerMinute)));
}

/** The credit after queueing `runs` runs at `now`. */
export function creditAfter(ratePerMinute: number, creditAt: number, now: number, runs: number): number {
  return creditFrom(ratePerMinute, creditAt, now) + runs * msPerRun(ratePerMinute);
}

/** When the next run may be queued (at least `now`). */
export function nextRunTime(ratePerMinute: number, creditAt: number, now: number): number {
  return Math.max(now, Math.ceil(creditFrom(ratePerMinute, creditAt, now) + msPerRun(ratePerMinute)));
}

/** One step of a sweep over one page of records (ascending ids): what to queue, where to go on. */
export interface SweepStep {
  /** Records to queue runs for, in id order. */
  queue: CrmRecord[];
  /** The last record id looked at: the next page starts after it. */
  cursor: number;
  /** How many records of the page were looked at. */
  scanned: number;
  /** The module has no records after `cursor`: the sweep is done. */
  exhausted: boolean;
}

/**
 * Walks `page` (the records after `cursor`, ascending, at most `pageSize`) and queues matches
 * until `allowed` runs are taken; stops just before the first match over the allowance, so the
 * next step starts there. A page shorter than `pageSize`, walked to its end, ends the sweep.
 */
export function planSweepStep(
  page: readonly CrmRecord[],
  cursor: number,
  pageSize: number,
  allowed: number,
  matches: (r: CrmRecord) => boolean,
): SweepStep {
  const queue: CrmRecord[] = [];
  let at = cursor;
  let scanned = 0;
  for (const record of page) {
    if (record.id <= at) continue; // a host that ignores afterId: never look back
    if (matches(record)) {
      if (queue.length >= allowed) return { queue, cursor: at, scanned, exhausted: false };
      queue.push(record);
    }
    at = record.id;
    scanned++;
  }
  return { queue, cursor: at, scanned, exhausted: page.length < pageSize };
}

/** A sweep's progress as the page shows it. */
export interface SweepProgress {
  /** What the sweep expects to run: the count when it started, or what it queued, if more. */
  total: number;
  succeeded: number;
  failed: number;
  skipped: number;
  /** Queued or running now. */
  inProgress: number;
  /** Not queued yet (an estimate while running: records change). 0 once it has stopped. */
  remaining: number;
  /** Finished runs over the total, 0–100. */
  percent: number;
}

export function sweepProgress(
  sweep: { status: BackfillStatus; expected: number; queued: number },
  runs: Record<RunStatus, number>,
): SweepProgress {
  const open = OPEN_BACKFILL_STATUSES.includes(sweep.status);
  const total = open ? Math.max(sweep.expected, sweep.queued) : sweep.queued;
  const finished = runs.succeeded + runs.failed + runs.skipped;
  return {
    total,
    succeeded: runs.succeeded,
    failed: runs.failed,
    skipped: runs.skipped,
    inProgress: runs.queued + runs.running,
    remaining: open ? Math.max(0, total - sweep.queued) : 0,
    percent: total === 0 ? (open ? 0 : 100) : Math.min(100, Math.floor((finished / total) * 100)),
  };
}
