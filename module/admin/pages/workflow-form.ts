/**
 * The workflow form (everything but the tasks): form post → WorkflowInput for the service,
 * stored workflow → form values, and values + errors → what the view draws. Pure.
 */
import type { ModuleInfo } from '../../host.js';
import type { FieldErrors } from '../../errors.js';
import { relatedFieldChoices } from '../../related-paths.js';
import type { Workflow } from '../../workflows/model.js';
import { errorSubjects, isSet, rows, text, rowErrors, type FormBody } from '../../forms/form-values.js';
import * as schedule from './schedule-form.js';

export const TRIGGERS = [
  { value: 'record.created', label: 'A record is created' },
  { value: 'record.updated', label: 'A record is updated' },
  { value: 'record.saved', label: 'A record is created or updated' },
  { value: 'record.deleted', label: 'A record is deleted' },
  { value: 'http', label: 'An HTTP call to the short URL' },
  { value: 'schedule', label: 'A schedule (cron, or relative to a date field)' },
];

export const OPS = [
  { value: 'equals', label: 'is', needsValue: true },
  { value: 'not_equals', label: 'is not', needsValue: true },
  { value: 'contains', label: 'contains', needsValue: true },
  { value: 'gt', label: 'is greater than', needsValue: true },
  { value: 'lt', label: 'is less than', needsValue: true },
  { value: 'is_empty', label: 'is empty', needsValue: false },
  { value: 'is_not_empty', label: 'is not empty', needsValue: false },
  { value: 'changed', label: 'has changed', needsValue: false },
  { value: 'changed_to', label: 'changed to', needsValue: true },
  { value: 'changed_from', label: 'changed from', needsValue: true },
];

export const ENV_TYPES = ['text', 'number', 'datetime', 'email'];

/** Labels that name a field in its error messages ("Title is required"). */
export const WORKFLOW_LABELS: Record<string, string> = {
  module: 'Module',
  title: 'Title',
  description: 'Description',
  status: 'Status',
  trigger: 'Trigger',
  triggerName: 'Trigger name',
  join: 'Condition join',
  runMode: 'Run mode',
  execMode: 'Answer mode',
  conditions: 'Conditions',
  requiredEnv: 'Required $env fields',
  'conditions.*.field': 'Field',
  'conditions.*.op': 'Comparison',
  'conditions.*.value': 'Value',
  'requiredEnv.*.name': 'Field name',
  'requiredEnv.*.type': 'Type',
  ...schedule.SCHEDULE_LABELS,
};

/** Settings only HTTP calls use: shown, and kept on save, only for the `http` trigger. */
export const HTTP_ONLY = ['triggerName', 'execMode', 'requiredEnv'] as const;
type HttpOnly = (typeof HTTP_ONLY)[number];

/** Which HTTP-only settings `v` has (async counts; sync is the default and means nothing is set). */
function httpOnlySet(v: { triggerName: string | null; execMode: string; requiredEnv: unknown[] }): HttpOnly[] {
  return HTTP_ONLY.filter((k) => (k === 'execMode' ? v.execMode === 'async' : isSet(v[k])));
}

/**
 * The values a save keeps: for any trigger but `http`, the HTTP-only settings are reset (never
 * kept out of sight, where a trigger name would still let `?trigger=` callers start it), and
 * `dropped` names those that were set, in the form or in the stored workflow, so the page says so.
 */
export function keepApplicable(
  v: WorkflowFormValues,
  stored?: Workflow,
): { values: WorkflowFormValues; dropped: HttpOnly[] } {
  if (v.trigger === 'http') return { values: v, dropped: [] };
  const set = new Set([...httpOnlySet(v), ...(stored ? httpOnlySet(stored) : [])]);
  return {
    values: { ...v, triggerName: '', execMode: 'sync', requiredEnv: [] },
    dropped: HTTP_ONLY.filter((k) => set.has(k)),
  };
}

/** What a save would remove, in words, for the note next to the trigger ([] when nothing). */
function inapplicableNote(v: WorkflowFormValues): string[] {
  return httpOnlySet(v).map((k) =>
    k === 'triggerName'
      ? `trigger name “${v.triggerName}”`
      : k === 'execMode'
        ? 'the async answer mode'
        : `${v.requiredEnv.length} required $env field${v.requiredEnv.length === 1 ? '' : 's'}`,
  );
}

