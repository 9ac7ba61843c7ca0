import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { migrateLatest } from '../../../module/storage/migrate.js';
import { dbNowMs, engineOf } from '../../../module/storage/engine.js';

async function tableNames(db: import('knex').Knex): Promise<string[]> {
  if (engineOf(db) === 'mysql') {
    const [rows] = await db.raw('SHOW TABLES');
    return (rows as Record<string, string>[]).map((r) => Object.values(r)[0]).sort();
  }
  const rows = await db.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
  return (rows as Array<{ name: string }>).map((r) => r.name).sort();
}

describeEachEngine('migrations', (tdb) => {
  test('create only hookflow_* tables, tracked in hookflow_migrations, and a second run does nothing', async () => {
    const db = tdb().db;
    const first = await migrateLatest(db);
    assert.ok(first.length >= 4, 'all migrations applied on a fresh database');
    const tables = await tableNames(db);
    assert.ok(tables.length > 0);
    for (const t of tables) assert.match(t, /^hookflow_/, `${t} is a Hookflow table`);
    assert.ok(tables.includes('hookflow_migrations'));
    assert.ok(!tables.includes('knex_migrations'), 'never the host-shared default table');
    const count = (await db('hookflow_migrations').count({ n: '*' }))[0].n;
    const second = await migrateLatest(db);
    assert.deepEqual(second, [], 'running again applies nothing');
    assert.deepEqual(await tableNames(db), tables);
    assert.equal((await db('hookflow_migrations').count({ n: '*' }))[0].n, count);
  });

  test('the database clock is epoch milliseconds close to ours', async () => {
    const now = await dbNowMs(tdb().db);
    assert.ok(Math.abs(now - Date.now()) < 5000, `db clock ${now} vs ${Date.now()}`);
  });
});
