/**
 * Leasing one delivery now (a run waiting for its answer) while another claim holds its
 * destination's lock row (MariaDB/MySQL): it waits for that lock once, in the transaction, and
 * answers `busy` when the server's lock wait timeout runs out. It no longer inserts the existing
 * lock row again first: that INSERT IGNORE waited for the same lock outside the transaction, and
 * its lock wait timeout was thrown at the run instead of "busy".
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import knexFactory, { type Knex } from 'knex';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost } from '../../helpers/test-host.js';
import { enqueueDelivery } from '../../../module/outbound/queue/enqueue.js';
import { leaseDeliveryNow } from '../../../module/outbound/queue/claim-one.js';
import { ensureDestinationLocks, lockFreeDestinations } from '../../../module/outbound/queue/destination-locks.js';
import { testDelivery } from '../../helpers/test-delivery.js';

const HOST = '127.0.0.1:10';
const claimOpts = { leaseSeconds: 60, perHostConcurrency: 4 };

describeEachEngine('leasing one delivery behind a held destination lock', (tdb) => {
  const db = () => tdb().db;
  before(async () => {
    await createTestHost(db()).then((h) => h.close());
  }); // the schema

  test('it waits for the lock once and answers busy at the lock wait timeout, throwing nothing', async (t) => {
    if (tdb().engine !== 'mysql') return t.skip('MariaDB/MySQL only (SQLite serialises claims by its write lock)');
    // A pool whose sessions give up waiting for a row lock after 1 s.
    const impatient: Knex = knexFactory({
      ...db().client.config,
      pool: {
        min: 0,
        max: 2,
        afterCreate(conn: any, done: (err: Error | null, conn: unknown) => void) {
          conn.query('SET SESSION innodb_lock_wait_timeout = 1', (err: Error | null) => done(err, conn));
        },
      },
    });
    t.after(() => impatient.destroy());
    const { id } = await enqueueDelivery(db(), testDelivery(`http://${HOST}/x`, 'behind-a-lock'));
    await ensureDestinationLocks(db(), [HOST]);
    const claim = await db().transaction();
    t.after(async () => {
      if (!claim.isCompleted()) await claim.rollback();
    });
    assert.deepEqual([...(await lockFreeDestinations(claim, [HOST]))], [HOST], 'another claim holds the lock');
    const statements: string[] = [];
    impatient.on('query', (q: { sql: string }) => statements.push(q.sql));
    const started = Date.now();
    assert.deepEqual(await leaseDeliveryNow(impatient, id, 'w1', claimOpts), { state: 'busy' });
    assert.ok(Date.now() - started < 10_000, 'one lock wait, not two');
    assert.deepEqual(
      statements.filter((s) => /^insert/i.test(s)),
      [],
      'the existing lock row is not inserted again',
    );
    await claim.rollback();
    // The lock free again: the same call leases it.
    const leased = await leaseDeliveryNow(impatient, id, 'w1', claimOpts);
    assert.equal(leased.state, 'leased');
  });
});
