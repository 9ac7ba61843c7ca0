/** Shared by create_record and update_record: a list of `field → value template` rows. */
import { z } from 'zod';
import type { ModuleInfo } from '../../host.js';
import type { FieldErrors } from '../../errors.js';
import type { TaskServices } from '../task-types.js';

export const FieldMap = z.array(z.object({
  field: z.string().min(1).max(100),
  value: z.unknown(),
})).min(1).max(200);
export type FieldMap = z.infer<typeof FieldMap>;

/** Errors for rows naming fields the module does not have. */
export function checkFieldMap(map: FieldMap, moduleName: string, modules: ModuleInfo[], prefix: string): FieldErrors {
  const mod = modules.find((m) => m.name === moduleName);
  if (!mod) return { module: `unknown module ${moduleName}` };
  const errors: FieldErrors = {};
  map.forEach((row, i) => {
    if (!mod.fields.some((f) => f.name === row.field)) errors[`${prefix}.${i}.field`] = `${moduleName} has no field ${row.field}`;
  });
  return errors;
}

/** Renders every row; a value rendering to undefined is left out. */
export function renderFieldMap(map: FieldMap, services: TaskServices): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const row of map) {
    const value = services.render(row.value);
    if (value !== undefined) out[row.field] = value;
  }
  return out;
}
