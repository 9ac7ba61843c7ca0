/**
 * A log page over a time window too wide to bound by ids first (issue 16: "before 10 days ago"
 * at a million rows: 666k rows inside, 333k after it) walks ids down from the newest row and
 * skips every row created after the window. MariaDB/MySQL walked the primary key, i.e. whole
 * rows: a second. A narrow index on (id, created_at) holds the same order with the time beside
 * each id, so the walk skips index entries of ~20 bytes instead (45 ms). The page forces it
 * (storage/paging.ts boundByCreatedAt) only when it filters by nothing but the window; the
 * optimizer would keep the primary key. SQLite walks its table b-tree fast enough (under 100 ms
 * at a million rows) and gets no index: one more index on every insert is not free.
 */
import type { Knex } from 'knex';

export const ID_WALK_INDEXES = {
  hookflow_deliveries: 'hookflow_deliveries_id_created',
  hookflow_runs: 'hookflow_runs_id_created',
} as const;

const mysql = (knex: Knex) => String(knex.client.config.client).includes('mysql');

export async function up(knex: Knex): Promise<void> {
  if (!mysql(knex)) return;
  for (const [table, index] of Object.entries(ID_WALK_INDEXES))
    await knex.raw(`CREATE INDEX ${index} ON ${table} (id, created_at)`);
}

export async function down(knex: Knex): Promise<void> {
  if (!mysql(knex)) return;
  for (const [table, index] of Object.entries(ID_WALK_INDEXES)) await knex.raw(`DROP INDEX ${index} ON ${table}`);
}
