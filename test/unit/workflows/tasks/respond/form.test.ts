/** The respond form produces options its schema accepts, and reports JSON that does not parse. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { respondTask } from '../../../../../module/workflows/tasks/respond/task.js';
import { postedOptions } from '../form-post.js';

test('respond form: a status and a JSON answer pass the schema', () => {
  postedOptions(respondTask, { status: '201', body: '{"ok": true}', redirectUrl: '' });
});

test('respond form reports JSON that does not parse instead of saving it', () => {
  const parsed = respondTask.form.fromBody({ body: '{oops', status: '', redirectUrl: '' });
  assert.match(parsed.errors?.body ?? '', /is not valid JSON/);
});
