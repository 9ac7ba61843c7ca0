/**
 * Capture a sample request (issue 21.2). A permission in capture mode records the next permitted
 * request instead of running it:
 * - `hookflow_http_permissions.capture_until`: epoch ms until which the permission captures;
 *   null = not capturing. Cleared by the request that gets captured (only the first one wins).
 * - `hookflow_http_captures`: what was captured (fields, content type, source, headers without
 *   secrets), one row per captured request; `expires_at` is when retention prunes it.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('hookflow_http_permissions', (t) => {
    t.bigInteger('capture_until').nullable();
  });
  await knex.schema.createTable('hookflow_http_captures', (t) => {
    t.increments('id').primary();
    t.integer('permission_id').unsigned().notNullable();
    t.bigInteger('captured_at').notNullable();
    t.bigInteger('expires_at').notNullable();
    t.string('source', 64).notNullable();
    t.string('content_type', 200).nullable();
    t.text('fields', 'longtext').notNullable();
    t.text('headers').notNullable();
    t.index(['permission_id', 'captured_at']);
    t.index(['expires_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('hookflow_http_captures');
  await knex.schema.alterTable('hookflow_http_permissions', (t) => {
    t.dropColumn('capture_until');
  });
}
