/**
 * Workflow conditions: `{ field, op, value }` tests on a record (and its previous values),
 * joined with all/any. Evaluation is pure; value comparison rules live in condition-values.ts.
 */
import { z } from 'zod';
import { getPath, pathProblem } from '../paths.js';
import { compareOrdered, containsValue, isEmptyValue, valuesEqual } from './condition-values.js';

export const ConditionOp = z.enum([
  'equals',
  'not_equals',
  'contains',
  'gt',
  'lt',
  'is_empty',
  'is_not_empty',
  'changed',
  'changed_to',
  'changed_from',
]);
export type ConditionOp = z.infer<typeof ConditionOp>;

/** Ops that compare against `value`; for these `value` is required (null is a value). */
const VALUE_OPS: ReadonlySet<ConditionOp> = new Set<ConditionOp>([
  'equals',
  'not_equals',
  'contains',
  'gt',
  'lt',
  'changed_to',
  'changed_from',
]);

export const ConditionValue = z.union([z.string().max(10_000), z.number(), z.boolean(), z.null()]);
export type ConditionValue = z.infer<typeof ConditionValue>;

/** A dot path into the record's fields, refusing `__proto__`/`constructor`/`prototype` segments. */
export const ConditionField = z.string().superRefine((path, ctx) => {
  const problem = pathProblem(path);
  if (problem) ctx.addIssue({ code: 'custom', message: `Field ${problem}` });
});
export type ConditionField = z.infer<typeof ConditionField>;

export const Condition = z
  .object({
    field: ConditionField,
    op: ConditionOp,
    /** Compared value; required for every op except is_empty, is_not_empty and changed. */
    value: ConditionValue.optional(),
  })
  .superRefine((condition, ctx) => {
    if (VALUE_OPS.has(condition.op) && condition.value === undefined) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `A value is required for "${condition.op}"` });
    }
  });
export type Condition = z.infer<typeof Condition>;

/** How conditions combine: `all` (AND) or `any` (OR). */
export const ConditionJoin = z.enum(['all', 'any']);
export type ConditionJoin = z.infer<typeof ConditionJoin>;

export const ConditionSet = z.object({
  /** Default `all`. */
  join: ConditionJoin.default('all'),
  /** At most 50; default `[]` (no conditions = always run). */
  conditions: z.array(Condition).max(50).default([]),
});
export type ConditionSet = z.infer<typeof ConditionSet>;

/** What conditions look at: the record's fields now, and before the change (null on create). */
export interface ConditionInput {
  record: Record<string, unknown>;
  previous: Record<string, unknown> | null;
}

/**
 * True when the set passes. An empty list passes (for `any` too: "no conditions" means
 * "always"). `join` defaults to `all` so unparsed sets behave like parsed ones.
 */
export function evaluateConditions(
  set: { join?: ConditionJoin; conditions: readonly Condition[] },
  input: ConditionInput,
): boolean {
  if (set.conditions.length === 0) return true;
  const test = (condition: Condition): boolean => evaluateCondition(condition, input);
  return set.join === 'any' ? set.conditions.some(test) : set.conditions.every(test);
}

/**
 * Whether the set CAN pass when the conditions `deferred` says (by index) are not known yet
 * (conditions on related records, checked when the run starts): `all` — every known one passes;
 * `any` — a known one passes, or one is deferred. With nothing deferred, evaluateConditions.
 */
export function mayPassConditions(
  set: { join?: ConditionJoin; conditions: readonly Condition[] },
  input: ConditionInput,
  deferred: (index: number) => boolean,
): boolean {
  if (set.conditions.length === 0) return true;
  const known = set.conditions.map((c, i) => (deferred(i) ? null : evaluateCondition(c, input)));
  if (set.join === 'any') return known.some((k) => k !== false);
  return known.every((k) => k !== false);
}

/**
 * One condition. Rules (see condition-values.ts for equality, ordering and emptiness):
 * - equals / not_equals: `valuesEqual` (numeric, boolean-ish, else trimmed case-insensitive text).
 * - contains: substring (case-insensitive) of a string/number, or membership of an array.
 * - gt / lt: numeric when both numeric, else ISO dates when both are dates, else false.
 * - is_empty / is_not_empty: undefined, null, '', whitespace-only and [] are empty.
 * - changed: on update, old and new values differ; on create, the new value is not empty.
 * - changed_to X: equals X now and did not before (on create: equals X now). So a deal that is
 *   already Won does not fire again when another field changes.
 * - changed_from X: equalled X before and does not now; never true on create.
 * An unknown op (bad stored data) is false: refuse when unsure.
 */
export function evaluateCondition(condition: Condition, input: ConditionInput): boolean {
  const current = getPath(input.record, condition.field);
  const before = input.previous === null ? undefined : getPath(input.previous, condition.field);
  const expected = condition.value;
  switch (condition.op) {
    case 'equals':
      return valuesEqual(current, expected);
    case 'not_equals':
      return !valuesEqual(current, expected);
    case 'contains':
      return containsValue(current, expected);
    case 'gt':
      return compareOrdered(current, expected) === 1;
    case 'lt':
      return compareOrdered(current, expected) === -1;
    case 'is_empty':
      return isEmptyValue(current);
    case 'is_not_empty':
      return !isEmptyValue(current);
    case 'changed':
      return input.previous === null ? !isEmptyValue(current) : !valuesEqual(before, current);
    case 'changed_to':
      return valuesEqual(current, expected) && (input.previous === null || !valuesEqual(before, expected));
    case 'changed_from':
      return input.previous !== null && valuesEqual(before, expected) && !valuesEqual(current, expected);
    default:
      return false;
  }
}

/**
 * Field errors (`conditions.<i>.field` → message) for conditions whose path is malformed or
 * whose first segment is not one of `fields` (so `contact.name` needs a `contact` field).
 */
export function checkConditionFields(
  set: { conditions: readonly Pick<Condition, 'field'>[] },
  fields: readonly { name: string }[],
): Record<string, string> {
  const known = new Set(fields.map((f) => f.name));
  const errors: Record<string, string> = {};
  set.conditions.forEach((condition, i) => {
    const problem = pathProblem(condition.field);
    if (problem) {
      errors[`conditions.${i}.field`] = `Field ${problem}`;
      return;
    }
    const head = condition.field.split('.')[0];
    if (!known.has(head)) errors[`conditions.${i}.field`] = `Unknown field "${head}"`;
  });
  return errors;
}
