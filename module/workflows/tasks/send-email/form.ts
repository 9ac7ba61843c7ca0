/** The send_email form: the recipient (record owner, a CRM user or an address), subject and body. */
import { checked, text, type FormBody } from '../../../forms/form-values.js';
import { valueReferences, type TaskForm } from '../../../forms/task-form.js';

export const sendEmailForm: TaskForm = {
  labels: {
    to: 'Recipient',
    'to.kind': 'Recipient',
    'to.userId': 'User',
    'to.address': 'Address',
    subject: 'Subject',
    body: 'Message',
    html: 'HTML',
  },
  blank: () => ({ toKind: 'owner', userId: '', address: '', subject: '', body: '', html: false }),
  fromOptions: (o) => ({
    toKind: o.to?.kind ?? 'owner',
    userId: o.to?.userId ? String(o.to.userId) : '',
    address: o.to?.address ?? '',
    subject: o.subject ?? '',
    body: o.body ?? '',
    html: Boolean(o.html),
  }),
  fromBody(body: FormBody) {
    const values = {
      toKind: text(body, 'toKind') || 'owner',
      userId: text(body, 'userId'),
      address: text(body, 'address').trim(),
      subject: text(body, 'subject'),
      body: text(body, 'body'),
      html: checked(body, 'html'),
    };
    const to =
      values.toKind === 'user'
        ? { kind: 'user', userId: Number(values.userId) || undefined }
        : values.toKind === 'address'
          ? { kind: 'address', address: values.address }
          : { kind: 'owner' };
    return { values, options: { to, subject: values.subject, body: values.body, html: values.html } };
  },
  view(v, ctx) {
    return {
      kinds: [
        { value: 'owner', label: 'The record owner', checked: v.toKind === 'owner' },
        { value: 'user', label: 'A CRM user', checked: v.toKind === 'user' },
        {
          value: 'address',
          label: 'An address (may be a template such as {{env.email}})',
          checked: v.toKind === 'address',
        },
      ],
      users: ctx.users
        .filter((u) => u.active)
        .map((u) => ({ value: u.id, label: `${u.name} <${u.email}>`, selected: String(u.id) === String(v.userId) })),
      refs: valueReferences(ctx.workflow, ctx.modules),
    };
  },
};
