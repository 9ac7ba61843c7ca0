/**
 * `hookflow_key_check`: one row identifying the secret key this database's secrets are sealed
 * with (an HMAC of a fixed label under the key, never the key), so a start with another key
 * stops at once instead of failing the first run that opens a secret.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('hookflow_key_check', (t) => {
    t.integer('id').primary();
    t.string('check_value', 64).notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('rotated_at');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('hookflow_key_check');
}
