/**
 * SQLite file size (issue 16): migrating switches a file to incremental auto-vacuum (also one
 * that already held tables), and each retention pass hands at most VACUUM_PAGES_PER_PASS free
 * pages back, so a file shrinks over passes after a big prune.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { createTestDatabase, describeEachEngine } from '../../helpers/engines.js';
import { migrateLatest } from '../../../module/storage/migrate.js';
import { dbNowMs } from '../../../module/storage/engine.js';
import { AUTO_VACUUM_INCREMENTAL, sqlitePragmaNumber } from '../../../module/storage/sqlite-vacuum.js';
import { pruneHistory, VACUUM_PAGES_PER_PASS } from '../../../module/retention.js';
import { resolveSettings } from '../../../module/config.js';

const DAY = 86_400_000;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

async function insertOldDeliveries(db: Knex, count: number, bodyBytes: number): Promise<void> {
  const at = (await dbNowMs(db)) - 40 * DAY;
  const body = 'x'.repeat(bodyBytes);
  await db.transaction(async (trx) => {
    for (let i = 0; i < count; i += 100) {
      const rows = Array.from({ length: Math.min(100, count - i) }, (_, k) => ({
        webhook_id: `msg_vacuum_${i + k}`,
        method: 'POST',
        url: 'http://rx.example/',
        destination_host: 'rx.example',
        headers: '{}',
        body,
        status: 'success',
        next_attempt_at: at,
        created_at: at,
        updated_at: at,
        finished_at: at,
      }));
      await trx('hookflow_deliveries').insert(rows);
    }
  });
}

describeEachEngine('sqlite incremental vacuum', (tdb) => {
  test('migrating a SQLite file that already has tables switches it to incremental auto-vacuum', async (t) => {
    if (tdb().engine !== 'sqlite') return t.skip('SQLite only: MariaDB manages its own space');
    const d = await createTestDatabase('sqlite');
    t.after(() => d.destroy());
    await d.db.schema.createTable('host_notes', (tb) => {
      tb.increments('id');
      tb.string('note');
    });
    await d.db('host_notes').insert([{ note: 'a' }, { note: 'b' }]);
    assert.equal(await sqlitePragmaNumber(d.db, 'auto_vacuum'), 0, 'a new SQLite file starts without auto-vacuum');
    await migrateLatest(d.db);
    assert.equal(await sqlitePragmaNumber(d.db, 'auto_vacuum'), AUTO_VACUUM_INCREMENTAL);
    assert.equal((await d.db('host_notes').count({ n: '*' }))[0].n, 2, 'the VACUUM keeps the rows');
    assert.deepEqual(await migrateLatest(d.db), [], 'a second run changes nothing');
  });

  test('retention hands free pages back to the file, at most VACUUM_PAGES_PER_PASS per pass', async (t) => {
    if (tdb().engine !== 'sqlite') return t.skip('SQLite only: MariaDB manages its own space');
    const d = await createTestDatabase('sqlite');
    t.after(() => d.destroy());
    await migrateLatest(d.db);
    const pageSize = await sqlitePragmaNumber(d.db, 'page_size');
    // Enough body pages that one pass cannot give them all back.
    await insertOldDeliveries(d.db, 1500, Math.ceil((VACUUM_PAGES_PER_PASS * 2 * pageSize) / 1500));
    const full = await sqlitePragmaNumber(d.db, 'page_count');
    assert.ok(full > VACUUM_PAGES_PER_PASS * 2, `filled ${full} pages`);
    const deps = { db: d.db, settings: () => resolveSettings({ retentionDays: 30 }), logger: quiet };
    const first = await pruneHistory(deps);
    assert.equal(first.deliveries, 1500);
    const afterFirst = await sqlitePragmaNumber(d.db, 'page_count');
    assert.ok(afterFirst < full, `the file shrank: ${full} → ${afterFirst} pages`);
    // The pointer-map pages that tracked the freed ones go too: a handful beyond the bound.
    const slack = Math.ceil(VACUUM_PAGES_PER_PASS / 100);
    assert.ok(
      full - afterFirst <= VACUUM_PAGES_PER_PASS + slack,
      `one pass gives back about the bound (${full - afterFirst})`,
    );
    assert.ok(full - afterFirst >= VACUUM_PAGES_PER_PASS, `and not one page per step (${full - afterFirst})`);
    assert.ok((await sqlitePragmaNumber(d.db, 'freelist_count')) > 0, 'the rest waits for the next passes');
    await pruneHistory(deps);
    await pruneHistory(deps);
    const afterThird = await sqlitePragmaNumber(d.db, 'page_count');
    assert.ok(afterThird < afterFirst, `later passes shrink it further: ${afterFirst} → ${afterThird}`);
    assert.equal(await sqlitePragmaNumber(d.db, 'freelist_count'), 0, 'all free pages given back');
  });
});
