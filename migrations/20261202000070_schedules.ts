/**
 * Scheduled triggers. `hookflow_workflows.schedule` holds a schedule workflow's schedule (JSON:
 * cron + time zone, or an offset from a date field). `hookflow_schedules` holds its planned
 * slots: one row per (workflow, record) — record_id 0 for a cron workflow's single slot — with
 * when it is due (host clock, epoch ms) and a lease, so that one worker fires each slot.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('hookflow_workflows', (t) => {
    t.text('schedule').nullable();
  });
  await knex.schema.createTable('hookflow_schedules', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('workflow_id').notNullable();
    t.string('module', 64).notNullable();
    /** 0: the slot runs with no record (cron). */
    t.bigInteger('record_id').notNullable().defaultTo(0);
    t.bigInteger('due_at').notNullable();
    /** `pending` (will fire at due_at) or `done` (fired, or planned in the past). */
    t.string('state', 16).notNullable();
    /** The schedule the slot was planned for (schedule-policy.ts planKeyOf). */
    t.string('plan_key', 400).notNullable();
    t.string('lease_owner', 100).nullable();
    t.bigInteger('lease_expires_at').nullable();
    t.bigInteger('fired_at').nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.unique(['workflow_id', 'record_id'], { indexName: 'hookflow_schedules_slot_unique' });
    t.index(['state', 'due_at'], 'hookflow_schedules_due');
    t.index(['module', 'record_id'], 'hookflow_schedules_record');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('hookflow_schedules');
  await knex.schema.alterTable('hookflow_workflows', (t) => {
    t.dropColumn('schedule');
  });
}
