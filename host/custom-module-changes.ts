/**
 * What `PATCH /api/modules/:name` (and the module's edit form) may change, as pure checks.
 *
 * A patch names what changes; what it leaves out stays: `label`, the whole `fields` list (in its
 * new order), `aliases` (replaced as a whole; `{}` clears them). Safe, so allowed: a new label,
 * new fields, new field labels, new picklist options, other Bitrix24 aliases. Refused with a 422
 * naming the field, because records, events and workflows depend on them:
 *   - the module's `name` (records are filed under it; workflows name it);
 *   - a field's `type` or the module a reference field points at (stored values would not fit).
 * Removing a field erases its values from every record of the module, so it needs the field named
 * in `removeFields` too; a field left out without that is a 422 (`fields`), never a silent loss.
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import { HookflowError, type FieldErrors, type ModuleField, type ModuleInfo } from 'hookflow';
import {
  AliasesInput,
  FieldInput,
  Label,
  fieldsOfZod,
  relationProblems,
  toModule,
  type ModuleRow,
} from './custom-modules.js';

export const ModulePatch = z
  .object({
    name: z.string().max(64).optional(),
    label: Label.optional(),
    fields: z.array(FieldInput).min(1, 'at least one field').max(100, 'at most 100 fields').optional(),
    aliases: AliasesInput.optional(),
    removeFields: z.array(z.string().max(64)).max(100).optional(),
  })
  .strict();
export type ModulePatch = z.infer<typeof ModulePatch>;

/** The module as the patch would leave it, and the fields it removes. */
export interface PatchedModule {
  module: ModuleInfo;
  removed: string[];
}

export function applyPatch(current: ModuleInfo, patch: ModulePatch): PatchedModule {
  const fields: ModuleField[] = patch.fields ?? current.fields;
  const aliases = patch.aliases ?? current.aliases;
  const kept = new Set(fields.map((f) => f.name));
  return {
    module: {
      name: current.name,
      label: patch.label ?? current.label,
      fields,
      ...(aliases && Object.keys(aliases).length > 0 ? { aliases } : {}),
    },
    removed: current.fields.filter((f) => !kept.has(f.name)).map((f) => f.name),
  };
}

function fieldChangeProblems(current: ModuleInfo, fields: readonly ModuleField[]): FieldErrors {
  const errors: FieldErrors = {};
  const before = new Map(current.fields.map((f) => [f.name, f]));
  fields.forEach((f, i) => {
    const old = before.get(f.name);
    if (!old) return;
    if (old.type !== f.type)
      errors[`fields.${i}.type`] =
        `${f.name} is a ${old.type} field; a field's type cannot change (its stored values would not fit) — add a field with a new name instead`;
    else if ((old.references ?? '') !== (f.references ?? ''))
      errors[`fields.${i}.references`] =
        `${f.name} points at ${old.references}; the module a reference field points at cannot change`;
  });
  return errors;
}

/** Every reason to refuse `patch` on `current` (empty when it is safe). */
export function patchProblems(current: ModuleInfo, patch: ModulePatch, removed: readonly string[]): FieldErrors {
  const errors: FieldErrors = {};
  if (patch.name !== undefined && patch.name !== current.name)
    errors.name = `a module's name cannot change (its records, events and workflows use ${current.name}); define a new module instead`;
  Object.assign(errors, fieldChangeProblems(current, patch.fields ?? current.fields));
  const confirmed = patch.removeFields ?? [];
  const unconfirmed = removed.filter((n) => !confirmed.includes(n));
  if (unconfirmed.length > 0)
    errors.fields = `this would remove ${unconfirmed.join(', ')} and erase its values from every record; name ${unconfirmed.length === 1 ? 'it' : 'them'} in removeFields to confirm`;
  confirmed.forEach((n, i) => {
    if (removed.includes(n)) return;
    errors[`removeFields.${i}`] = current.fields.some((f) => f.name === n)
      ? `${n} is still in fields`
      : `${current.name} has no field ${n}`;
  });
  return errors;
}

const invalid = (errors: FieldErrors) =>
  new HookflowError('validation_failed', 'The module change is not valid', errors);

const isMysql = (db: Knex | Knex.Transaction) => String(db.client?.config?.client ?? '').includes('mysql');

/** Records of `module` read this many at a time when a removed field's values are erased. */
const ERASE_PAGE = 500;

/** Erases `removed` from the stored values of every record of `module` (no hooks: not a record change). */
async function eraseFieldValues(trx: Knex.Transaction, module: string, removed: readonly string[]): Promise<void> {
  for (let afterId = 0; ;) {
    const rows = (await trx('crm_records')
      .where({ module })
      .andWhere('id', '>', afterId)
      .orderBy('id')
      .limit(ERASE_PAGE)
      .select('id', 'fields')) as Array<{ id: number; fields: string }>;
    for (const row of rows) {
      const values = JSON.parse(row.fields) as Record<string, unknown>;
      if (!removed.some((n) => Object.hasOwn(values, n))) continue;
      for (const n of removed) delete values[n];
      await trx('crm_records')
        .where({ id: row.id })
        .update({ fields: JSON.stringify(values) });
    }
    if (rows.length < ERASE_PAGE) return;
    afterId = Number(rows[rows.length - 1]!.id);
  }
}

/**
 * Applies a patch to the custom module `name`, checked against its definition as stored (read
 * and locked inside the write's transaction, so two admins' edits cannot combine into a change
 * either alone would have been refused) and against the `others` (every other module).
 */
export async function updateCustomModule(
  db: Knex,
  name: string,
  raw: unknown,
  others: readonly ModuleInfo[],
): Promise<ModuleInfo> {
  const parsed = ModulePatch.safeParse(raw);
  if (!parsed.success) throw invalid(fieldsOfZod(parsed.error));
  return db.transaction(async (trx) => {
    const query = trx('crm_modules').where({ name }).first('name', 'label', 'definition');
    const row = (await (isMysql(trx) ? query.forUpdate() : query)) as ModuleRow | undefined;
    if (!row) throw new HookflowError('not_found', `unknown module ${name}`);
    const current = toModule(row);
    const { module, removed } = applyPatch(current, parsed.data);
    const errors = { ...patchProblems(current, parsed.data, removed), ...relationProblems(module, others) };
    if (Object.keys(errors).length > 0) throw invalid(errors);
    const definition = JSON.stringify({ fields: module.fields, aliases: module.aliases });
    await trx('crm_modules').where({ name }).update({ label: module.label, definition });
    if (removed.length > 0) await eraseFieldValues(trx, name, removed);
    return module;
  });
}

/**
 * Deletes the custom module `name` if it has no records: false (nothing deleted) when one exists.
 * The check locks the module's record range on MySQL (SQLite serialises writers), so a record
 * whose save is under way is either seen here or waits until the module is gone.
 */
export async function deleteEmptyCustomModule(db: Knex, name: string): Promise<boolean> {
  return db.transaction(async (trx) => {
    const query = trx('crm_records').where({ module: name }).first('id');
    if (await (isMysql(trx) ? query.forUpdate() : query)) return false;
    const deleted = await trx('crm_modules').where({ name }).delete();
    if (deleted === 0) throw new HookflowError('not_found', `unknown module ${name}`);
    return true;
  });
}
