import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { failedTaskLine, reasonWithoutFields, runFailureOf } from '../../../module/alerts/run-failure.js';
import type { TaskResult } from '../../../module/workflows/runs.js';

const ok = (taskId: number, title = `task ${taskId}`): TaskResult => ({
  taskId,
  type: 'set_env',
  title,
  status: 'succeeded',
  durationMs: 1,
});

describe('runFailureOf', () => {
  test('only failed runs have a failure', () => {
    for (const status of ['queued', 'running', 'succeeded', 'skipped'] as const)
      assert.equal(runFailureOf({ status, error: 'x', taskResults: [] }), null, status);
  });

  test('a refused record write: the failed task, the reason without the field list, each field', () => {
    const failed: TaskResult = {
      taskId: 9,
      type: 'create_record',
      title: 'Create the lead',
      status: 'failed',
      durationMs: 3,
      error: 'Some fields have invalid values: email: must be an email address; phone: is too long',
      fields: { email: 'must be an email address', phone: 'is too long' },
    };
    const f = runFailureOf({
      status: 'failed',
      error: 'Task "Create the lead" (create_record) failed: …',
      taskResults: [ok(1), failed],
    })!;
    assert.deepEqual(f.task, { no: 2, id: 9, title: 'Create the lead', type: 'create_record' });
    assert.equal(f.stage, 'task');
    assert.equal(f.reason, 'Some fields have invalid values');
    assert.deepEqual(f.fields, [
      { name: 'email', message: 'must be an email address' },
      { name: 'phone', message: 'is too long' },
    ]);
    assert.equal(failedTaskLine(f.task!), '2. Create the lead (create_record)');
  });

  test('a task error without fields is the reason as it is', () => {
    const f = runFailureOf({
      status: 'failed',
      error: 'x',
      taskResults: [
        {
          ...ok(4, 'Signed post'),
          type: 'webhook',
          status: 'failed',
          error: "the task's stored secrets cannot be opened (…)",
        },
      ],
    })!;
    assert.equal(f.task?.title, 'Signed post');
    assert.equal(f.reason, "the task's stored secrets cannot be opened (…)");
    assert.deepEqual(f.fields, []);
  });

  test('a run that failed before or after its tasks: no task, the run error as the reason, and which', () => {
    const before = runFailureOf({ status: 'failed', error: 'workflow 7 no longer exists', taskResults: [] })!;
    assert.deepEqual(before, { task: null, stage: 'before_tasks', reason: 'workflow 7 no longer exists', fields: [] });
    const after = runFailureOf({ status: 'failed', error: 'connection reset', taskResults: [ok(1)] })!;
    assert.equal(after.stage, 'after_tasks');
    assert.equal(after.task, null);
  });

  test('a failure is never without a reason', () => {
    assert.equal(runFailureOf({ status: 'failed', error: null, taskResults: [] })!.reason, 'unknown error');
    assert.equal(runFailureOf({ status: 'failed', error: '  ', taskResults: [] })!.reason, 'unknown error');
    assert.equal(
      runFailureOf({ status: 'failed', error: 'run error', taskResults: [{ ...ok(1), status: 'failed' }] })!.reason,
      'run error',
      'a task without its own error falls back to the run’s',
    );
  });

  test('the last failed task counts (a resumed run keeps an earlier failed try only when it failed again)', () => {
    const f = runFailureOf({
      status: 'failed',
      error: 'x',
      taskResults: [
        { ...ok(1), status: 'failed', error: 'first' },
        ok(2),
        { ...ok(3), status: 'failed', error: 'third' },
      ],
    })!;
    assert.equal(f.task?.no, 3);
    assert.equal(f.reason, 'third');
  });
});

describe('reasonWithoutFields', () => {
  test('strips exactly the field list errorLine appended, nothing else', () => {
    assert.equal(reasonWithoutFields('Invalid fields: email: bad', { email: 'bad' }), 'Invalid fields');
    assert.equal(
      reasonWithoutFields('Invalid fields: email: bad', { email: 'other' }),
      'Invalid fields: email: bad',
      'a different list stays',
    );
    assert.equal(
      reasonWithoutFields('cut off: ema', { email: 'bad' }),
      'cut off: ema',
      'a truncated error stays whole',
    );
    assert.equal(reasonWithoutFields(': email: bad', { email: 'bad' }), ': email: bad', 'never an empty reason');
  });
});
