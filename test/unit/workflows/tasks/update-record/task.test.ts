/** The update_record task against fake collaborators (no I/O). */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { updateRecordTask } from '../../../../../module/workflows/tasks/update-record/task.js';
import { fakeContext } from '../fake-context.js';

describe('update_record', () => {
  test('updates the run record and refreshes record for later tasks', async () => {
    const { ctx, calls, tpl } = fakeContext();
    await updateRecordTask.run(updateRecordTask.options.parse({ fields: [{ field: 'lastname', value: 'New' }] }), ctx);
    assert.deepEqual(calls[0].args.slice(0, 3), ['Leads', 7, { lastname: 'New' }]);
    assert.equal(tpl.record?.lastname, 'New');
  });
  test('related record by templated id; refuses non-integer ids and runs without a record', async () => {
    const { ctx, calls } = fakeContext({ env: { acc: '31' } });
    await updateRecordTask.run(
      updateRecordTask.options.parse({
        module: 'Accounts',
        recordId: '{{env.acc}}',
        fields: [{ field: 'city', value: 'X' }],
      }),
      ctx,
    );
    assert.deepEqual(calls[0].args.slice(0, 2), ['Accounts', 31]);
    const bad = fakeContext({ env: { acc: '1 OR 1=1' } });
    await assert.rejects(
      updateRecordTask.run(
        updateRecordTask.options.parse({
          module: 'Accounts',
          recordId: '{{env.acc}}',
          fields: [{ field: 'city', value: 'X' }],
        }),
        bad.ctx,
      ),
      /not a positive integer/,
    );
    const none = fakeContext({ recordId: null });
    await assert.rejects(
      updateRecordTask.run(updateRecordTask.options.parse({ fields: [{ field: 'lastname', value: 'X' }] }), none.ctx),
      /no record/,
    );
  });
});
