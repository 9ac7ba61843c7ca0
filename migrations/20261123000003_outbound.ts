/**
 * The delivery queue. A delivery snapshots URL, method, headers and body at trigger time;
 * every attempt is its own row. Status is a closed set: queued | dispatched | success | failed.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('hookflow_deliveries', (t) => {
    t.bigIncrements('id').primary();
    t.string('webhook_id', 64).notNullable().unique(); // Standard Webhooks id, same on every attempt
    t.bigInteger('run_id');
    t.integer('workflow_id').unsigned();
    t.integer('task_id').unsigned();
    t.string('event_type', 64);
    t.string('module', 64);
    t.bigInteger('record_id');
    t.string('method', 8).notNullable();
    t.text('url').notNullable();
    t.string('destination_host', 255).notNullable();
    t.text('headers').notNullable(); // JSON, no credentials
    t.string('content_type', 100);
    t.text('body', 'longtext');
    t.string('status', 16).notNullable();
    t.integer('attempt_count').notNullable().defaultTo(0);
    t.bigInteger('next_attempt_at').notNullable();
    t.string('lease_owner', 100);
    t.bigInteger('lease_expires_at');
    t.integer('last_status_code');
    t.text('last_error');
    t.bigInteger('resend_of_id');
    // run:<runId>:task:<taskId> — a run re-executed after a crash never enqueues the same delivery twice
    t.string('origin_key', 100).unique();
    t.string('alert_state', 16).notNullable().defaultTo('none'); // none | pending | sent
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.bigInteger('finished_at');
    t.index(['status', 'next_attempt_at']);
    t.index(['task_id', 'created_at']);
    t.index(['workflow_id', 'created_at']);
    t.index(['created_at']);
  });

  await knex.schema.createTable('hookflow_attempts', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('delivery_id').notNullable();
    t.integer('attempt_no').notNullable();
    t.string('worker_id', 100);
    t.string('outcome', 16).notNullable(); // success | http_error | network_error | timeout | blocked
    t.integer('status_code');
    t.text('response_headers');
    t.text('response_body'); // first 16 KiB
    t.text('error');
    t.bigInteger('started_at').notNullable();
    t.integer('duration_ms').notNullable();
    t.index(['delivery_id', 'attempt_no']);
    t.index(['started_at']);
  });

  // One row per failed delivery awaiting its alert mail; digests group rows of one task.
  await knex.schema.createTable('hookflow_alerts', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('delivery_id').notNullable().unique();
    t.integer('task_id').unsigned();
    t.string('status', 16).notNullable(); // pending | sent
    t.bigInteger('due_at').notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.string('lease_owner', 100);
    t.bigInteger('lease_expires_at');
    t.text('last_error');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('sent_at');
    t.index(['status', 'due_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('hookflow_alerts');
  await knex.schema.dropTableIfExists('hookflow_attempts');
  await knex.schema.dropTableIfExists('hookflow_deliveries');
}
