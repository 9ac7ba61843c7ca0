/**
 * `hookflow_config_version`: one row whose `stamp` changes in the same transaction as every change
 * to workflows, tasks or HTTP handler permissions. Processes cache those definitions in memory and
 * compare the stamp (module/storage/config-version.ts) to learn, within a stated bound, that
 * another process changed them. The stamp is random, never a counter, so a row deleted and written
 * again, or another database, never repeats a stamp a cache already holds.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('hookflow_config_version', (t) => {
    t.integer('id').primary();
    t.string('stamp', 32).notNullable();
    t.bigInteger('updated_at').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('hookflow_config_version');
}
