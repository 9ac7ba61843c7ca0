/**
 * Workflows, their tasks, and runs. Times are epoch milliseconds (BIGINT) taken from the
 * database clock, so every worker on every machine agrees on "due".
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('hookflow_workflows', (t) => {
    t.increments('id').primary();
    t.string('module', 64).notNullable();
    t.string('title', 200).notNullable();
    t.text('description');
    t.string('status', 16).notNullable(); // draft | active | inactive
    t.string('trigger', 32).notNullable(); // record.created | record.updated | record.saved | record.deleted | http
    t.string('trigger_name', 64); // optional name HTTP callers use
    t.string('condition_join', 8).notNullable().defaultTo('all'); // all | any
    t.text('conditions').notNullable(); // JSON [{ field, op, value }]
    t.string('run_mode', 24).notNullable().defaultTo('every_event'); // every_event | once_per_record
    t.string('exec_mode', 8).notNullable().defaultTo('sync'); // sync | async (HTTP-started runs)
    t.text('required_env').notNullable(); // JSON [{ name, type, required }]
    t.integer('owner_user_id');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['module', 'status']);
    t.index(['trigger_name']);
  });

  await knex.schema.createTable('hookflow_tasks', (t) => {
    t.increments('id').primary();
    t.integer('workflow_id')
      .unsigned()
      .notNullable()
      .references('id')
      .inTable('hookflow_workflows')
      .onDelete('CASCADE');
    t.integer('position').notNullable();
    t.string('type', 32).notNullable();
    t.string('title', 200).notNullable();
    t.text('description');
    t.text('options').notNullable(); // JSON, validated by the task type's zod schema
    t.text('secrets'); // encrypted JSON (credentials, signing secret); never rendered back
    t.bigInteger('disabled_at'); // set when a receiver answered 410 Gone
    t.string('disabled_reason', 500);
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['workflow_id', 'position']);
  });

  await knex.schema.createTable('hookflow_runs', (t) => {
    t.bigIncrements('id').primary();
    t.integer('workflow_id').unsigned().notNullable();
    t.string('trigger', 32).notNullable(); // the event type that started it, or http / manual
    t.string('source', 16).notNullable(); // record_event | http | manual | rerun
    t.string('module', 64).notNullable();
    t.bigInteger('record_id'); // null = no record
    t.string('order_key', 100); // module:record_id — runs of one record execute in event order
    t.string('status', 16).notNullable(); // queued | running | succeeded | failed | skipped
    t.string('mode', 8).notNullable().defaultTo('async'); // sync (executed in an HTTP request) | async (worker)
    t.text('event').notNullable(); // JSON snapshot: type, module, recordId, time, record, previous, actorUserId
    t.text('env').notNullable(); // JSON $env
    t.integer('chain_depth').notNullable().defaultTo(0);
    t.bigInteger('parent_run_id');
    t.bigInteger('rerun_of_id');
    t.integer('actor_user_id');
    t.integer('permission_id');
    t.string('source_ip', 64);
    t.text('task_results'); // JSON [{ taskId, type, title, status, durationMs, error?, output? }]
    t.text('output'); // JSON set by a respond task
    t.text('error');
    t.integer('attempts').notNullable().defaultTo(0);
    t.string('lease_owner', 100);
    t.bigInteger('lease_expires_at');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('started_at');
    t.bigInteger('finished_at');
    t.index(['status', 'created_at']);
    t.index(['order_key', 'status']);
    t.index(['workflow_id', 'created_at']);
  });

  // "Run once per record": the unique key makes the first match win even under concurrency.
  await knex.schema.createTable('hookflow_run_once', (t) => {
    t.integer('workflow_id').unsigned().notNullable();
    t.string('module', 64).notNullable();
    t.bigInteger('record_id').notNullable();
    t.bigInteger('run_id').notNullable();
    t.bigInteger('created_at').notNullable();
    t.primary(['workflow_id', 'module', 'record_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('hookflow_run_once');
  await knex.schema.dropTableIfExists('hookflow_runs');
  await knex.schema.dropTableIfExists('hookflow_tasks');
  await knex.schema.dropTableIfExists('hookflow_workflows');
}
