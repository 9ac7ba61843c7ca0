/**
 * A 429 noted while a claim of the same destination is in its transaction (issue 19): the claim
 * read the bucket before the 429 and writes its spend after it. Unserialised, that spend wrote
 * the bucket it had read — no pause — over the 429's pause, and the receiver that asked to wait
 * was sent to again at once. The 429 now waits for the claim's lock and writes after its commit.
 */
import { test, before, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { waitFor } from '../../helpers/wait.js';
import { createTestHost } from '../../helpers/test-host.js';
import { lockFreeDestinations, ensureDestinationLocks } from '../../../module/outbound/queue/destination-locks.js';
import { noteTooManyRequests, rateLimitsOf, readTokenRoom } from '../../../module/outbound/queue/rate-buckets.js';

const HOST = 'slow.example';
const limits = rateLimitsOf({ destinationRateLimit: '10/s', destinationRateLimits: [] });

describeEachEngine('a 429 during a claim of its destination', (tdb) => {
  const db = () => tdb().db;
  before(async () => {
    await createTestHost(db()).then((h) => h.close());
  }); // the schema
  beforeEach(async () => {
    await db()('hookflow_destination_rates').del();
  });

  test('the claim’s token spend does not overwrite the pause the 429 asked for', async (t) => {
    if (tdb().engine !== 'mysql') return t.skip('MariaDB/MySQL only (SQLite runs one transaction at a time)');
    await ensureDestinationLocks(db(), [HOST]);
    const claim = await db().transaction();
    t.after(async () => {
      if (!claim.isCompleted()) await claim.rollback();
    });
    // The claim: its destination locked, the bucket read (full, no pause).
    assert.deepEqual([...(await lockFreeDestinations(claim, [HOST]))], [HOST]);
    const room = await readTokenRoom(claim, [HOST], limits);
    assert.equal(room.room.get(HOST), 10);
    let noted = false;
    const noting = noteTooManyRequests(db(), HOST, 600_000, 86_400_000).then(() => (noted = true));
    // Either the 429 waits for the claim's lock (serialised) or it has already written (not).
    await waitFor('the 429 to wait for the lock or to finish', 30_000, async () => {
      if (noted) return true;
      const [rows] = await db().raw(
        `SELECT COUNT(*) AS n FROM information_schema.INNODB_TRX t JOIN information_schema.PROCESSLIST p
         ON p.ID = t.trx_mysql_thread_id WHERE t.trx_state = 'LOCK WAIT' AND p.DB = DATABASE()`,
      );
      return Number(rows[0].n) === 1;
    });
    await room.spend(new Map([[HOST, 1]]));
    await claim.commit();
    await noting;
    const row = await db()('hookflow_destination_rates').where({ destination_host: HOST }).first();
    const [[{ now_ms }]] = await db().raw('SELECT UNIX_TIMESTAMP(NOW(3)) * 1000 AS now_ms');
    assert.ok(row.paused_until != null, 'the 429’s pause survived the claim’s write');
    assert.ok(Number(row.paused_until) > Number(now_ms) + 500_000, 'paused for the Retry-After (600 s)');
    assert.equal(Number(row.tokens), 0, 'a 429 leaves no token');
  });
});
