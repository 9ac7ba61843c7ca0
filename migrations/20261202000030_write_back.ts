/**
 * "Save from the response" (a webhook writes values of its receiver's answer onto the record):
 * - `hookflow_deliveries.write_back`: JSON `{ rules, expected }` — the webhook's rows (JSON path →
 *   field) and each field's value when the delivery was queued, so the worker can tell an edit
 *   made meanwhile from its own write. Null for webhooks that save nothing.
 * - `hookflow_attempts.write_back`: what the write-back after this attempt did, in plain words.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('hookflow_deliveries', (t) => {
    t.text('write_back').nullable();
  });
  await knex.schema.alterTable('hookflow_attempts', (t) => {
    t.string('write_back', 1000).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('hookflow_attempts', (t) => {
    t.dropColumn('write_back');
  });
  await knex.schema.alterTable('hookflow_deliveries', (t) => {
    t.dropColumn('write_back');
  });
}
