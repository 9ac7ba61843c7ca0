/** The set_env form: name/value rows. */
import { inputText, rowErrors, rows, type FormBody } from '../../../forms/form-values.js';
import { valueReferences, type TaskForm } from '../../../forms/task-form.js';

export const setEnvForm: TaskForm = {
  labels: { values: 'Values', 'values.*.name': 'Name', 'values.*.value': 'Value' },
  blank: () => ({ values: [] }),
  fromOptions: (o) => ({
    values: (o.values ?? []).map((r: { name: string; value: unknown }) => ({
      name: r.name,
      value: inputText(r.value),
    })),
  }),
  fromBody(body: FormBody) {
    const values = rows(body, { name: 'envName', value: 'envValue' }).map((r) => ({
      name: r.name.trim(),
      value: r.value,
    }));
    return { values: { values }, options: { values } };
  },
  view(v, ctx) {
    const errs = rowErrors(ctx.errors, /^values\.(\d+)\.?(\w+)?/);
    const blank = { name: '', value: '' };
    return {
      envRows: [
        ...(v.values as Array<typeof blank>).map((r, i) => ({ ...r, errors: errs.get(i) ?? {} })),
        blank,
        blank,
      ],
      refs: valueReferences(ctx.workflow, ctx.modules),
    };
  },
};
