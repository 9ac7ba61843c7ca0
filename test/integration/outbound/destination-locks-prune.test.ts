/**
 * Retention drops the claim lock rows of quiet destinations (created before the cutoff, nothing
 * queued, dispatched or held for them) and keeps the rest; a host whose row went is claimed again
 * as before: its next claim recreates the row.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { migrateLatest } from '../../../module/storage/migrate.js';
import { enqueueDelivery } from '../../../module/outbound/queue/enqueue.js';
import { claimDueDeliveries } from '../../../module/outbound/queue/claim.js';
import { pruneQuietDestinationLocks } from '../../../module/outbound/queue/destination-locks.js';
import { dbNowMs } from '../../../module/storage/engine.js';
import { testDelivery } from '../../helpers/test-delivery.js';

const delivery = (host: string, key: string) => testDelivery(`http://${host}/x`, key);

describeEachEngine('claim lock rows of quiet destinations are pruned', (tdb) => {
  test('old rows of hosts with nothing unfinished go; busy, held and new ones stay; a pruned host claims again', async () => {
    const db = tdb().db;
    await migrateLatest(db);
    const now = await dbNowMs(db);
    const old = now - 40 * 86_400_000;
    const hosts = ['quiet.example', 'busy.example', 'held.example', 'done.example', 'fresh.example'];
    await db('hookflow_destination_locks').insert(
      hosts.map((h) => ({ destination_host: h, created_at: h.startsWith('fresh') ? now : old })),
    );
    await enqueueDelivery(db, delivery('busy.example', 'b'));
    await enqueueDelivery(db, { ...delivery('held.example', 'h'), held: true });
    const { id: doneId } = await enqueueDelivery(db, delivery('done.example', 'd'));
    await db('hookflow_deliveries').where({ id: doneId }).update({ status: 'success' });

    assert.equal(await pruneQuietDestinationLocks(db, now - 30 * 86_400_000), 2);
    const left = (await db('hookflow_destination_locks').orderBy('destination_host').pluck('destination_host')).sort();
    assert.deepEqual(left, ['busy.example', 'fresh.example', 'held.example']);
    assert.equal(await pruneQuietDestinationLocks(db, now - 30 * 86_400_000), 0, 'nothing more');

    await enqueueDelivery(db, delivery('quiet.example', 'q'));
    const claimed = await claimDueDeliveries(db, 'w1', 10, { leaseSeconds: 60, perHostConcurrency: 1 });
    assert.deepEqual(
      claimed.map((c) => c.url).sort(),
      ['http://busy.example/x', 'http://quiet.example/x'],
      'the pruned host is claimed as before',
    );
  });
});
