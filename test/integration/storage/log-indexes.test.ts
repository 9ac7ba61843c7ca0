/**
 * The log-scale indexes (issue 16): the migration creates them on both engines and `down` drops
 * them; on SQLite the delivery log's status filters read their newest page off an index.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { createTestDatabase, describeEachEngine } from '../../helpers/engines.js';
import { countDeliveriesSince, hourlyDeliveryCounts } from '../../../module/outbound/queue/read.js';
import { countRunsSince } from '../../../module/workflows/runs.js';
import { migrateLatest } from '../../../module/storage/migrate.js';
import { engineOf } from '../../../module/storage/engine.js';
import * as migration from '../../../migrations/20261203000010_log_indexes.js';
import * as hours from '../../../migrations/20261204000010_delivery_hours.js';
import * as walks from '../../../migrations/20261207000010_id_walk_indexes.js';

/** Index name → its columns in order, of one table. */
async function indexesOf(db: Knex, table: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (engineOf(db) === 'mysql') {
    const [rows] = await db.raw(
      `SELECT index_name AS name, column_name AS col FROM information_schema.statistics
        WHERE table_schema = DATABASE() AND table_name = ? ORDER BY index_name, seq_in_index`,
      [table],
    );
    for (const r of rows as Array<{ name: string; col: string }>) out.set(r.name, [...(out.get(r.name) ?? []), r.col]);
    return out;
  }
  for (const ix of (await db.raw(`PRAGMA index_list(${table})`)) as Array<{ name: string }>) {
    const cols = (await db.raw(`PRAGMA index_info("${ix.name}")`)) as Array<{ name: string }>;
    out.set(
      ix.name,
      cols.map((c) => c.name),
    );
  }
  return out;
}

