import { test, before, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import knexFactory, { type Knex } from 'knex';
import { describeEachEngine } from '../../helpers/engines.js';
import { waitFor } from '../../helpers/wait.js';
import { createTestHost } from '../../helpers/test-host.js';
import { enqueueTestDelivery } from '../../helpers/deliveries.js';
import { claimDueDeliveries, type ClaimedDelivery } from '../../../module/outbound/queue/claim.js';

/**
 * Several processes' claims at once, each on its own connection pool (as separate `hookflow
 * worker` processes would be), racing for two destinations under a small cap. Each lease is an
 * interval on the database clock: from the claim (`claimedAtMs`) to the moment the test finishes
 * the delivery (`finished_at`). A claim that sees a finish counts its slot as free, and its own
 * clock reading comes after that finish, so with an exact cap no instant has more than CAP
 * intervals of one host open.
 */
const CAP = 2;
const PER_HOST = 30;
const CLAIMERS = 4;
const HOSTS = ['http://a.example/x', 'http://b.example:8080/x'];

function poolOf(url: string): Knex {
  const u = new URL(url);
  return knexFactory({
    client: 'mysql2',
    connection: {
      host: u.hostname,
      port: Number(u.port || 3306),
      user: decodeURIComponent(u.username || 'root'),
      password: decodeURIComponent(u.password),
      database: u.pathname.slice(1),
    },
    pool: { min: 0, max: 4 },
  });
}

/** The most intervals open at once; at equal times a finish comes before a start. */
function mostAtOnce(intervals: Array<[number, number]>): number {
  const events = intervals.flatMap(([s, e]) => [
    [s, 1],
    [e, -1],
  ]);
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let most = 0;
  for (const [, d] of events) most = Math.max(most, (open += d));
  return most;
}

describeEachEngine('delivery claims racing from several connection pools', (tdb) => {
  const db = () => tdb().db;
  before(async () => {
    await createTestHost(db()).then((h) => h.close());
  });
  beforeEach(async () => {
    for (const table of ['hookflow_attempts', 'hookflow_deliveries']) await db()(table).del();
  });

  test('a destination another claim holds is skipped: its deliveries wait, the other hosts are claimed meanwhile', async (t) => {
    if (tdb().engine !== 'mysql') return t.skip('MariaDB/MySQL only (one SQLite write lock serialises every claim)');
    for (const url of [...HOSTS, ...HOSTS]) await enqueueTestDelivery(db(), url);
    const opts = { leaseSeconds: 300, perHostConcurrency: 4 };
    const pool = poolOf(tdb().url);
    // Another claim of a.example in progress: its transaction holds the destination's lock row.
    await db()('hookflow_destination_locks')
      .insert({ destination_host: 'a.example', created_at: 0 })
      .onConflict()
      .ignore();
    const other = await pool.transaction();
    // The transaction first: destroying a pool waits for its connections to come back.
    t.after(async () => {
      if (!other.isCompleted()) await other.rollback();
      await pool.destroy();
    });
    await other.raw("SELECT * FROM hookflow_destination_locks WHERE destination_host = 'a.example' FOR UPDATE");
    const first = await claimDueDeliveries(db(), 'w1', 10, opts);
    assert.deepEqual(
      first.map((d) => d.destinationHost),
      ['b.example:8080', 'b.example:8080'],
      'only the host no other claim holds, without waiting',
    );
    // Nothing else is due: this claim waits for a.example's lock instead of coming back empty.
    let second: ClaimedDelivery[] | null = null;
    const claiming = claimDueDeliveries(db(), 'w2', 10, opts).then((r) => (second = r));
    await waitFor('the claim to wait for the lock', 30_000, async () => {
      // In this test's database only: the server is shared with other tests.
      const [rows] = await db().raw(
        `SELECT COUNT(*) AS n FROM information_schema.INNODB_TRX t JOIN information_schema.PROCESSLIST p
         ON p.ID = t.trx_mysql_thread_id WHERE t.trx_state = 'LOCK WAIT' AND p.DB = DATABASE()`,
      );
      return Number(rows[0].n) === 1;
    });
    assert.equal(second, null);
    assert.equal(
      await db()('hookflow_deliveries')
        .where({ status: 'dispatched' })
        .count({ n: '*' })
        .first()
        .then((r) => Number(r?.n)),
      2,
    );
    await other.commit();
    await claiming;
    assert.deepEqual(
      second!.map((d: ClaimedDelivery) => d.destinationHost),
      ['a.example', 'a.example'],
    );
  });

  test('4 pools racing claims for 2 hosts with cap 2: never more than 2 in flight per host, none claimed twice', async (t) => {
    if (tdb().engine !== 'mysql') return t.skip('MariaDB/MySQL only (one SQLite write lock serialises every claim)');
    for (let i = 0; i < PER_HOST; i++) for (const url of HOSTS) await enqueueTestDelivery(db(), url);
    const pools = Array.from({ length: CLAIMERS }, () => poolOf(tdb().url));
    t.after(() => Promise.all(pools.map((p) => p.destroy())));
    const claimed: ClaimedDelivery[] = [];
    let finished = 0;
    const finish = async (d: ClaimedDelivery) => {
      // Held a moment, so claims of the other pools meet a full host.
      await new Promise((r) => setTimeout(r, d.id % 4));
      await db()('hookflow_deliveries')
        .where({ id: d.id, status: 'dispatched' })
        .update({
          status: 'success',
          lease_owner: null,
          lease_expires_at: null,
          finished_at: db().raw('CAST(ROUND(UNIX_TIMESTAMP(NOW(3)) * 1000) AS SIGNED)'),
        });
      finished++;
    };
    const claimer = async (pool: Knex, w: number) => {
      const sending: Promise<void>[] = [];
      for (let round = 0; finished < PER_HOST * HOSTS.length; round++) {
        const got = await claimDueDeliveries(pool, `w${w}`, 1 + ((w + round) % 3), {
          leaseSeconds: 300,
          perHostConcurrency: CAP,
        });
        claimed.push(...got);
        sending.push(...got.map(finish));
        if (got.length === 0) await new Promise((r) => setImmediate(r));
      }
      await Promise.all(sending);
    };
    await Promise.all(pools.map(claimer));
    const ids = claimed.map((d) => d.id);
    assert.equal(new Set(ids).size, ids.length, 'no delivery claimed twice');
    assert.equal(ids.length, PER_HOST * HOSTS.length, 'every delivery claimed once');
    const rows = await db()('hookflow_deliveries').select('id', 'destination_host', 'finished_at');
    const endOf = new Map(rows.map((r: Record<string, any>) => [Number(r.id), Number(r.finished_at)]));
    for (const host of ['a.example', 'b.example:8080']) {
      const leases = claimed
        .filter((d) => d.destinationHost === host)
        .map((d): [number, number] => [d.claimedAtMs, endOf.get(d.id)!]);
      // The cap was reached (the race happened), and never passed.
      assert.equal(mostAtOnce(leases), CAP, `most deliveries to ${host} in flight at once`);
    }
  });
});
