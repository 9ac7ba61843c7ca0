/** The create_record form: the module, its field rows and the `$env` name of the new id. */
import { text, type FormBody } from '../../../forms/form-values.js';
import { valueReferences, type TaskForm } from '../../../forms/task-form.js';
import { FIELD_LABELS, fieldRowsFrom, fieldRowsFromBody, fieldRowsView, moduleChoices } from '../field-map-form.js';

export const createRecordForm: TaskForm = {
  labels: { module: 'Module', envName: '$env name', ...FIELD_LABELS },
  refreshable: true,
  blank: (ctx) => ({ module: ctx.workflow.module, fields: [], envName: 'created_record_id' }),
  fromOptions: (o) => ({ module: o.module ?? '', fields: fieldRowsFrom(o), envName: o.envName ?? 'created_record_id' }),
  fromBody(body: FormBody) {
    const values = {
      module: text(body, 'targetModule'),
      fields: fieldRowsFromBody(body),
      envName: text(body, 'envName').trim(),
    };
    return { values, options: { module: values.module, fields: values.fields, envName: values.envName || undefined } };
  },
  view(v, ctx) {
    // The field list follows the saved module; after changing the module, save to refresh it.
    return {
      modules: moduleChoices(ctx.modules, v.module, null),
      fieldRows: fieldRowsView(v.fields, v.module, ctx),
      refs: valueReferences(ctx.workflow, ctx.modules),
    };
  },
};