export interface WorkflowFormValues {
  module: string;
  title: string;
  description: string;
  status: string;
  trigger: string;
  triggerName: string;
  join: string;
  conditions: Array<{ field: string; op: string; value: string }>;
  runMode: string;
  execMode: string;
  requiredEnv: Array<{ name: string; type: string; required: string }>;
  schedule: schedule.ScheduleFormValues;
}

export function blankWorkflowValues(module: string): WorkflowFormValues {
  return {
    module,
    title: '',
    description: '',
    status: 'draft',
    trigger: 'record.updated',
    triggerName: '',
    join: 'all',
    conditions: [],
    runMode: 'every_event',
    execMode: 'sync',
    requiredEnv: [],
    schedule: schedule.blankScheduleValues(),
  };
}

export function valuesFromWorkflow(wf: Workflow): WorkflowFormValues {
  return {
    module: wf.module,
    title: wf.title,
    description: wf.description ?? '',
    status: wf.status,
    trigger: wf.trigger,
    triggerName: wf.triggerName ?? '',
    join: wf.conditions.join,
    runMode: wf.runMode,
    execMode: wf.execMode,
    conditions: wf.conditions.conditions.map((c) => ({
      field: c.field,
      op: c.op,
      value: c.value == null ? '' : String(c.value),
    })),
    requiredEnv: wf.requiredEnv.map((e) => ({
      name: e.name,
      type: e.type,
      required: e.required ? 'required' : 'optional',
    })),
    schedule: schedule.scheduleValuesFrom(wf.schedule),
  };
}

export function valuesFromForm(body: FormBody, module: string): WorkflowFormValues {
  return {
    module,
    title: text(body, 'title'),
    description: text(body, 'description'),
    status: text(body, 'status'),
    trigger: text(body, 'trigger'),
    triggerName: text(body, 'triggerName').trim(),
    join: text(body, 'join'),
    runMode: text(body, 'runMode'),
    execMode: text(body, 'execMode'),
    // A row counts when a field is chosen; the op select alone always has a value.
    conditions: rows(body, { field: 'condField', op: 'condOp', value: 'condValue' }).filter((c) => c.field !== ''),
    requiredEnv: rows(body, { name: 'envName', type: 'envType', required: 'envRequired' }).filter(
      (e) => e.name.trim() !== '',
    ),
    schedule: schedule.scheduleValuesFromForm(body),
  };
}

/** The tasks of a stored workflow as update input: ids kept, secrets left out (= kept as stored). */
export function storedTasksInput(wf: Workflow) {
  return wf.tasks.map((t) => ({
    id: t.id,
    type: t.type,
    title: t.title,
    description: t.description,
    options: t.options,
  }));
}

/** Form values → the service's workflow input (the service validates everything). */
export function toWorkflowInput(v: WorkflowFormValues, tasks: unknown[]) {
  const needsValue = new Set(OPS.filter((o) => o.needsValue).map((o) => o.value));
  return {
    module: v.module,
    title: v.title,
    description: v.description || null,
    status: v.status || undefined,
    trigger: v.trigger,
    triggerName: v.triggerName || null,
    conditions: {
      join: v.join || 'all',
      conditions: v.conditions.map((c) =>
        needsValue.has(c.op) ? { field: c.field, op: c.op, value: c.value } : { field: c.field, op: c.op },
      ),
    },
    runMode: v.runMode || undefined,
    execMode: v.execMode || undefined,
    requiredEnv: v.requiredEnv.map((e) => ({
      name: e.name.trim(),
      type: e.type || 'text',
      required: e.required !== 'optional',
    })),
    schedule: schedule.toScheduleInput(v.schedule, v.trigger),
    tasks,
  };
}

