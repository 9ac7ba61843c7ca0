/**
 * Checks of the module descriptions a host gives (`records.listModules()`): one rule for Hookflow,
 * which refuses workflows on a badly described module, and for hosts, which can refuse a bad
 * admin-defined module with the same words before they ever list it.
 */
import type { ModuleField, ModuleInfo } from './host.js';
import type { FieldErrors } from './errors.js';

function referenceProblem(field: ModuleField, known: ReadonlySet<string>): string | null {
  if (field.type !== 'reference') return null;
  if (!field.references) return 'a reference field must name the module it points at (references)';
  if (!known.has(field.references)) return `references module ${field.references}, which the host does not list`;
  return null;
}

/**
 * What is wrong with one module description, keyed by its path inside the module
 * (`fields.2.name`: a duplicate field name; `fields.3.references`: a reference to a module not
 * in `moduleNames`; `aliases.bitrix24EntityTypeId`: not a positive integer). Empty when fine.
 * `moduleNames` are the names of every module listed with it (its own included).
 */
export function moduleDescriptionProblems(module: ModuleInfo, moduleNames: Iterable<string>): FieldErrors {
  const known = new Set(moduleNames);
  const errors: FieldErrors = {};
  const seen = new Map<string, number>();
  module.fields.forEach((field, i) => {
    const first = seen.get(field.name);
    if (first !== undefined)
      errors[`fields.${i}.name`] = `duplicate field name ${field.name} (also fields.${first}.name)`;
    else seen.set(field.name, i);
    const problem = referenceProblem(field, known);
    if (problem) errors[`fields.${i}.references`] = problem;
  });
  const typeId = module.aliases?.bitrix24EntityTypeId;
  if (typeId !== undefined && !(Number.isSafeInteger(typeId) && typeId > 0))
    errors['aliases.bitrix24EntityTypeId'] = 'must be a positive integer';
  return errors;
}

/**
 * Every problem of a host's module list, keyed `<module>.<path>`: each module's own problems
 * (moduleDescriptionProblems), a module name listed twice, and a Bitrix24 dynamic type id
 * claimed by two modules.
 */
export function moduleListProblems(modules: readonly ModuleInfo[]): FieldErrors {
  const names = modules.map((m) => m.name);
  const errors: FieldErrors = {};
  const typeIds = new Map<number, string>();
  modules.forEach((m, i) => {
    if (names.indexOf(m.name) !== i) errors[`${m.name}.name`] = `module ${m.name} is listed twice`;
    for (const [key, message] of Object.entries(moduleDescriptionProblems(m, names)))
      errors[`${m.name}.${key}`] = message;
    const typeId = m.aliases?.bitrix24EntityTypeId;
    if (typeId === undefined) return;
    const owner = typeIds.get(typeId);
    if (owner) errors[`${m.name}.aliases.bitrix24EntityTypeId`] = `type ${typeId} is already ${owner}'s`;
    else typeIds.set(typeId, m.name);
  });
  return errors;
}
