/**
 * Admin-defined modules of the reference CRM, kept in `crm_modules` (one row per module, its
 * fields and aliases as JSON). Their records live in `crm_records` like every other record, so
 * the records service, the API, the hooks and Hookflow treat them exactly like the fixed ones.
 *
 * A definition is checked strictly before it is stored: unknown keys, a bad name or type, a
 * duplicate field name, a reference to a module that does not exist, a Bitrix24 type id another
 * module has — each a 422 naming the field (`fields.2.name`, `fields.3.references` …).
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import { HookflowError, moduleDescriptionProblems, type FieldErrors, type ModuleInfo } from 'hookflow';

const FIELD_TYPES = ['text', 'number', 'date', 'email', 'boolean', 'picklist', 'reference'] as const;

export const Label = z.string().trim().min(1, 'required').max(200, 'at most 200 characters');

export const FieldInput = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'lower-case letters, digits and _, starting with a letter'),
    label: Label,
    type: z.enum(FIELD_TYPES, { message: `one of ${FIELD_TYPES.join(', ')}` }),
    options: z.array(z.string().trim().min(1, 'required').max(200)).min(1).max(200).optional(),
    references: z.string().min(1).max(64).optional(),
  })
  .strict();

export const AliasesInput = z
  .object({
    bitrix24: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]{0,39}$/, 'upper-case letters, digits and _')
      .optional(),
    bitrix24EntityTypeId: z.number().int('a whole number').min(1).max(2_147_483_647).optional(),
    event: z
      .string()
      .regex(/^[a-z][a-z0-9_-]{0,39}$/, 'lower-case letters, digits, _ and -')
      .optional(),
  })
  .strict();

/** What `POST /api/modules` and the settings form accept. */
export const ModuleInput = z
  .object({
    name: z.string().regex(/^[A-Z][A-Za-z0-9_]{0,63}$/, 'letters, digits and _, starting with a capital letter'),
    label: Label,
    fields: z.array(FieldInput).min(1, 'at least one field').max(100, 'at most 100 fields'),
    aliases: AliasesInput.optional(),
  })
  .strict();
export type ModuleInput = z.infer<typeof ModuleInput>;

export interface ModuleRow {
  name: string;
  label: string;
  definition: string;
}

export function fieldsOfZod(err: z.ZodError): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of err.issues) {
    const path = issue.path.map(String).join('.');
    const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => (path ? `${path}.${k}` : k)) : [path];
    for (const key of keys)
      errors[key || '(root)'] ??= issue.code === 'unrecognized_keys' ? 'unknown property' : issue.message;
  }
  return errors;
}

export function toModule(row: ModuleRow): ModuleInfo {
  const def = JSON.parse(row.definition) as Pick<ModuleInfo, 'fields' | 'aliases'>;
  return { name: row.name, label: row.label, fields: def.fields, ...(def.aliases ? { aliases: def.aliases } : {}) };
}

/** The checks that need the other modules: name and Bitrix24 type id free, references resolvable. */
export function relationProblems(input: ModuleInfo, existing: readonly ModuleInfo[]): FieldErrors {
  const errors: FieldErrors = {};
  if (existing.some((m) => m.name.toLowerCase() === input.name.toLowerCase()))
    errors.name = `a module named ${input.name} already exists`;
  const typeId = input.aliases?.bitrix24EntityTypeId;
  const owner = typeId === undefined ? undefined : existing.find((m) => m.aliases?.bitrix24EntityTypeId === typeId);
  if (owner) errors['aliases.bitrix24EntityTypeId'] = `type ${typeId} is already ${owner.name}'s`;
  input.fields.forEach((f, i) => {
    if (f.type === 'picklist' && !f.options?.length) errors[`fields.${i}.options`] = 'a picklist needs its options';
    if (f.type !== 'picklist' && f.options) errors[`fields.${i}.options`] = 'only picklist fields have options';
    if (f.type !== 'reference' && f.references)
      errors[`fields.${i}.references`] = 'only reference fields name a module';
  });
  const names = [...existing.map((m) => m.name), input.name];
  return { ...errors, ...moduleDescriptionProblems(input, names) };
}

export class CustomModuleStore {
  constructor(
    readonly db: Knex,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Every custom module, oldest first. Reads through `db` when given. */
  async list(db: Knex | Knex.Transaction = this.db): Promise<ModuleInfo[]> {
    const rows = (await db('crm_modules').orderBy('id').select('name', 'label', 'definition')) as ModuleRow[];
    return rows.map(toModule);
  }

  /** Checks `raw` against ModuleInput and the `existing` modules, then stores it: 422 naming each bad field. */
  async create(raw: unknown, existing: readonly ModuleInfo[]): Promise<ModuleInfo> {
    const parsed = ModuleInput.safeParse(raw);
    if (!parsed.success)
      throw new HookflowError('validation_failed', 'The module is not valid', fieldsOfZod(parsed.error));
    const module: ModuleInfo = parsed.data;
    const errors = relationProblems(module, existing);
    if (Object.keys(errors).length > 0) throw new HookflowError('validation_failed', 'The module is not valid', errors);
    const definition = JSON.stringify({ fields: module.fields, aliases: module.aliases });
    try {
      await this.db('crm_modules').insert({
        name: module.name,
        label: module.label,
        definition,
        created_at: this.now().getTime(),
      });
    } catch (err) {
      // Two admins racing for one name: the unique index decides.
      if ((await this.db('crm_modules').where({ name: module.name }).first('id')) === undefined) throw err;
      throw new HookflowError('validation_failed', 'The module is not valid', {
        name: `a module named ${module.name} already exists`,
      });
    }
    return module;
  }
}
