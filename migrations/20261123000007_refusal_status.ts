/** The refused-requests log keeps the HTTP status in its own column (it was folded into `reason`). */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('hookflow_http_refusals', (t) => {
    t.integer('status').notNullable().defaultTo(403);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('hookflow_http_refusals', (t) => {
    t.dropColumn('status');
  });
}
