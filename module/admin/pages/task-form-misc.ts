/** Forms of the smaller task types: send an email, set $env values, respond to the HTTP caller. */
import { checked, rowErrors, rows, text, type FormBody } from './form-values.js';
import type { TaskForm } from './task-forms.js';
import { valueReferences } from './task-forms.js';

const asText = (v: unknown) => (typeof v === 'string' ? v : v == null ? '' : JSON.stringify(v));

export const sendEmailForm: TaskForm = {
  labels: { to: 'Recipient', 'to.kind': 'Recipient', 'to.userId': 'User', 'to.address': 'Address', subject: 'Subject', body: 'Message', html: 'HTML' },
  blank: () => ({ toKind: 'owner', userId: '', address: '', subject: '', body: '', html: false }),
  fromOptions: (o) => ({
    toKind: o.to?.kind ?? 'owner', userId: o.to?.userId ? String(o.to.userId) : '', address: o.to?.address ?? '',
    subject: o.subject ?? '', body: o.body ?? '', html: Boolean(o.html),
  }),
  fromBody(body: FormBody) {
    const values = { toKind: text(body, 'toKind') || 'owner', userId: text(body, 'userId'), address: text(body, 'address').trim(), subject: text(body, 'subject'), body: text(body, 'body'), html: checked(body, 'html') };
    const to = values.toKind === 'user' ? { kind: 'user', userId: Number(values.userId) || undefined } : values.toKind === 'address' ? { kind: 'address', address: values.address } : { kind: 'owner' };
    return { values, options: { to, subject: values.subject, body: values.body, html: values.html } };
  },
  view(v, ctx) {
    return {
      kinds: [
        { value: 'owner', label: 'The record owner', checked: v.toKind === 'owner' },
        { value: 'user', label: 'A CRM user', checked: v.toKind === 'user' },
        { value: 'address', label: 'An address (may be a template such as {{env.email}})', checked: v.toKind === 'address' },
      ],
      users: ctx.users.filter((u) => u.active).map((u) => ({ value: u.id, label: `${u.name} <${u.email}>`, selected: String(u.id) === String(v.userId) })),
      refs: valueReferences(ctx.workflow, ctx.modules),
    };
  },
};

export const setEnvForm: TaskForm = {
  labels: { values: 'Values', 'values.*.name': 'Name', 'values.*.value': 'Value' },
  blank: () => ({ values: [] }),
  fromOptions: (o) => ({ values: (o.values ?? []).map((r: { name: string; value: unknown }) => ({ name: r.name, value: asText(r.value) })) }),
  fromBody(body: FormBody) {
    const values = rows(body, { name: 'envName', value: 'envValue' }).map((r) => ({ name: r.name.trim(), value: r.value }));
    return { values: { values }, options: { values } };
  },
  view(v, ctx) {
    const errs = rowErrors(ctx.errors, /^values\.(\d+)\.?(\w+)?/);
    const blank = { name: '', value: '' };
    return { envRows: [...(v.values as Array<typeof blank>).map((r, i) => ({ ...r, errors: errs.get(i) ?? {} })), blank, blank], refs: valueReferences(ctx.workflow, ctx.modules) };
  },
};

export const respondForm: TaskForm = {
  labels: { redirectUrl: 'Redirect', status: 'HTTP status', body: 'JSON answer' },
  blank: () => ({ status: '', body: '', redirectUrl: '' }),
  fromOptions: (o) => ({ status: o.status ? String(o.status) : '', body: o.body === undefined ? '' : JSON.stringify(o.body, null, 2), redirectUrl: o.redirectUrl ?? '' }),
  fromBody(body: FormBody) {
    const values = { status: text(body, 'status').trim(), body: text(body, 'body'), redirectUrl: text(body, 'redirectUrl').trim() };
    let parsed: unknown;
    const errors: Record<string, string> = {};
    if (values.body.trim() !== '') {
      try { parsed = JSON.parse(values.body); } catch (err) { errors.body = `is not valid JSON (${(err as Error).message})`; }
    }
    const status = values.status === '' ? undefined : /^\d+$/.test(values.status) ? Number(values.status) : values.status;
    return { values, errors, options: { status, body: parsed, redirectUrl: values.redirectUrl || undefined } };
  },
  view: () => ({}),
};
