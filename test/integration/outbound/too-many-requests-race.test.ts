/**
 * A 429 noted while a claim of the same destination is in its transaction (issue 19): the claim
 * read the bucket before the 429 and writes its spend after it. The spend wrote back the whole
 * bucket it had read — no pause — over the 429's, and the receiver that asked to wait was sent
 * to again at once. A spend now writes only the token columns; the 429 takes no lock (it never
 * waits behind a claim) and its pause and slow-down survive.
 */
import { test, before, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost } from '../../helpers/test-host.js';
import { ensureDestinationLocks, lockFreeDestinations } from '../../../module/outbound/queue/destination-locks.js';
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
    // The 429, meanwhile: it does not wait for the claim.
    await noteTooManyRequests(db(), HOST, 600_000, 86_400_000);
    await room.spend(new Map([[HOST, 1]]));
    await claim.commit();
    const row = await db()('hookflow_destination_rates').where({ destination_host: HOST }).first();
    const [[{ now_ms }]] = await db().raw('SELECT UNIX_TIMESTAMP(NOW(3)) * 1000 AS now_ms');
    assert.ok(row.paused_until != null, 'the 429’s pause survived the claim’s write');
    assert.ok(Number(row.paused_until) > Number(now_ms) + 500_000, 'paused for the Retry-After (600 s)');
    assert.ok(Number(row.slowed_until) > Number(row.paused_until), 'and slowed down after it');
    // The claim's tokens are written (a burst of the halved rate at most once the pause is over).
    assert.equal(Number(row.tokens), 9, 'the claim’s spend is written');
  });
});
