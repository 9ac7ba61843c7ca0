/**
 * MySQL/MariaDB TEXT holds 64 KiB, but an accepted inbound body may be 1 MiB (inboundBodyLimit):
 * the run's event/env/results/output and the replayed idempotent answer need LONGTEXT there.
 * SQLite's TEXT has no such limit, so this changes nothing on SQLite.
 */
import type { Knex } from 'knex';

const COLUMNS: Array<[table: string, column: string, notNull: boolean]> = [
  ['hookflow_runs', 'event', true],
  ['hookflow_runs', 'env', true],
  ['hookflow_runs', 'task_results', false],
  ['hookflow_runs', 'output', false],
  ['hookflow_idempotency', 'response_body', false],
];

async function retype(knex: Knex, type: 'text' | 'longtext'): Promise<void> {
  if (!String(knex.client.config.client).includes('mysql')) return;
  for (const [table, column, notNull] of COLUMNS) {
    await knex.schema.alterTable(table, (t) => {
      const col = type === 'longtext' ? t.text(column, 'longtext') : t.text(column);
      (notNull ? col.notNullable() : col.nullable()).alter();
    });
  }
}

export async function up(knex: Knex): Promise<void> {
  await retype(knex, 'longtext');
}

export async function down(knex: Knex): Promise<void> {
  await retype(knex, 'text');
}
