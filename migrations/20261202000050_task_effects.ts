/**
 * Crash-safe task effects. `hookflow_task_effects` notes, per (run, task), that a task's effect
 * outside the run committed: a record created or updated (written by Hookflow's record hook INSIDE
 * the host's transaction, so the note and the record commit or roll back together) or a mail the
 * server accepted. A run resumed after a crash finds the note and does not repeat the effect.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('hookflow_task_effects', (t) => {
    t.bigIncrements('id').primary();
    /** `run:<id>:task:<id>`. */
    t.string('effect_key', 100).notNullable().unique('hookflow_task_effects_key_unique');
    t.bigInteger('run_id').notNullable();
    t.string('module', 64).nullable();
    t.bigInteger('record_id').nullable();
    t.bigInteger('created_at').notNullable();
    t.index(['run_id'], 'hookflow_task_effects_run');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('hookflow_task_effects');
}
