/** The create_record form produces options its schema accepts. */
import { test } from 'node:test';
import { createRecordTask } from '../../../../../module/workflows/tasks/create-record/task.js';
import { postedOptions } from '../form-post.js';

test('create_record form: module, field rows and $env name pass the schema', () => {
  postedOptions(createRecordTask, {
    targetModule: 'Deals',
    fieldName: ['title', ''],
    fieldValue: ['$env["email"]', ''],
    envName: 'new_id',
  });
});
