/** The send_email form produces options its schema accepts, for an address and for a user. */
import { test } from 'node:test';
import { sendEmailTask } from '../../../../../module/workflows/tasks/send-email/task.js';
import { postedOptions } from '../form-post.js';

test('send_email form: an address template and a CRM user pass the schema', () => {
  postedOptions(sendEmailTask, {
    toKind: 'address',
    address: '{{env.email}}',
    subject: 'Hi',
    body: 'Hello',
    html: '1',
  });
  postedOptions(sendEmailTask, { toKind: 'user', userId: '7', subject: 'Hi', body: 'Hello' });
});
