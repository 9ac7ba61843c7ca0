/** The update_record form: this workflow's record or a related one by id, and its field rows. */
import { text, type FormBody } from '../../../forms/form-values.js';
import { valueReferences, type TaskForm } from '../../../forms/task-form.js';
import { FIELD_LABELS, fieldRowsFrom, fieldRowsFromBody, fieldRowsView, moduleChoices } from '../field-map-form.js';

export const updateRecordForm: TaskForm = {
  labels: { module: 'Module', recordId: 'Record id', ...FIELD_LABELS },
  refreshable: true,
  blank: () => ({ module: '', recordId: '', fields: [] }),
  fromOptions: (o) => ({
    module: o.module ?? '',
    recordId: o.recordId == null ? '' : String(o.recordId),
    fields: fieldRowsFrom(o),
  }),
  fromBody(body: FormBody) {
    const values = {
      module: text(body, 'targetModule'),
      recordId: text(body, 'recordId').trim(),
      fields: fieldRowsFromBody(body),
    };
    const recordId = /^\d{1,15}$/.test(values.recordId) ? Number(values.recordId) : values.recordId || undefined;
    return { values, options: { module: values.module || undefined, recordId, fields: values.fields } };
  },
  view(v, ctx) {
    const moduleName = v.module || ctx.workflow.module;
    return {
      modules: moduleChoices(ctx.modules, v.module, `This workflow's module (${ctx.workflow.module})`),
      fieldRows: fieldRowsView(v.fields, moduleName, ctx),
      refs: valueReferences(ctx.workflow, ctx.modules),
    };
  },
};
