/**
 * Scheduled triggers, the pure part: the schedule a workflow carries (a 5-field cron expression
 * in a time zone, or an offset from one of the record's date fields), whether it is valid, and
 * when its next slot is. Every function takes the time it reasons about ("now", "after") as an
 * argument: the callers pass the host's clock, so tests move time by injecting it.
 * Cron parsing is croner's (`mode: '5-part'`, day-of-month OR day-of-week like classic cron).
 */
import { z } from 'zod';
import { Cron } from 'croner';

const TimeZone = z.string().trim().min(1).max(64).default('UTC');

export const CronSchedule = z.strictObject({
  kind: z.literal('cron'),
  /** Five fields: minute hour day-of-month month day-of-week (`0 8 * * 1-5`). */
  cron: z.string().trim().min(1).max(120),
  timeZone: TimeZone,
  /**
   * Each slot runs the workflow once for every record of its module that matches its conditions
   * (a record sweep, queued at `backfillRatePerMinute`); false: one run with no record. Default false.
   */
  forEachRecord: z.boolean().default(false),
});

export const RelativeSchedule = z.strictObject({
  kind: z.literal('relative'),
  /** A `date` field of the workflow's module (`close_date`). */
  field: z.string().trim().min(1).max(64),
  amount: z.number().int().min(0).max(100_000),
  unit: z.enum(['minutes', 'hours', 'days']),
  direction: z.enum(['before', 'after']),
  /** A date (YYYY-MM-DD) is midnight in this zone. */
  timeZone: TimeZone,
});

export const Schedule = z.discriminatedUnion('kind', [CronSchedule, RelativeSchedule]);
export type Schedule = z.infer<typeof Schedule>;
export type CronSchedule = z.infer<typeof CronSchedule>;
export type RelativeSchedule = z.infer<typeof RelativeSchedule>;

const UNIT_MS = { minutes: 60_000, hours: 3_600_000, days: 86_400_000 } as const;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Null when `timeZone` is an IANA zone this runtime knows, else the problem. */
export function checkTimeZone(timeZone: string): string | null {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return null;
  } catch {
    return `unknown time zone ${timeZone}; use an IANA name such as UTC or Europe/Berlin`;
  }
}

function parseCron(cron: string, timeZone: string): Cron {
  return new Cron(cron, { timezone: timeZone, mode: '5-part', paused: true });
}

/** Null when `cron` is a valid 5-field expression, else the problem. */
export function checkCron(cron: string): string | null {
  if (cron.trim().split(/\s+/).length !== 5)
    return 'must have 5 fields: minute hour day-of-month month day-of-week (e.g. 0 8 * * 1-5)';
  try {
    parseCron(cron, 'UTC');
    return null;
  } catch (err) {
    return `does not parse: ${String((err as Error)?.message ?? err)}`;
  }
}

/** The first slot of `cron` strictly after `afterMs` (epoch ms), or null when there is none. */
export function nextCronSlot(s: Pick<CronSchedule, 'cron' | 'timeZone'>, afterMs: number): number | null {
  const next = parseCron(s.cron, s.timeZone).nextRun(new Date(afterMs));
  return next ? next.getTime() : null;
}

/** Milliseconds the zone's wall clock is ahead of UTC at `ms`. */
function zoneOffsetMs(ms: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(ms));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(ms / 1000) * 1000;
}

/** Epoch ms of midnight starting day `day` of `month` (1-12) of `year` in `timeZone` (days may overflow). */
export function midnightIn(year: number, month: number, day: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day);
  const first = wall - zoneOffsetMs(wall, timeZone);
  // A second pass corrects for a DST change between the guess and the answer.
  return wall - zoneOffsetMs(first, timeZone);
}

/** A date value (YYYY-MM-DD) as [y, m, d] when it names a real day, else null. */
function dateParts(value: string): [number, number, number] | null {
  const m = DATE_ONLY.exec(value.trim());
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const check = new Date(Date.UTC(y, mo - 1, d));
  return check.getUTCFullYear() === y && check.getUTCMonth() === mo - 1 && check.getUTCDate() === d ? [y, mo, d] : null;
}

/**
 * The slot a relative schedule plans for a record whose field holds `value`: a date is midnight
 * in the schedule's zone (days count calendar days there), a full ISO date-time is that instant.
 * Null when the value is empty or no date (nothing is planned).
 */
export function relativeSlot(s: RelativeSchedule, value: unknown): number | null {
  const sign = s.direction === 'before' ? -1 : 1;
  const text = value instanceof Date ? value.toISOString() : typeof value === 'string' ? value : null;
  if (text === null || text.trim() === '') return null;
  const parts = dateParts(text);
  if (parts) {
    const [y, m, d] = parts;
    if (s.unit === 'days') return midnightIn(y, m, d + sign * s.amount, s.timeZone);
    return midnightIn(y, m, d, s.timeZone) + sign * s.amount * UNIT_MS[s.unit];
  }
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text.trim())) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms + sign * s.amount * UNIT_MS[s.unit];
}

/**
 * A slot planned for a record: `pending` (it will fire) unless it already lies in the past when
 * planned — a record saved with a date long gone does not fire at once. A slot planned while in
 * the future and missed during downtime stays pending and fires once when a worker is back.
 */
export function plannedState(dueMs: number, nowMs: number): 'pending' | 'done' {
  return dueMs >= nowMs ? 'pending' : 'done';
}

/**
 * After a slot fired at `nowMs`: a cron schedule's next slot is its first one after NOW (not
 * after the slot), so any number of slots missed during downtime fire once; a relative one is done.
 */
export function slotAfterFiring(s: Schedule, nowMs: number): number | null {
  return s.kind === 'cron' ? nextCronSlot(s, nowMs) : null;
}

/** Identifies the schedule a slot was planned for: a changed schedule re-plans its slots. */
export function planKeyOf(s: Schedule): string {
  return s.kind === 'cron'
    ? JSON.stringify(['cron', s.cron.trim(), s.timeZone])
    : JSON.stringify(['relative', s.field, s.amount, s.unit, s.direction, s.timeZone]);
}
