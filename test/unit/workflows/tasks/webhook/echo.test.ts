/** Echo suppression in the webhook and record tasks, against fake collaborators (no I/O). */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { webhookTask } from '../../../../../module/workflows/tasks/webhook/task.js';
import { updateRecordTask } from '../../../../../module/workflows/tasks/update-record/task.js';
import { createRecordTask } from '../../../../../module/workflows/tasks/create-record/task.js';
import { TaskSkipped } from '../../../../../module/workflows/task-types.js';
import { fakeContext } from '../fake-context.js';

const options = (o: Record<string, unknown>) =>
  webhookTask.options.parse({
    url: 'http://127.0.0.1:8080/acc',
    params: [{ name: 'id', value: '{{record.id}}' }],
    ...o,
  });
const settings = { outboundAllowlist: ['127.0.0.1/32'] };

describe('webhook: echo suppression', () => {
  test('an event that came from the destination system is skipped, with the reason, and nothing is queued', async () => {
    const { ctx, calls } = fakeContext({ settings, originSystem: 'Accounting' });
    const out = await webhookTask.run(options({ system: 'accounting' }), ctx);
    assert.ok(out instanceof TaskSkipped);
    assert.equal(out.reason, 'skipped: came from Accounting');
    assert.equal(calls.length, 0, 'no delivery queued');
  });
  test('sent when skipping is switched off, when the event came from another system, or from a person', async () => {
    for (const [o, origin] of [
      [{ system: 'accounting', skipEchoes: false }, 'accounting'],
      [{ system: 'accounting' }, 'warehouse'],
      [{ system: 'accounting' }, null],
      [{}, 'accounting'],
    ] as const) {
      const { ctx, calls } = fakeContext({ settings, originSystem: origin });
      const out = await webhookTask.run(options(o), ctx);
      assert.equal((out as { deliveryId?: number }).deliveryId, 42, JSON.stringify({ o, origin }));
      assert.equal(calls.length, 1);
    }
  });
  test('the options: a valid system name, skipEchoes a boolean; the summary says where it sends', () => {
    assert.equal(webhookTask.options.safeParse({ url: 'https://a.example', system: 'a/b' }).success, false);
    assert.equal(webhookTask.options.safeParse({ url: 'https://a.example', skipEchoes: 'yes' }).success, false);
    assert.match(webhookTask.summary(options({ system: 'accounting' })), /to accounting, not its own changes/);
    assert.doesNotMatch(webhookTask.summary(options({ system: 'accounting', skipEchoes: false })), /not its own/);
  });
});

describe('record tasks pass the run system on', () => {
  test("update_record and create_record changes carry the run's origin system", async () => {
    const upd = fakeContext({ originSystem: 'accounting' });
    await updateRecordTask.run(
      updateRecordTask.options.parse({ fields: [{ field: 'lastname', value: 'N' }] }),
      upd.ctx,
    );
    const updOpts = upd.calls[0].args[3] as { origin: Record<string, unknown> };
    assert.equal(updOpts.origin.system, 'accounting');
    assert.equal(updOpts.origin.chainDepth, 2);
    const crt = fakeContext({ originSystem: 'accounting' });
    await createRecordTask.run(
      createRecordTask.options.parse({ module: 'Leads', fields: [{ field: 'lastname', value: 'N' }] }),
      crt.ctx,
    );
    assert.equal((crt.calls[0].args[2] as { origin: Record<string, unknown> }).origin.system, 'accounting');
  });
  test('a run from no system passes no system', async () => {
    const { ctx, calls } = fakeContext();
    await updateRecordTask.run(updateRecordTask.options.parse({ fields: [{ field: 'lastname', value: 'N' }] }), ctx);
    assert.equal('system' in (calls[0].args[3] as { origin: object }).origin, false);
  });
});
