/** openDatabase sets SQLite up for several processes; a plain knex SQLite is reported at install. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import { openDatabase } from '../../../module/storage/database-url.js';
import { sqliteSharingProblems } from '../../../module/storage/engine.js';
import { createTestContext, TEST_SECRET_KEY } from '../../helpers/test-host.js';
import { install } from '../../../module/index.js';

test('openDatabase: WAL, a busy timeout, transactions that BEGIN IMMEDIATE, an owner-only file', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookflow-share-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'a.sqlite');
  const db = openDatabase(`sqlite:${file}`);
  t.after(() => db.destroy());
  assert.deepEqual(await sqliteSharingProblems(db), []);
  const seen: string[] = [];
  db.on('query', (q: { sql: string }) => seen.push(q.sql));
  await db.schema.createTable('t', (tb) => {
    tb.increments('id');
  });
  await db.transaction(async (trx) => {
    await trx('t').insert({});
  });
  assert.ok(seen.includes('BEGIN;'), 'knex begins a transaction…');
  // …and the connection turns it into BEGIN IMMEDIATE: a second connection cannot start writing meanwhile.
  const other = openDatabase(`sqlite:${file}`);
  t.after(() => other.destroy());
  await db.transaction(async (trx) => {
    await trx('t').select('id');
    const started = Date.now();
    await assert.rejects(
      other.raw('PRAGMA busy_timeout = 50').then(() =>
        other.transaction(async (o) => {
          await o('t').insert({});
        }),
      ),
      /SQLITE_BUSY|database is locked/,
    );
    assert.ok(Date.now() - started < 5000);
  });
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  assert.equal(fs.statSync(`${file}-wal`).mode & 0o077, 0, 'the WAL is owner-only too');
});

test('install warns when the host hands it a SQLite knex without WAL and busy timeout', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookflow-share-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const db = knexFactory({
    client: 'better-sqlite3',
    connection: { filename: path.join(dir, 'plain.sqlite') },
    useNullAsDefault: true,
  });
  t.after(() => db.destroy());
  await db.raw('PRAGMA busy_timeout = 0');
  assert.deepEqual(await sqliteSharingProblems(db), ['journal_mode is delete, not wal', 'busy_timeout is 0']);
  const { context, logger } = await createTestContext(db);
  const hf = await install(context, { secretKey: TEST_SECRET_KEY, startWorker: false });
  t.after(() => hf.uninstall());
  assert.ok(logger.entries.some((e) => e.level === 'warn' && /not set up for several processes/.test(e.msg ?? '')));
});
