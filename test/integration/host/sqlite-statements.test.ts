/**
 * The reference host's SQLite statement cache: statements are reused by SQL text (fewer
 * prepares), the least recently used go first, and through knex on a real database the reused
 * statements give the same answers as fresh ones, also after the schema changed under them.
 */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { cachePreparedStatements } from '../../../host/sqlite-statements.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/engines.js';

function fakeConnection() {
  const prepared: string[] = [];
  const conn = {
    prepare: (sql: string) => {
      prepared.push(sql);
      return { sql, n: prepared.length };
    },
  };
  return { conn, prepared };
}

describe('SQLite statement cache', () => {
  test('the same SQL is prepared once and the same statement is handed out', () => {
    const { conn, prepared } = fakeConnection();
    cachePreparedStatements(conn);
    const a = conn.prepare('select 1');
    assert.equal(conn.prepare('select 1'), a);
    conn.prepare('select 2');
    assert.deepEqual(prepared, ['select 1', 'select 2']);
  });

  test('beyond its size the least recently used statement is dropped', () => {
    const { conn, prepared } = fakeConnection();
    cachePreparedStatements(conn, 2);
    conn.prepare('a');
    conn.prepare('b');
    conn.prepare('a'); // a is now the most recent
    conn.prepare('c'); // evicts b
    conn.prepare('a');
    conn.prepare('b'); // prepared again
    assert.deepEqual(prepared, ['a', 'b', 'c', 'b']);
  });

  describe('through knex on a real SQLite file', () => {
    let tdb: TestDatabase;
    after(async () => {
      await tdb?.destroy();
    });

    test('reused statements read, write and survive a schema change', async () => {
      tdb = await createTestDatabase('sqlite');
      const { db } = tdb;
      await db.schema.createTable('t', (t) => {
        t.increments('id');
        t.string('name');
      });
      for (const name of ['x', 'y', 'z']) await db('t').insert({ name });
      for (const name of ['x', 'y', 'z']) assert.equal((await db('t').where({ name }).first())?.name, name);
      await db('t').where({ name: 'y' }).update({ name: 'w' });
      assert.deepEqual(
        (await db('t').orderBy('id').select('name')).map((r) => r.name),
        ['x', 'w', 'z'],
      );
      await db.schema.alterTable('t', (t) => {
        t.integer('n').defaultTo(7);
      });
      assert.deepEqual(
        await db('t').where({ name: 'x' }).first(),
        { id: 1, name: 'x', n: 7 },
        'select * sees the new column',
      );
    });
  });
});
