/**
 * Failure alerts for runs: the alert outbox (`hookflow_alerts`) takes one row per failed RUN as
 * well as one per failed delivery. A row is about exactly one of them: `delivery_id` (now
 * nullable) or `run_id` (new, unique, so a run is alerted at most once). Run alerts are
 * grouped into digests per workflow (`workflow_id`), delivery alerts per webhook task
 * (`task_id`, as before; NULL on run alerts). The recipients table is shared unchanged: it is
 * keyed by the alert row, whatever the row is about.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // On SQLite knex rebuilds the table for the ALTER and carries its indexes over (the unique
  // index on delivery_id included); on MySQL/MariaDB it is one MODIFY that keeps them.
  await knex.schema.alterTable('hookflow_alerts', (t) => {
    t.bigInteger('delivery_id').nullable().alter();
  });
  await knex.schema.alterTable('hookflow_alerts', (t) => {
    t.bigInteger('run_id').nullable().unique('hookflow_alerts_run_id_unique');
    t.integer('workflow_id').unsigned().nullable();
    // The throttle looks up a workflow's recent run alerts.
    t.index(['workflow_id', 'status'], 'hookflow_alerts_workflow_status_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  // Run alerts cannot exist without run_id: they go, and delivery_id is required again.
  const runAlerts = knex('hookflow_alerts').whereNull('delivery_id').select('id');
  await knex('hookflow_alert_recipients').whereIn('alert_id', runAlerts).del();
  await knex('hookflow_alerts').whereNull('delivery_id').del();
  await knex.schema.alterTable('hookflow_alerts', (t) => {
    t.dropIndex(['workflow_id', 'status'], 'hookflow_alerts_workflow_status_index');
    t.dropUnique(['run_id'], 'hookflow_alerts_run_id_unique');
  });
  await knex.schema.alterTable('hookflow_alerts', (t) => {
    t.dropColumn('workflow_id');
    t.dropColumn('run_id');
  });
  await knex.schema.alterTable('hookflow_alerts', (t) => {
    t.bigInteger('delivery_id').notNullable().alter();
  });
}
