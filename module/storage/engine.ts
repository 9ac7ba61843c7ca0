/**
 * The few places where SQLite and MySQL/MariaDB differ, each behind one small function.
 * Everything else goes through plain knex.
 */
import type { Knex } from 'knex';
import type { Db } from '../host.js';

export type Engine = 'sqlite' | 'mysql';

/** Which engine a knex instance (or transaction) talks to. */
export function engineOf(db: Db): Engine {
  const client = String((db as Knex).client?.config?.client ?? '');
  if (client.includes('mysql')) return 'mysql';
  if (client.includes('sqlite')) return 'sqlite';
  throw new Error(`unsupported knex client "${client}": use better-sqlite3 or mysql2`);
}

/** SQL for "now" in epoch milliseconds, evaluated by the database (all workers share its clock). */
export function nowMsSql(db: Db): string {
  return engineOf(db) === 'mysql'
    ? 'CAST(ROUND(UNIX_TIMESTAMP(NOW(3)) * 1000) AS SIGNED)'
    : "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";
}

/** The database clock, in epoch milliseconds. */
export async function dbNowMs(db: Db): Promise<number> {
  const rows = await db.raw(`SELECT ${nowMsSql(db)} AS now_ms`);
  const row = engineOf(db) === 'mysql' ? rows[0][0] : rows[0];
  return Number(row.now_ms);
}

/**
 * Row-locking clause for claim queries: MySQL/MariaDB skip rows another worker holds;
 * SQLite serialises writers, so it needs none (its claim is one atomic UPDATE).
 */
export function supportsSkipLocked(db: Db): boolean {
  return engineOf(db) === 'mysql';
}

/** Id of the row an INSERT created (knex returns it differently per engine). */
export async function insertReturningId(db: Db, table: string, row: Record<string, unknown>): Promise<number> {
  const result = await db(table).insert(row);
  return Number(Array.isArray(result) ? result[0] : result);
}
