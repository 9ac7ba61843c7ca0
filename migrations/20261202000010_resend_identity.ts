/**
 * A resend is a new attempt of the SAME message (Standard Webhooks: the id stays the same when a
 * message is resent), so it reopens the delivery instead of copying it:
 * - `resent_at` / `resent_by`: the latest resend and who asked (a display name; null = never).
 * - `cycle_attempt_base`: attempts made before the latest resend; retry timing and the attempt
 *   limit count from it, so a resend gets the whole schedule again.
 * - `hookflow_attempts.requested_by`: who asked for this attempt (null = the retry schedule).
 * - `hookflow_alerts.failed_at_attempt`: a resent delivery can fail again and deserves a new
 *   alert, so an alert is unique per (delivery, the attempt that failed it), not per delivery.
 * Rows stored before keep `resend_of_id` (earlier releases copied the delivery); bulk resend
 * still honours those copies.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('hookflow_deliveries', (t) => {
    t.bigInteger('resent_at').nullable();
    t.string('resent_by', 200).nullable();
    t.integer('cycle_attempt_base').notNullable().defaultTo(0);
  });
  await knex.schema.alterTable('hookflow_attempts', (t) => {
    t.string('requested_by', 200).nullable();
  });
  await knex.schema.alterTable('hookflow_alerts', (t) => {
    t.integer('failed_at_attempt').notNullable().defaultTo(0);
  });
  await knex.schema.alterTable('hookflow_alerts', (t) => {
    t.dropUnique(['delivery_id'], 'hookflow_alerts_delivery_id_unique');
    t.unique(['delivery_id', 'failed_at_attempt'], { indexName: 'hookflow_alerts_delivery_attempt_unique' });
  });
}

export async function down(knex: Knex): Promise<void> {
  // Only the latest alert of each delivery can stay under the old one-per-delivery rule.
  const latest = knex('hookflow_alerts').whereNotNull('delivery_id').groupBy('delivery_id').max({ id: 'id' });
  const older = (
    await knex('hookflow_alerts')
      .whereNotNull('delivery_id')
      .whereNotIn('id', knex.select('id').from(latest.as('l')))
      .select('id')
  ).map((r: { id: number }) => r.id);
  if (older.length > 0) {
    await knex('hookflow_alert_recipients').whereIn('alert_id', older).del();
    await knex('hookflow_alerts').whereIn('id', older).del();
  }
  await knex.schema.alterTable('hookflow_alerts', (t) => {
    t.dropUnique(['delivery_id', 'failed_at_attempt'], 'hookflow_alerts_delivery_attempt_unique');
    t.unique(['delivery_id'], { indexName: 'hookflow_alerts_delivery_id_unique' });
  });
  await knex.schema.alterTable('hookflow_alerts', (t) => {
    t.dropColumn('failed_at_attempt');
  });
  await knex.schema.alterTable('hookflow_attempts', (t) => {
    t.dropColumn('requested_by');
  });
  await knex.schema.alterTable('hookflow_deliveries', (t) => {
    t.dropColumn('cycle_attempt_base');
    t.dropColumn('resent_by');
    t.dropColumn('resent_at');
  });
}
