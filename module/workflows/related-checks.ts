/**
 * Save-time checks of related-record paths (PURE; rules in related-paths.ts): a condition or a
 * template that follows a reference must name fields that exist, within MAX_HOPS, and a
 * condition on a related record cannot use the changed* operators. Errors name the field.
 */
import type { ModuleInfo } from '../host.js';
import type { FieldErrors } from '../errors.js';
import { pathProblem } from '../paths.js';
import { conditionProblem, conditionTypeProblems } from './condition-checks.js';
import { checkConditionFields, type Condition } from './conditions.js';
import { CHANGE_OPS, recordPathsIn, resolveRelatedPath } from '../related-paths.js';

/** Errors of conditions on related records, and which conditions are related (by index). */
export function checkRelatedConditions(
  modules: readonly ModuleInfo[],
  from: ModuleInfo,
  conditions: readonly Condition[],
): { errors: FieldErrors; related: Set<number> } {
  const errors: FieldErrors = {};
  const related = new Set<number>();
  conditions.forEach((c, i) => {
    if (pathProblem(c.field)) return;
    const r = resolveRelatedPath(modules, from, c.field);
    if (r === null) return;
    related.add(i);
    if ('error' in r) return void (errors[`conditions.${i}.field`] = r.error);
    if (CHANGE_OPS.has(c.op))
      return void (errors[`conditions.${i}.op`] =
        `"${c.op}" cannot look at a related record (its earlier values are not known); use equals, contains or another comparison`);
    const target = r.hops.at(-1)!.target;
    const field =
      r.field === 'id'
        ? { name: 'id', label: 'Id', type: 'number' as const }
        : target.fields.find((f) => f.name === r.field);
    const problem = conditionProblem({ ...c, field: r.field }, field);
    if (problem) errors[`conditions.${i}.value`] = problem;
  });
  return { errors, related };
}

/** Errors of template strings (path → text) whose `record.<hop>…` references name no such field. */
export function checkRelatedTemplates(
  modules: readonly ModuleInfo[],
  from: ModuleInfo,
  strings: ReadonlyArray<{ path: string; value: string }>,
): FieldErrors {
  const errors: FieldErrors = {};
  for (const { path, value } of strings) {
    for (const ref of recordPathsIn(value)) {
      const r = resolveRelatedPath(modules, from, ref);
      if (r && 'error' in r) {
        errors[path] = r.error;
        break;
      }
    }
  }
  return errors;
}

/**
 * Every problem of `conditions` on module `from` (save-time and for a stored workflow's page):
 * its own fields' checks, and for a condition on a related record that record's module's.
 */
export function conditionSetProblems(
  modules: readonly ModuleInfo[],
  from: ModuleInfo,
  set: { conditions: readonly Condition[] },
): FieldErrors {
  const related = checkRelatedConditions(modules, from, set.conditions);
  const own = (k: string) => !related.related.has(Number(k.split('.')[1]));
  const errors: FieldErrors = {};
  for (const [k, v] of Object.entries(checkConditionFields(set, from.fields))) if (own(k)) errors[k] = v;
  for (const [k, v] of Object.entries(conditionTypeProblems(set.conditions, from.fields))) if (own(k)) errors[k] ??= v;
  return { ...errors, ...related.errors };
}
