/**
 * Indexes for the log at scale (issue 16): the delivery log and the run log show the newest rows
 * of a filter (`ORDER BY id DESC`, soon by an id cursor), the overview counts the last 24 hours by
 * status. Each filter gets an index ending in `id`, so the newest page of it is read straight off
 * the index instead of sorting every matching row; `(created_at, status)` answers the overview's
 * counts and its hourly chart from the index alone, without touching the (large) rows.
 * Named `hookflow_<table>_<columns>_log` so `down` drops exactly these.
 */
import type { Knex } from 'knex';

type IndexSpec = { table: string; columns: string[]; name: string };

const spec = (table: string, columns: string[]): IndexSpec => ({
  table,
  columns,
  name: `${table}_${columns.join('_')}_log`,
});

export const LOG_INDEXES: readonly IndexSpec[] = [
  spec('hookflow_deliveries', ['status', 'id']),
  spec('hookflow_deliveries', ['workflow_id', 'id']),
  spec('hookflow_deliveries', ['workflow_id', 'status', 'id']),
  spec('hookflow_deliveries', ['task_id', 'id']),
  spec('hookflow_deliveries', ['record_id', 'id']),
  spec('hookflow_deliveries', ['created_at', 'status']),
  spec('hookflow_runs', ['workflow_id', 'id']),
  spec('hookflow_runs', ['status', 'id']),
  spec('hookflow_runs', ['workflow_id', 'status', 'id']),
  spec('hookflow_runs', ['record_id', 'id']),
  spec('hookflow_runs', ['created_at', 'status']),
];

export async function up(knex: Knex): Promise<void> {
  for (const ix of LOG_INDEXES) await knex.schema.alterTable(ix.table, (t) => t.index(ix.columns, ix.name));
}

export async function down(knex: Knex): Promise<void> {
  for (const ix of [...LOG_INDEXES].reverse())
    await knex.schema.alterTable(ix.table, (t) => t.dropIndex(ix.columns, ix.name));
}