/** What the form template draws: values, option lists with selection, errors per input, blank rows. */
export function workflowFormView(
  v: WorkflowFormValues,
  mod: ModuleInfo | undefined,
  errors: FieldErrors = {},
  modules: ModuleInfo[] = [],
) {
  const condErrors = rowErrors(errors, /^conditions\.(?:conditions\.)?(\d+)\.(\w+)/);
  const envErrors = rowErrors(errors, /^requiredEnv\.(\d+)\.?(\w+)?/);
  // Conditions may test the records this one refers to (`account.industry`): offered after its own fields.
  const related = mod ? relatedFieldChoices(modules, mod) : [];
  const fields = [...(mod?.fields ?? []), ...related.map((r) => ({ ...r.field, name: r.path, label: r.label }))];
  const conditionRow = (c: { field: string; op: string; value: string }, i: number | null) => ({
    value: c.value,
    // A picklist field's value is chosen from its options (a stored value that is not one stays
    // visible, selected, so saving never changes it silently — validation names it).
    valueOptions: picklistChoices(
      fields.find((f) => f.name === c.field),
      c.value,
    ),
    fields: [
      ...fields.map((f) => ({ value: f.name, label: f.label, selected: f.name === c.field })),
      // A stored field the module no longer has stays visible (and is flagged by validation).
      ...(c.field && !fields.some((f) => f.name === c.field)
        ? [{ value: c.field, label: c.field, selected: true }]
        : []),
    ],
    ops: OPS.map((o) => ({ ...o, selected: o.value === (c.op || 'equals') })),
    errors: i === null ? {} : (condErrors.get(i) ?? {}),
  });
  const envRow = (e: { name: string; type: string; required: string }, i: number | null) => ({
    name: e.name,
    required: e.required !== 'optional',
    types: ENV_TYPES.map((t) => ({ value: t, selected: t === (e.type || 'text') })),
    errors: i === null ? {} : (envErrors.get(i) ?? {}),
  });
  const blank = { field: '', op: 'equals', value: '' };
  // Conditions errors come as `conditions.N.x` (field checks) and `conditions.conditions.N.x` (schema).
  const subjects = errorSubjects(
    Object.fromEntries(
      Object.entries(errors).map(([k, m]) => [k.replace(/^conditions\.conditions\./, 'conditions.'), m]),
    ),
    WORKFLOW_LABELS,
  );
  return {
    values: v,
    moduleLabel: mod?.label ?? v.module,
    errors,
    subjects,
    // The HTTP-only part shows for the http trigger, and for any other while it has an error
    // (a problem with a value is never hidden; the admin fixes or clears it).
    showHttp:
      v.trigger === 'http' || Object.keys(errors).some((k) => HTTP_ONLY.some((h) => k === h || k.startsWith(`${h}.`))),
    // Shown while another trigger is chosen: what saving would remove.
    httpOnlyNote: inapplicableNote(v),
    schedule: schedule.scheduleFormView(v.schedule, mod, errors),
    triggers: TRIGGERS.map((t) => ({ ...t, selected: t.value === v.trigger })),
    statuses: ['draft', 'active', 'inactive'].map((s) => ({
      value: s,
      label: s[0].toUpperCase() + s.slice(1),
      selected: s === (v.status || 'draft'),
    })),
    conditionRows: [
      ...v.conditions.map((c, i) => conditionRow(c, i)),
      conditionRow(blank, null),
      conditionRow(blank, null),
    ],
    envRows: [
      ...v.requiredEnv.map((e, i) => envRow(e, i)),
      envRow({ name: '', type: 'text', required: 'required' }, null),
    ],
    fieldSuggestions: fields.map((f) => f.name),
    // For rows without a saved picklist field: every option of the module's picklists as suggestions.
    valueSuggestions: [...new Set(fields.filter((f) => f.type === 'picklist').flatMap((f) => f.options ?? []))],
    // Each picklist field's options, for the page script: choosing a picklist field in a row turns
    // its value into that drop-down at once (without JavaScript, "Update form" does).
    picklists: Object.fromEntries(fields.filter((f) => f.type === 'picklist').map((f) => [f.name, f.options ?? []])),
  };
}

function picklistChoices(field: ModuleInfo['fields'][number] | undefined, current: string) {
  if (field?.type !== 'picklist') return null;
  const options = field.options ?? [];
  const choices = [
    { value: '', label: '— choose —', selected: current === '' },
    ...options.map((o) => ({ value: o, label: o, selected: o === current })),
  ];
  return current !== '' && !options.includes(current)
    ? [...choices, { value: current, label: `${current} (not an option)`, selected: true }]
    : choices;
}
