/** Shared by create_record and update_record: a list of `field → value template` rows. */
import { z } from 'zod';
import type { ModuleInfo } from '../../host.js';
import type { FieldErrors } from '../../errors.js';
import type { TaskServices } from '../task-types.js';

export const FieldMap = z
  .array(
    z.strictObject({
      field: z.string().min(1).max(100),
      value: z.unknown(),
      /**
       * What a value that renders blank (empty or only spaces — a form's empty input sends `email=`)
       * means: `leave_unset` (default) — not given, the field is left out (create: unset; update:
       * unchanged); `send_empty` — written as it is, e.g. to clear a field.
       */
      whenBlank: z.enum(['leave_unset', 'send_empty']).default('leave_unset'),
    }),
  )
  .min(1)
  .max(200);
export type FieldMap = z.infer<typeof FieldMap>;

/** Errors for rows naming fields the module does not have. */
export function checkFieldMap(map: FieldMap, moduleName: string, modules: ModuleInfo[], prefix: string): FieldErrors {
  const mod = modules.find((m) => m.name === moduleName);
  if (!mod) return { module: `unknown module ${moduleName}` };
  const errors: FieldErrors = {};
  map.forEach((row, i) => {
    if (!mod.fields.some((f) => f.name === row.field))
      errors[`${prefix}.${i}.field`] = `${moduleName} has no field ${row.field}`;
  });
  return errors;
}

/** A rendered value a person would call "nothing": null, or a string of nothing but whitespace. */
export function isBlank(value: unknown): boolean {
  return value === null || (typeof value === 'string' && value.trim() === '');
}

/** Renders every row; undefined is left out, and so is a blank value unless its row says `send_empty`. */
export function renderFieldMap(map: FieldMap, services: TaskServices): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const row of map) {
    const value = services.render(row.value);
    if (value === undefined || (isBlank(value) && row.whenBlank !== 'send_empty')) continue;
    out[row.field] = value;
  }
  return out;
}
