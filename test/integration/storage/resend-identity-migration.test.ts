/**
 * The resend-identity migration: delivery and alert rows survive it both ways, and afterwards an
 * alert is unique per (delivery, failing attempt) instead of per delivery.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, describeEachEngine } from '../../helpers/engines.js';
import { migrateLatest } from '../../../module/storage/migrate.js';
import * as migration from '../../../migrations/20261202000010_resend_identity.js';

describeEachEngine('resend identity migration', (tdb) => {
  test('keeps rows both ways; alerts become unique per failing attempt', async (t) => {
    const d = await createTestDatabase(tdb().engine);
    t.after(() => d.destroy());
    const db = d.db;
    await migrateLatest(db);
    await migration.down(db);
    await db('hookflow_alerts').insert({ delivery_id: 41, task_id: 7, status: 'sent', due_at: 5, created_at: 5 });
    await migration.up(db);
    const [row] = await db('hookflow_alerts').select();
    assert.deepEqual([Number(row.delivery_id), Number(row.failed_at_attempt), row.status], [41, 0, 'sent']);
    await db('hookflow_alerts').insert({
      delivery_id: 41,
      task_id: 7,
      failed_at_attempt: 8,
      status: 'pending',
      due_at: 5,
      created_at: 5,
    });
    await assert.rejects(
      db('hookflow_alerts').insert({
        delivery_id: 41,
        failed_at_attempt: 8,
        status: 'pending',
        due_at: 5,
        created_at: 5,
      }),
      'one alert per failure',
    );
    await migration.down(db);
    const left = await db('hookflow_alerts').select('delivery_id', 'status');
    assert.deepEqual(
      left.map((r) => [Number(r.delivery_id), r.status]),
      [[41, 'pending']],
      'the latest alert of the delivery stays',
    );
    await assert.rejects(
      db('hookflow_alerts').insert({ delivery_id: 41, status: 'pending', due_at: 5, created_at: 5 }),
      'one per delivery again',
    );
  });
});
