/**
 * Scale-out without a global lock (issue 19.2): one row per destination host (host:port, as
 * `hookflow_deliveries.destination_host` spells it) that a claim on MariaDB/MySQL locks
 * (`SELECT … FOR UPDATE SKIP LOCKED`) before it leases deliveries to that host. The row carries
 * no state: its lock serialises claims per destination, so the per-host cap, the rate bucket and
 * the probe stay exact while claims for different hosts run side by side. SQLite does not use it
 * (its single write lock serialises every claim already).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('hookflow_destination_locks', (t) => {
    t.string('destination_host', 255).primary();
    t.bigInteger('created_at').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('hookflow_destination_locks');
}
