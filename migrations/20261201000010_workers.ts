/**
 * Worker heartbeats (`hookflow_workers`): each running worker process writes its row every few
 * seconds, so `health()` in any process can say which workers are alive and when each lane last
 * claimed work — without guessing from a queue that happens to be empty.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('hookflow_workers', (t) => {
    t.string('worker_id', 100).primary();
    t.string('hostname', 255).notNullable();
    t.integer('pid').notNullable();
    t.bigInteger('started_at').notNullable();
    // Database clock (epoch ms), so machines with skewed clocks agree on who is alive.
    t.bigInteger('heartbeat_at').notNullable().index();
    t.text('lanes').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('hookflow_workers');
}
