/**
 * Per-destination rate limits (issue 20.5): one token bucket per destination (`host:port` as
 * `hookflow_deliveries.destination_host` spells it), taken from inside the delivery claim (which
 * is serialised across workers), so a limit holds for the whole fleet:
 * - `tokens` at `refilled_at` (epoch ms, database clock; the bucket refills continuously from then);
 * - `paused_until`: a 429's Retry-After, no request before it; null = none;
 * - `slowed_until`: the limit is halved until then after a 429; null = not slowed.
 * A destination without a row has a full bucket. Rows are forgotten by retention once quiet.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('hookflow_destination_rates', (t) => {
    t.string('destination_host', 255).primary();
    t.double('tokens').notNullable();
    t.bigInteger('refilled_at').notNullable();
    t.bigInteger('paused_until').nullable();
    t.bigInteger('slowed_until').nullable();
    t.bigInteger('updated_at').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('hookflow_destination_rates');
}
