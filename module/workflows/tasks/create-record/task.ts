/** create_record: creates a record from a field map (the web-lead case: a Lead from POST fields). */
import { z } from 'zod';
import { changeOriginOf, formViewBeside, type TaskDefinition } from '../../task-types.js';
import { createRecordForm } from './form.js';
import { FieldMap, checkFieldMap, renderFieldMap } from '../field-map.js';
import { effectKeyOf } from '../../task-effects.js';

export const CreateRecordOptions = z.strictObject({
  module: z.string().min(1).max(64),
  fields: FieldMap,
  /** `$env` name that receives the new record's id for later tasks. Default `created_record_id`. */
  envName: z
    .string()
    .regex(/^[A-Za-z0-9_]{1,64}$/)
    .default('created_record_id'),
});
export type CreateRecordOptions = z.infer<typeof CreateRecordOptions>;

export const createRecordTask: TaskDefinition<CreateRecordOptions> = {
  id: 'create_record',
  label: 'Create a record',
  options: CreateRecordOptions,
  form: createRecordForm,
  timeout: 'recordCallTimeoutMs',
  ledgered: true,
  mapsRequestFields: true,
  formView: formViewBeside(import.meta.url),
  summary: (o) => `Creates a ${o.module ?? ''} record (${(o.fields ?? []).length} fields)`,
  validate(options, ctx) {
    return checkFieldMap(options.fields, options.module, ctx.modules, 'fields');
  },
  async run(options, ctx) {
    // Resumed after a crash that came after the record was created: never create it twice.
    const effectKey = effectKeyOf(ctx.run.id, ctx.task.id);
    const done = await ctx.services.effects.find(effectKey);
    if (done?.recordId != null) {
      ctx.tpl.env[options.envName] = done.recordId;
      return {
        module: done.module ?? options.module,
        recordId: done.recordId,
        resumed: 'created before the run was resumed; not created again',
      };
    }
    const fields = renderFieldMap(options.fields, ctx.services);
    const created = await ctx.services.host.records.create(options.module, fields, {
      actorUserId: ctx.run.actorUserId,
      ownerUserId: ctx.run.actorUserId ?? undefined,
      origin: changeOriginOf(ctx.run, effectKey),
    });
    ctx.tpl.env[options.envName] = created.id;
    return { module: created.module, recordId: created.id };
  },
};
