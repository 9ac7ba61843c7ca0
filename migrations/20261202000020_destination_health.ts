/**
 * Destination health (issue 17.3): per destination (`host:port` as `hookflow_deliveries.
 * destination_host` spells it) the streak of failed attempts, since when it fails, and whether
 * its deliveries are held ("paused") while the worker probes it with the oldest one:
 * - `consecutive_failures`: failed attempts in a row across all its deliveries (a 2xx resets);
 * - `failing_since`: the first failure of the streak (epoch ms, database clock);
 * - `paused_at`: when the streak reached the pause threshold; null = deliveries flow;
 * - `next_probe_at`, `probe_count`, `probe_delivery_id`: when the next probe is due, how many
 *   failed so far (the backoff), and the delivery being probed with right now;
 * - `last_error`: the last failure, for the overview.
 * A pause keeps its deliveries `queued` (the status set is unchanged): the claim skips them.
 * The (destination_host, status, id) index finds a paused destination's oldest delivery.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('hookflow_destinations', (t) => {
    t.string('destination_host', 255).primary();
    t.integer('consecutive_failures').notNullable().defaultTo(0);
    t.bigInteger('failing_since').nullable();
    t.bigInteger('paused_at').nullable();
    t.bigInteger('next_probe_at').nullable();
    t.integer('probe_count').notNullable().defaultTo(0);
    t.bigInteger('probe_delivery_id').nullable();
    t.text('last_error').nullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['paused_at'], 'hookflow_destinations_paused_index');
  });
  await knex.schema.alterTable('hookflow_deliveries', (t) => {
    t.index(['destination_host', 'status', 'id'], 'hookflow_deliveries_destination_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('hookflow_deliveries', (t) => {
    t.dropIndex(['destination_host', 'status', 'id'], 'hookflow_deliveries_destination_index');
  });
  await knex.schema.dropTable('hookflow_destinations');
}