describeEachEngine('log indexes migration', (tdb) => {
  test('creates every log index with its columns; down drops exactly those', async (t) => {
    const d = await createTestDatabase(tdb().engine);
    t.after(() => d.destroy());
    await migrateLatest(d.db);
    assert.ok(migration.LOG_INDEXES.length >= 10);
    for (const ix of migration.LOG_INDEXES)
      assert.deepEqual((await indexesOf(d.db, ix.table)).get(ix.name), ix.columns, `${ix.name} exists`);
    const before = new Map([
      ['hookflow_deliveries', await indexesOf(d.db, 'hookflow_deliveries')],
      ['hookflow_runs', await indexesOf(d.db, 'hookflow_runs')],
    ]);
    await migration.down(d.db);
    for (const [table, had] of before) {
      const left = await indexesOf(d.db, table);
      const ours = migration.LOG_INDEXES.filter((ix) => ix.table === table).map((ix) => ix.name);
      for (const name of ours) assert.ok(!left.has(name), `${name} dropped`);
      assert.deepEqual([...left.keys()].sort(), [...had.keys()].filter((n) => !ours.includes(n)).sort());
    }
    await migration.up(d.db);
    assert.ok((await indexesOf(d.db, 'hookflow_deliveries')).has('hookflow_deliveries_status_id_log'), 'up again');
  });

  test('SQLite: the newest page of a status filter is read off an index, unsorted', async (t) => {
    if (tdb().engine !== 'sqlite') return t.skip('query plans are SQLite-specific');
    const d = await createTestDatabase('sqlite');
    t.after(() => d.destroy());
    await migrateLatest(d.db);
    const plan = async (sql: string) =>
      ((await d.db.raw(`EXPLAIN QUERY PLAN ${sql}`)) as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
    const page = await plan(
      "SELECT * FROM hookflow_deliveries WHERE status = 'failed' ORDER BY id DESC LIMIT 50 OFFSET 0",
    );
    assert.match(page, /USING (COVERING )?INDEX hookflow_deliveries_status_id_log/, page);
    assert.doesNotMatch(page, /TEMP B-TREE/, `no sort: ${page}`);
    const byWorkflow = await plan(
      "SELECT * FROM hookflow_deliveries WHERE workflow_id = 3 AND status = 'failed' ORDER BY id DESC LIMIT 50",
    );
    assert.match(byWorkflow, /INDEX hookflow_deliveries_workflow_id_status_id_log/, byWorkflow);
    const runs = await plan("SELECT * FROM hookflow_runs WHERE status = 'failed' ORDER BY id DESC LIMIT 50");
    assert.match(runs, /INDEX hookflow_runs_status_id_log/, runs);
    assert.doesNotMatch(runs, /TEMP B-TREE/, `no sort: ${runs}`);
  });

  test('SQLite: the overview counts per status read the created_at range, not a whole status index', async (t) => {
    if (tdb().engine !== 'sqlite') return t.skip('query plans are SQLite-specific');
    const d = await createTestDatabase('sqlite');
    t.after(() => d.destroy());
    await migrateLatest(d.db);
    const seen: Array<{ sql: string; bindings: unknown[] }> = [];
    const listen = (q: { sql: string; bindings: unknown[] }) => seen.push(q);
    d.db.on('query', listen);
    await countDeliveriesSince(d.db, 5);
    await countRunsSince(d.db, 5);
    d.db.off('query', listen);
    assert.equal(seen.length, 2);
    for (const [q, table] of seen.map((q, i) => [q, ['hookflow_deliveries', 'hookflow_runs'][i]] as const)) {
      const plan = ((await d.db.raw(`EXPLAIN QUERY PLAN ${q.sql}`, q.bindings as any[])) as Array<{ detail: string }>)
        .map((r) => r.detail)
        .join(' | ');
      assert.match(plan, new RegExp(`INDEX ${table}_created_at_status_log \\(created_at>\\?\\)`), plan);
    }
  });

  test('the hourly chart counts off the hour index, in its order: no temporary table, no sort', async (t) => {
    const d = await createTestDatabase(tdb().engine);
    t.after(() => d.destroy());
    await migrateLatest(d.db);
    // A few hundred rows over 10 hours, so MariaDB's optimizer has a real choice to make.
    const rows = Array.from({ length: 400 }, (_, i) => ({
      webhook_id: `msg_hour_${i}`,
      module: 'Deals',
      method: 'POST',
      url: 'https://example.com/x',
      destination_host: 'example.com:443',
      headers: '{}',
      status: i % 7 === 0 ? 'failed' : 'success',
      next_attempt_at: 0,
      created_at: 1_700_000_000_000 + i * 90_000,
      updated_at: 0,
    }));
    for (let i = 0; i < rows.length; i += 100) await d.db('hookflow_deliveries').insert(rows.slice(i, i + 100));
    const seen: Array<{ sql: string; bindings: unknown[] }> = [];
    const listen = (q: { sql: string; bindings: unknown[] }) => seen.push(q);
    d.db.on('query', listen);
    const counts = await hourlyDeliveryCounts(d.db, 1_700_000_000_000 + 5 * 3_600_000);
    d.db.off('query', listen);
    const total = counts.reduce((n, c) => n + c.count, 0);
    assert.equal(
      total,
      rows.filter(
        (r) => Math.floor(r.created_at / 3_600_000) >= Math.floor((1_700_000_000_000 + 5 * 3_600_000) / 3_600_000),
      ).length,
    );
    const [q] = seen;
    if (tdb().engine === 'sqlite') {
      const plan = ((await d.db.raw(`EXPLAIN QUERY PLAN ${q.sql}`, q.bindings as any[])) as Array<{ detail: string }>)
        .map((r) => r.detail)
        .join(' | ');
      assert.match(plan, new RegExp(`USING (COVERING )?INDEX ${hours.HOUR_INDEX}`), plan);
      assert.doesNotMatch(plan, /TEMP B-TREE/, plan);
    } else {
      await d.db.raw('ANALYZE TABLE hookflow_deliveries');
      const [plan] = (await d.db.raw(`EXPLAIN ${q.sql}`, q.bindings as any[])) as [Array<Record<string, any>>];
      assert.equal(plan[0].key, hours.HOUR_INDEX, JSON.stringify(plan));
      assert.match(String(plan[0].Extra), /Using index/, JSON.stringify(plan));
      assert.doesNotMatch(String(plan[0].Extra), /temporary|filesort/i, JSON.stringify(plan));
    }
  });

  test('the hour index migration: down drops the index (and MariaDB’s column), up makes them again', async (t) => {
    const d = await createTestDatabase(tdb().engine);
    t.after(() => d.destroy());
    await migrateLatest(d.db);
    const has = async () => (await indexesOf(d.db, 'hookflow_deliveries')).has(hours.HOUR_INDEX);
    const column = () => d.db.schema.hasColumn('hookflow_deliveries', hours.HOUR_COLUMN);
    assert.equal(await has(), true);
    assert.equal(await column(), tdb().engine === 'mysql');
    await hours.down(d.db);
    assert.deepEqual([await has(), await column()], [false, false]);
    await hours.up(d.db);
    assert.equal(await has(), true);
  });

  test('the id-walk indexes: (id, created_at) on deliveries and runs on MariaDB/MySQL only; down drops them, up makes them again', async (t) => {
    const d = await createTestDatabase(tdb().engine);
    t.after(() => d.destroy());
    await migrateLatest(d.db);
    const columns = async () =>
      Promise.all(
        Object.entries(walks.ID_WALK_INDEXES).map(async ([table, index]) => (await indexesOf(d.db, table)).get(index)),
      );
    const mysql = tdb().engine === 'mysql';
    const made = mysql
      ? [
          ['id', 'created_at'],
          ['id', 'created_at'],
        ]
      : [undefined, undefined];
    assert.deepEqual(await columns(), made);
    await walks.down(d.db);
    assert.deepEqual(await columns(), [undefined, undefined]);
    await walks.up(d.db);
    assert.deepEqual(await columns(), made);
  });
});
