/**
 * The form side of field-map.ts, shared by the create_record and update_record forms: field rows
 * (`fieldName`, `fieldValue`, `fieldBlank` columns, drawn by views/admin/partials/field-rows.hbs)
 * and the module choice.
 */
import type { ModuleInfo } from '../../host.js';
import { inputText, rowErrors, rows, type FormBody } from '../../forms/form-values.js';
import type { TaskFormContext } from '../../forms/task-form.js';

export type FieldRow = { field: string; value: string; whenBlank: string };

/** Labels of the field rows in error messages. */
export const FIELD_LABELS = {
  fields: 'Field values',
  'fields.*.field': 'Field',
  'fields.*.value': 'Value',
  'fields.*.whenBlank': 'If empty',
};

export function fieldRowsFrom(o: {
  fields?: Array<{ field: string; value: unknown; whenBlank?: string }>;
}): FieldRow[] {
  return (o.fields ?? []).map((f) => ({
    field: f.field,
    value: inputText(f.value),
    whenBlank: f.whenBlank ?? 'leave_unset',
  }));
}

/** The posted field rows; rows without a field are dropped, and anything but `send_empty` is the default. */
export function fieldRowsFromBody(body: FormBody): FieldRow[] {
  return rows(body, { field: 'fieldName', value: 'fieldValue', whenBlank: 'fieldBlank' })
    .filter((r) => r.field !== '')
    .map((r) => ({ ...r, whenBlank: r.whenBlank === 'send_empty' ? 'send_empty' : 'leave_unset' }));
}

/** The field `<select>` of a row: `mod`'s fields, and `current` kept as a choice when `mod` lacks it. */
export function fieldChoices(mod: ModuleInfo | undefined, current: string) {
  return [
    ...(mod?.fields ?? []).map((f) => ({ value: f.name, label: f.label, selected: f.name === current })),
    ...(current && !mod?.fields.some((f) => f.name === current)
      ? [{ value: current, label: current, selected: true }]
      : []),
  ];
}

/** Field rows with per-row errors, a few blank rows, and field choices of `moduleName`. */
export function fieldRowsView(values: FieldRow[], moduleName: string, ctx: TaskFormContext) {
  const errs = rowErrors(ctx.errors, /^fields\.(\d+)\.?(\w+)?/);
  const mod = ctx.modules.find((m) => m.name === moduleName);
  const blank = { field: '', value: '', whenBlank: 'leave_unset' };
  return [...values.map((r, i) => ({ ...r, errors: errs.get(i) ?? {} })), blank, blank, blank].map((r) => ({
    ...r,
    choices: fieldChoices(mod, r.field),
    sendEmpty: r.whenBlank === 'send_empty',
  }));
}

/** The module `<select>`; `allowDefault` is the label of an empty first choice (null: none). */
export function moduleChoices(modules: ModuleInfo[], current: string, allowDefault: string | null) {
  const list = modules.map((m) => ({ value: m.name, label: m.label, selected: m.name === current }));
  return allowDefault === null ? list : [{ value: '', label: allowDefault, selected: current === '' }, ...list];
}
