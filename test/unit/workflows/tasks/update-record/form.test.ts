/** The update_record form produces options its schema accepts; a numeric record id becomes a number. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { updateRecordTask } from '../../../../../module/workflows/tasks/update-record/task.js';
import { postedOptions } from '../form-post.js';

test('update_record form: a templated or numeric record id and field rows pass the schema', () => {
  postedOptions(updateRecordTask, {
    targetModule: '',
    recordId: '{{record.account_id}}',
    fieldName: ['stage'],
    fieldValue: ['Won'],
  });
  assert.deepEqual(
    updateRecordTask.options.parse(
      updateRecordTask.form.fromBody({ recordId: '42', fieldName: ['stage'], fieldValue: ['Won'] }).options,
    ).recordId,
    42,
  );
});
