/**
 * Record sweeps: a workflow run for existing records (backfill), or for every matching record at
 * each slot of a cron schedule. `hookflow_backfills` holds one row per sweep — its filter, its
 * cursor (the last record id looked at; records are walked in id order), its rate credit and a
 * lease, so one worker at a time advances it. `hookflow_runs.backfill_id` ties a run to its sweep;
 * unique with the record id, so no sweep can queue a record twice.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('hookflow_backfills', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('workflow_id').notNullable();
    t.string('module', 64).notNullable();
    /** `backfill` (started by an admin) or `schedule` (a cron slot over every matching record). */
    t.string('kind', 16).notNullable();
    /** running | paused | cancelled | finished | failed (workflows/backfills.ts). */
    t.string('status', 16).notNullable();
    /** JSON: { since, sinceField } or null. */
    t.text('filter').nullable();
    t.integer('rate_per_minute').notNullable();
    /** How many records matched when it was started (the count the admin confirmed). */
    t.integer('expected').notNullable().defaultTo(0);
    t.bigInteger('cursor_id').notNullable().defaultTo(0);
    t.integer('scanned').notNullable().defaultTo(0);
    t.integer('queued').notNullable().defaultTo(0);
    /** Rate credit: runs may be queued up to this time's worth (backfill-policy.ts). */
    t.bigInteger('credit_at').notNullable();
    t.bigInteger('due_at').notNullable();
    t.string('lease_owner', 100).nullable();
    t.bigInteger('lease_expires_at').nullable();
    t.text('error').nullable();
    t.bigInteger('created_by').nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.bigInteger('finished_at').nullable();
    t.index(['status', 'due_at'], 'hookflow_backfills_due');
    t.index(['workflow_id', 'id'], 'hookflow_backfills_workflow');
  });
  await knex.schema.alterTable('hookflow_runs', (t) => {
    t.bigInteger('backfill_id').nullable();
    t.unique(['backfill_id', 'record_id'], { indexName: 'hookflow_runs_backfill_record' });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('hookflow_runs', (t) => {
    t.dropUnique(['backfill_id', 'record_id'], 'hookflow_runs_backfill_record');
    t.dropColumn('backfill_id');
  });
  await knex.schema.dropTableIfExists('hookflow_backfills');
}
