/**
 * The schedule part of the workflow form (the `schedule` trigger): a cron expression and a time
 * zone, or N minutes/hours/days before/after one of the module's date fields. Form post → the
 * service's `schedule` input, stored schedule → form values, values + errors → what the view
 * draws, and the page's "next run at". Pure.
 */
import type { ModuleInfo } from '../../host.js';
import type { FieldErrors } from '../../errors.js';
import { checked, text, type FormBody } from '../../forms/form-values.js';
import type { Schedule } from '../../workflows/schedule-policy.js';

export interface ScheduleFormValues {
  kind: string;
  cron: string;
  timeZone: string;
  amount: string;
  unit: string;
  direction: string;
  field: string;
  /** Cron only: each slot runs for every matching record. */
  forEachRecord: boolean;
}

export const SCHEDULE_LABELS: Record<string, string> = {
  schedule: 'Schedule',
  'schedule.kind': 'Schedule kind',
  'schedule.cron': 'Cron expression',
  'schedule.timeZone': 'Time zone',
  'schedule.amount': 'Amount',
  'schedule.unit': 'Unit',
  'schedule.direction': 'Before or after',
  'schedule.field': 'Date field',
  'schedule.forEachRecord': 'For every matching record',
};

const UNITS = ['minutes', 'hours', 'days'];
const DIRECTIONS = ['before', 'after'];

export function blankScheduleValues(): ScheduleFormValues {
  return {
    kind: 'cron',
    cron: '',
    timeZone: 'UTC',
    amount: '1',
    unit: 'days',
    direction: 'before',
    field: '',
    forEachRecord: false,
  };
}

export function scheduleValuesFrom(s: Schedule | null | undefined): ScheduleFormValues {
  const blank = blankScheduleValues();
  if (!s) return blank;
  if (s.kind === 'cron')
    return { ...blank, kind: 'cron', cron: s.cron, timeZone: s.timeZone, forEachRecord: s.forEachRecord === true };
  return {
    ...blank,
    kind: 'relative',
    timeZone: s.timeZone,
    amount: String(s.amount),
    unit: s.unit,
    direction: s.direction,
    field: s.field,
  };
}

export function scheduleValuesFromForm(body: FormBody): ScheduleFormValues {
  const v = (k: string) => text(body, k).trim();
  return {
    kind: v('scheduleKind') || 'cron',
    cron: v('scheduleCron'),
    timeZone: v('scheduleTimeZone') || 'UTC',
    amount: v('scheduleAmount'),
    unit: v('scheduleUnit'),
    direction: v('scheduleDirection'),
    field: v('scheduleField'),
    forEachRecord: checked(body, 'scheduleForEachRecord'),
  };
}

/** The service's `schedule` input: only for the schedule trigger (the service checks the rest). */
export function toScheduleInput(v: ScheduleFormValues, trigger: string): Record<string, unknown> | null {
  if (trigger !== 'schedule') return null;
  if (v.kind !== 'relative')
    return { kind: 'cron', cron: v.cron, timeZone: v.timeZone, forEachRecord: v.forEachRecord };
  const amount = /^\d{1,6}$/.test(v.amount) ? Number(v.amount) : v.amount;
  return { kind: 'relative', field: v.field, amount, unit: v.unit, direction: v.direction, timeZone: v.timeZone };
}

/** What the schedule fieldset draws. */
export function scheduleFormView(v: ScheduleFormValues, mod: ModuleInfo | undefined, errors: FieldErrors) {
  const err = (k: string) => errors[`schedule.${k}`];
  const dateFields = (mod?.fields ?? []).filter((f) => f.type === 'date');
  return {
    values: v,
    show: Object.keys(errors).some((k) => k === 'schedule' || k.startsWith('schedule.')),
    relative: v.kind === 'relative',
    error: errors.schedule,
    errors: {
      cron: err('cron'),
      timeZone: err('timeZone'),
      amount: err('amount'),
      unit: err('unit'),
      direction: err('direction'),
      field: err('field'),
    },
    units: UNITS.map((u) => ({ value: u, selected: u === v.unit })),
    directions: DIRECTIONS.map((d) => ({ value: d, selected: d === v.direction })),
    fields: [
      { value: '', label: '— choose a date field —', selected: v.field === '' },
      ...dateFields.map((f) => ({ value: f.name, label: f.label, selected: f.name === v.field })),
      ...(v.field && !dateFields.some((f) => f.name === v.field)
        ? [{ value: v.field, label: v.field, selected: true }]
        : []),
    ],
  };
}
