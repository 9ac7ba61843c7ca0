/**
 * PURE: conditions checked against the type of the field they test, so a condition that can never
 * match is refused at save instead of silently never firing. Rules (messages name the field):
 *   - an op that compares needs a value that is not blank (`stage changed_to ""` → "use is_empty");
 *   - gt / lt only on number and date fields, with a number / an ISO date (`amount gt "lots"`);
 *   - number fields compare with numbers, date fields with ISO dates, boolean fields with
 *     true/false (equals, not_equals, changed_to, changed_from);
 *   - picklist fields compare with one of the field's options. Comparison is case-insensitive at
 *     run time, but a value must be written as the option is (`won` → did you mean "Won"?), so
 *     what the form shows is what the CRM stores;
 *   - a nested path (`contact.name`) is checked by its first segment only (its type is unknown).
 * Text and email fields take any value. Used at save (422) and to flag stored workflows.
 */
import type { ModuleField } from '../host.js';
import type { FieldErrors } from '../errors.js';
import type { Condition } from './conditions.js';
import { toNumber } from './condition-values.js';

const COMPARING = new Set(['equals', 'not_equals', 'contains', 'gt', 'lt', 'changed_to', 'changed_from']);
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

type Checked = Pick<Condition, 'field' | 'op' | 'value'>;

function isBlankValue(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'string' && value.trim() === '');
}

function isDate(value: unknown): boolean {
  return (
    typeof value === 'string' &&
    ISO_DATE.test(value.trim()) &&
    !Number.isNaN(Date.parse(value.trim().replace(' ', 'T')))
  );
}

function isBoolean(value: unknown): boolean {
  return (
    typeof value === 'boolean' || (typeof value === 'string' && ['true', 'false'].includes(value.trim().toLowerCase()))
  );
}

function picklistProblem(field: ModuleField, value: unknown): string | null {
  const options = field.options ?? [];
  const text = String(value);
  if (options.includes(text)) return null;
  const near = options.find((o) => o.toLowerCase() === text.trim().toLowerCase());
  if (near) return `"${text}" is written "${near}" in ${field.label}`;
  return `${field.label} has no option "${text}"; use one of: ${options.join(', ')}`;
}

function typeProblem(c: Checked, field: ModuleField): string | null {
  if (c.op === 'gt' || c.op === 'lt') {
    if (field.type === 'number')
      return toNumber(c.value) === null ? `${field.label} is a number: compare it with a number` : null;
    if (field.type === 'date')
      return isDate(c.value) ? null : `${field.label} is a date: compare it with a date like 2026-12-31`;
    return `"${c.op}" compares numbers and dates; ${field.label} is ${field.type === 'picklist' ? 'a picklist' : `a ${field.type} field`}`;
  }
  if (c.op === 'contains') return null;
  switch (field.type) {
    case 'number':
      return toNumber(c.value) === null ? `${field.label} is a number: the value must be a number` : null;
    case 'date':
      return isDate(c.value) ? null : `${field.label} is a date: the value must be a date like 2026-12-31`;
    case 'boolean':
      return isBoolean(c.value) ? null : `${field.label} is yes/no: the value must be true or false`;
    case 'picklist':
      return picklistProblem(field, c.value);
    default:
      return null;
  }
}

/** One condition's problem against its field, or null. `field` undefined: unknown field (reported elsewhere). */
export function conditionProblem(c: Checked, field: ModuleField | undefined): string | null {
  if (!COMPARING.has(c.op)) return null;
  if (isBlankValue(c.value)) {
    return c.op === 'equals' || c.op === 'changed_to'
      ? `needs a value; to test for an empty field use is_empty`
      : 'needs a value';
  }
  if (!field || c.field.includes('.')) return null;
  return typeProblem(c, field);
}

/** `conditions.<i>.value` → message for every condition that cannot match as written. */
export function conditionTypeProblems(conditions: readonly Checked[], fields: readonly ModuleField[]): FieldErrors {
  const byName = new Map(fields.map((f) => [f.name, f]));
  const errors: FieldErrors = {};
  conditions.forEach((c, i) => {
    const problem = conditionProblem(c, byName.get(c.field.split('.')[0]));
    if (problem) errors[`conditions.${i}.value`] = problem;
  });
  return errors;
}
