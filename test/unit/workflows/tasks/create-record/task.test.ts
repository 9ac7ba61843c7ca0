/** The create_record task against fake collaborators (no I/O). */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createRecordTask } from '../../../../../module/workflows/tasks/create-record/task.js';
import { createMemoryEffectLedger, fakeContext, validation } from '../fake-context.js';

describe('create_record', () => {
  test('creates from $env with chain depth + 1 and stores the new id in $env', async () => {
    const { ctx, calls, tpl } = fakeContext({ env: { lastname: 'Smith' } });
    const out = await createRecordTask.run(
      createRecordTask.options.parse({ module: 'Leads', fields: [{ field: 'lastname', value: '$env["lastname"]' }] }),
      ctx,
    );
    assert.deepEqual(out, { module: 'Leads', recordId: 99 });
    assert.equal(tpl.env.created_record_id, 99);
    const [module, fields, opts] = calls[0].args as [
      string,
      Record<string, unknown>,
      { origin: { chainDepth: number; runId: number } },
    ];
    assert.equal(module, 'Leads');
    assert.deepEqual(fields, { lastname: 'Smith' });
    assert.deepEqual(
      opts.origin,
      { runId: 5, chainDepth: 2, effectKey: 'run:5:task:11' },
      'the host hands the effect key back to the hook',
    );
  });
  test('a run resumed after the record was created (its effect noted) creates nothing and passes the id on', async () => {
    const effects = createMemoryEffectLedger();
    await effects.note('run:5:task:11', { module: 'Leads', recordId: 77 });
    const { ctx, calls, tpl } = fakeContext({ effects });
    const out = await createRecordTask.run(
      createRecordTask.options.parse({ module: 'Leads', fields: [{ field: 'lastname', value: 'x' }] }),
      ctx,
    );
    assert.equal(calls.length, 0, 'the host is not asked again');
    assert.equal((out as { recordId: number }).recordId, 77);
    assert.equal(tpl.env.created_record_id, 77);
  });
  test('save-time check names unknown fields and modules', () => {
    assert.deepEqual(
      createRecordTask.validate!(
        createRecordTask.options.parse({ module: 'Leads', fields: [{ field: 'nope', value: 1 }] }),
        validation(),
      ),
      { 'fields.0.field': 'Leads has no field nope' },
    );
    assert.ok(
      createRecordTask.validate!(
        createRecordTask.options.parse({ module: 'Ships', fields: [{ field: 'x', value: 1 }] }),
        validation(),
      ).module,
    );
  });
});
