/**
 * A delivery whose run waits for the answer is the run's to send: it is queued due only after the
 * answer timeout (+ a grace), so the delivery lane never takes it first; one the run could not send
 * (its host at the cap for the whole wait) is handed to the lane at once, not after that delay.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { enqueueDelivery, type NewDelivery } from '../../../module/outbound/queue/enqueue.js';
import { claimDueDeliveries } from '../../../module/outbound/queue/claim.js';
import { leaseDeliveryNow } from '../../../module/outbound/queue/claim-one.js';
import { dbNowMs } from '../../../module/storage/engine.js';
import { testDelivery } from '../../helpers/test-delivery.js';

const claimOpts = { leaseSeconds: 60, perHostConcurrency: 1 };
const delivery = (key: string, over: Partial<NewDelivery> = {}) => testDelivery('http://127.0.0.1:10/x', key, over);

describeEachEngine('a waited delivery is due for the lane only after the wait', (tdb) => {
  let h: TestHost;
  const db = () => tdb().db;
  before(async () => {
    h = await createTestHost(db(), { settings: { outboundAllowlist: ['127.0.0.1/32'], perHostConcurrency: 1 } });
  });
  after(async () => {
    await h.close();
  });

  test('due later: the batch claim skips it, the run leases it now', async () => {
    const now = await dbNowMs(db());
    const { id } = await enqueueDelivery(db(), delivery('later', { dueInMs: 40_000 }));
    const row = await db()('hookflow_deliveries').where({ id }).first();
    const dueIn = Number(row.next_attempt_at) - now;
    assert.ok(dueIn >= 39_000 && dueIn <= 60_000, `due in ${dueIn} ms`);
    assert.deepEqual(await claimDueDeliveries(db(), 'w1', 10, claimOpts), [], 'the lane does not take it');
    const leased = await leaseDeliveryNow(db(), id, 'w1', claimOpts);
    assert.equal(leased.state, 'leased', 'the waiting run does');
  });

  test('a run that could not send (host at the cap) hands its delivery to the lane at once', async () => {
    // The host's only lane is taken (lease 60 s) for the whole wait.
    const { id: busy } = await enqueueDelivery(db(), delivery('busy', { url: 'http://127.0.0.1:9/busy' }));
    assert.equal((await leaseDeliveryNow(db(), busy, 'w2', claimOpts)).state, 'leased');
    const wf = await h.hookflow.services.workflows.create(
      {
        module: 'Deals',
        title: 'Waits in vain',
        status: 'active',
        trigger: 'record.created',
        conditions: { join: 'all', conditions: [{ field: 'title', op: 'contains', value: 'vain' }] },
        tasks: [
          {
            type: 'webhook',
            title: 'Ask',
            options: { url: 'http://127.0.0.1:9/y', waitForAnswer: true, answerTimeoutMs: 500 },
          },
        ],
      },
      h.admin.id,
    );
    await h.records.create('Deals', { title: 'in vain' }, { actorUserId: h.admin.id });
    await h.hookflow.worker.drain();
    const run = await db()('hookflow_runs').where({ workflow_id: wf.id }).first();
    assert.equal(run.status, 'failed');
    assert.match(String(run.error), /could not be sent within 500 ms/);
    const d = await db()('hookflow_deliveries').where({ workflow_id: wf.id }).first();
    assert.equal(d.status, 'queued');
    assert.equal(Number(d.attempt_count), 0, 'nothing was sent');
    assert.ok(Number(d.next_attempt_at) <= (await dbNowMs(db())), 'due now, for the lane');
  });
});
