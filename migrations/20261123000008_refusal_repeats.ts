/**
 * The refused-requests log counts repeats instead of writing a row each (issue 14): a row
 * carries the source it aggregates (`source_key`: the IPv4 address, or the IPv6 /56 the per-IP
 * limit counts by), how many more refusals like it arrived (`repeats`) and when the last one
 * did (`last_at`). Rows written before this migration have no source key and are never counted on.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('hookflow_http_refusals', (t) => {
    t.string('source_key', 64);
    t.integer('repeats').notNullable().defaultTo(0);
    t.bigInteger('last_at');
    t.index(['source_key', 'id'], 'hookflow_http_refusals_source_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('hookflow_http_refusals', (t) => {
    t.dropIndex(['source_key', 'id'], 'hookflow_http_refusals_source_idx');
    t.dropColumn('last_at');
    t.dropColumn('repeats');
    t.dropColumn('source_key');
  });
}
