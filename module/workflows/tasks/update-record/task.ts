/** update_record: changes fields of the run's record, or of a related record by id. */
import { z } from 'zod';
import { changeOriginOf, formViewBeside, type TaskDefinition } from '../../task-types.js';
import { updateRecordForm } from './form.js';
import { FieldMap, checkFieldMap, renderFieldMap } from '../field-map.js';
import { effectKeyOf } from '../../task-effects.js';

export const UpdateRecordOptions = z.strictObject({
  /** Module of the record to update. Default: the workflow's module. */
  module: z.string().min(1).max(64).optional(),
  /** Id (template, e.g. `{{record.account_id}}`) of a related record. Default: the run's record. */
  recordId: z.union([z.string().max(500), z.number().int().positive()]).optional(),
  fields: FieldMap,
});
export type UpdateRecordOptions = z.infer<typeof UpdateRecordOptions>;

function toRecordId(value: unknown): number {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\d{1,15}$/.test(value.trim())
        ? Number(value.trim())
        : NaN;
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new Error(`record id ${JSON.stringify(value)} is not a positive integer`);
  return n;
}

export const updateRecordTask: TaskDefinition<UpdateRecordOptions> = {
  id: 'update_record',
  label: 'Update a record',
  options: UpdateRecordOptions,
  form: updateRecordForm,
  timeout: 'recordCallTimeoutMs',
  ledgered: true,
  formView: formViewBeside(import.meta.url),
  summary: (o) =>
    `Updates ${o.recordId ? `${o.module ?? 'a'} record ${o.recordId}` : 'the record'} (${(o.fields ?? []).length} fields)`,
  validate(options, ctx) {
    return checkFieldMap(options.fields, options.module ?? ctx.workflowModule, ctx.modules, 'fields');
  },
  async run(options, ctx) {
    const module = options.module ?? ctx.run.module;
    const sameRecord = options.recordId === undefined;
    if (sameRecord && ctx.run.recordId === null)
      throw new Error('this run has no record to update (record_id 0); set a record id');
    const id = sameRecord ? (ctx.run.recordId as number) : toRecordId(ctx.services.render(options.recordId));
    const fields = renderFieldMap(options.fields, ctx.services);
    // Resumed after a crash that came after the update committed: not updated (nor its workflows started) twice.
    const effectKey = effectKeyOf(ctx.run.id, ctx.task.id);
    if (await ctx.services.effects.find(effectKey)) {
      const current = await ctx.services.host.records.get(module, id);
      if (current && module === ctx.run.module && id === ctx.run.recordId) ctx.tpl.record = { id, ...current.fields };
      return {
        module,
        recordId: id,
        fields: Object.keys(fields),
        resumed: 'updated before the run was resumed; not updated again',
      };
    }
    const updated = await ctx.services.host.records.update(module, id, fields, {
      actorUserId: ctx.run.actorUserId,
      origin: changeOriginOf(ctx.run, effectKey),
    });
    // Later tasks of this run see the new values of the run's own record.
    if (module === ctx.run.module && id === ctx.run.recordId) ctx.tpl.record = { id, ...updated.fields };
    return { module, recordId: id, fields: Object.keys(fields) };
  },
};
