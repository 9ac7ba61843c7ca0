/** The respond form: an HTTP status, a JSON answer (checked to parse here) or a redirect. */
import { text, type FormBody } from '../../../forms/form-values.js';
import type { TaskForm } from '../../../forms/task-form.js';

export const respondForm: TaskForm = {
  labels: { redirectUrl: 'Redirect', status: 'HTTP status', body: 'JSON answer' },
  blank: () => ({ status: '', body: '', redirectUrl: '' }),
  fromOptions: (o) => ({
    status: o.status ? String(o.status) : '',
    body: o.body === undefined ? '' : JSON.stringify(o.body, null, 2),
    redirectUrl: o.redirectUrl ?? '',
  }),
  fromBody(body: FormBody) {
    const values = {
      status: text(body, 'status').trim(),
      body: text(body, 'body'),
      redirectUrl: text(body, 'redirectUrl').trim(),
    };
    let parsed: unknown;
    const errors: Record<string, string> = {};
    if (values.body.trim() !== '') {
      try {
        parsed = JSON.parse(values.body);
      } catch (err) {
        errors.body = `is not valid JSON (${(err as Error).message})`;
      }
    }
    const status =
      values.status === '' ? undefined : /^\d+$/.test(values.status) ? Number(values.status) : values.status;
    return { values, errors, options: { status, body: parsed, redirectUrl: values.redirectUrl || undefined } };
  },
  view: () => ({}),
};
