/** The set_env form produces options its schema accepts. */
import { test } from 'node:test';
import { setEnvTask } from '../../../../../module/workflows/tasks/set-env/task.js';
import { postedOptions } from '../form-post.js';

test('set_env form: name/value rows pass the schema', () => {
  postedOptions(setEnvTask, { envName: ['total', ''], envValue: ['{{record.amount}}', ''] });
});
