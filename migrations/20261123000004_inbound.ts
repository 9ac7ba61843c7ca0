/** HTTP handler permissions (default deny), refused-request log and idempotency keys. */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('hookflow_http_permissions', (t) => {
    t.increments('id').primary();
    t.string('title', 200).notNullable();
    t.integer('workflow_id').unsigned(); // exactly one of workflow_id / trigger_name
    t.string('trigger_name', 64);
    t.text('sources').notNullable(); // JSON list of normalised allowlist entries
    t.string('token_hash', 128); // sha256 of the token; the token itself is shown once
    t.string('token_hint', 16);
    t.boolean('require_ip_and_token').notNullable().defaultTo(false);
    t.integer('run_as_user_id');
    t.boolean('enabled').notNullable().defaultTo(true);
    t.integer('rate_limit_per_minute');
    t.boolean('query_as_env').notNullable().defaultTo(false);
    t.string('honeypot_field', 64);
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
  });

  await knex.schema.createTable('hookflow_http_refusals', (t) => {
    t.bigIncrements('id').primary();
    t.string('ip', 64).notNullable();
    t.string('target', 200);
    t.string('reason', 300).notNullable();
    t.bigInteger('created_at').notNullable();
    t.index(['created_at']);
  });

  await knex.schema.createTable('hookflow_idempotency', (t) => {
    t.integer('permission_id').unsigned().notNullable();
    t.string('idem_key', 200).notNullable();
    t.string('body_hash', 64).notNullable();
    t.integer('response_status');
    t.text('response_headers');
    t.text('response_body');
    t.bigInteger('run_id');
    t.bigInteger('created_at').notNullable();
    t.primary(['permission_id', 'idem_key']);
    t.index(['created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('hookflow_idempotency');
  await knex.schema.dropTableIfExists('hookflow_http_refusals');
  await knex.schema.dropTableIfExists('hookflow_http_permissions');
}
