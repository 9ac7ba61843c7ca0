/**
 * Failure alerts: who has already been mailed about which failed delivery. A row is written
 * right after the mail to that address was accepted, so a retry after a partial send (the
 * SMTP server refused the third recipient) mails only those still missing, and the throttle
 * window of a webhook counts from its last mail actually sent.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('hookflow_alert_recipients', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('alert_id').notNullable();
    t.string('address', 254).notNullable(); // lower-cased; one mail per address
    t.integer('user_id');
    t.bigInteger('sent_at').notNullable();
    t.unique(['alert_id', 'address']);
    t.index(['sent_at']);
  });
  // The throttle looks up a webhook's recent alerts by task.
  await knex.schema.alterTable('hookflow_alerts', (t) => {
    t.index(['task_id', 'status'], 'hookflow_alerts_task_status_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('hookflow_alerts', (t) => {
    t.dropIndex(['task_id', 'status'], 'hookflow_alerts_task_status_index');
  });
  await knex.schema.dropTableIfExists('hookflow_alert_recipients');
}
