/** Forms of the record tasks: create a record, update this (or a related) record. */
import type { ModuleInfo } from '../../host.js';
import { rowErrors, rows, text, type FormBody } from './form-values.js';
import type { TaskForm, TaskFormContext } from './task-forms.js';
import { valueReferences } from './task-forms.js';

type FieldRow = { field: string; value: string; whenBlank: string };

const asText = (v: unknown) => (typeof v === 'string' ? v : v == null ? '' : JSON.stringify(v));

function fieldRowsFrom(o: { fields?: Array<{ field: string; value: unknown; whenBlank?: string }> }): FieldRow[] {
  return (o.fields ?? []).map((f) => ({ field: f.field, value: asText(f.value), whenBlank: f.whenBlank ?? 'leave_unset' }));
}

/** The posted field rows (`fieldName`, `fieldValue`, `fieldBlank` columns); rows without a field are dropped. */
function fieldRowsFromBody(body: FormBody): FieldRow[] {
  return rows(body, { field: 'fieldName', value: 'fieldValue', whenBlank: 'fieldBlank' })
    .filter((r) => r.field !== '')
    .map((r) => ({ ...r, whenBlank: r.whenBlank === 'send_empty' ? 'send_empty' : 'leave_unset' }));
}

/** Field rows with per-row errors, a few blank rows, and field choices of `moduleName`. */
function fieldRowsView(values: FieldRow[], moduleName: string, ctx: TaskFormContext) {
  const errs = rowErrors(ctx.errors, /^fields\.(\d+)\.?(\w+)?/);
  const mod = ctx.modules.find((m) => m.name === moduleName);
  const choices = (current: string) => [
    ...(mod?.fields ?? []).map((f) => ({ value: f.name, label: f.label, selected: f.name === current })),
    ...(current && !mod?.fields.some((f) => f.name === current) ? [{ value: current, label: current, selected: true }] : []),
  ];
  const blank = { field: '', value: '', whenBlank: 'leave_unset' };
  return [...values.map((r, i) => ({ ...r, errors: errs.get(i) ?? {} })), blank, blank, blank]
    .map((r) => ({ ...r, choices: choices(r.field), sendEmpty: r.whenBlank === 'send_empty' }));
}

function moduleChoices(modules: ModuleInfo[], current: string, allowDefault: string | null) {
  const list = modules.map((m) => ({ value: m.name, label: m.label, selected: m.name === current }));
  return allowDefault === null ? list : [{ value: '', label: allowDefault, selected: current === '' }, ...list];
}

const FIELD_LABELS = { fields: 'Field values', 'fields.*.field': 'Field', 'fields.*.value': 'Value', 'fields.*.whenBlank': 'If empty' };

export const createRecordForm: TaskForm = {
  labels: { module: 'Module', envName: '$env name', ...FIELD_LABELS },
  blank: (ctx) => ({ module: ctx.workflow.module, fields: [], envName: 'created_record_id' }),
  fromOptions: (o) => ({ module: o.module ?? '', fields: fieldRowsFrom(o), envName: o.envName ?? 'created_record_id' }),
  fromBody(body: FormBody) {
    const values = { module: text(body, 'targetModule'), fields: fieldRowsFromBody(body), envName: text(body, 'envName').trim() };
    return { values, options: { module: values.module, fields: values.fields, envName: values.envName || undefined } };
  },
  view(v, ctx) {
    // The field list follows the saved module; after changing the module, save to refresh it.
    return { modules: moduleChoices(ctx.modules, v.module, null), fieldRows: fieldRowsView(v.fields, v.module, ctx), refs: valueReferences(ctx.workflow, ctx.modules) };
  },
};

export const updateRecordForm: TaskForm = {
  labels: { module: 'Module', recordId: 'Record id', ...FIELD_LABELS },
  blank: () => ({ module: '', recordId: '', fields: [] }),
  fromOptions: (o) => ({ module: o.module ?? '', recordId: o.recordId == null ? '' : String(o.recordId), fields: fieldRowsFrom(o) }),
  fromBody(body: FormBody) {
    const values = { module: text(body, 'targetModule'), recordId: text(body, 'recordId').trim(), fields: fieldRowsFromBody(body) };
    const recordId = /^\d{1,15}$/.test(values.recordId) ? Number(values.recordId) : values.recordId || undefined;
    return { values, options: { module: values.module || undefined, recordId, fields: values.fields } };
  },
  view(v, ctx) {
    const moduleName = v.module || ctx.workflow.module;
    return {
      modules: moduleChoices(ctx.modules, v.module, `This workflow's module (${ctx.workflow.module})`),
      fieldRows: fieldRowsView(v.fields, moduleName, ctx),
      refs: valueReferences(ctx.workflow, ctx.modules),
    };
  },
};
