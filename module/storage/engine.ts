/**
 * The few places where SQLite and MySQL/MariaDB differ, each behind one small function.
 * Everything else goes through plain knex.
 */
import type { Knex } from 'knex';
import type { Db } from '../host.js';

export type Engine = 'sqlite' | 'mysql';

/** The knex drivers Hookflow runs on, and the engine each one is. */
export const SUPPORTED_DRIVERS: Readonly<Record<string, Engine>> = { 'better-sqlite3': 'sqlite', mysql2: 'mysql' };

/** The driver a knex instance (or transaction) uses, e.g. `mysql2`; '' when it is not knex. */
export function driverOf(db: Db): string {
  const client = (db as Knex).client as { driverName?: unknown; config?: { client?: unknown } } | undefined;
  if (typeof client?.driverName === 'string') return client.driverName;
  return typeof client?.config?.client === 'string' ? client.config.client : '';
}

/** Which engine a knex instance (or transaction) talks to. */
export function engineOf(db: Db): Engine {
  const driver = driverOf(db);
  const engine = Object.hasOwn(SUPPORTED_DRIVERS, driver) ? SUPPORTED_DRIVERS[driver] : undefined;
  if (!engine) throw new Error(`unsupported knex client "${driver}": use better-sqlite3 or mysql2`);
  return engine;
}

/** SQL for "now" in epoch milliseconds, evaluated by the database (all workers share its clock). */
export function nowMsSql(db: Db): string {
  return engineNowMsSql(engineOf(db));
}

/** `nowMsSql` for an engine named directly (statements built once per engine). */
export function engineNowMsSql(engine: Engine): string {
  return engine === 'mysql'
    ? 'CAST(ROUND(UNIX_TIMESTAMP(NOW(3)) * 1000) AS SIGNED)'
    : "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";
}

/** Id of the row a raw INSERT created: better-sqlite3 answers `{ lastInsertRowid }`, mysql2 `[{ insertId }]`. */
export function insertedIdOf(engine: Engine, result: unknown): number {
  const id =
    engine === 'mysql'
      ? (result as Array<{ insertId?: unknown }>)[0]?.insertId
      : (result as { lastInsertRowid?: unknown }).lastInsertRowid;
  const n = Number(id);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`the INSERT answered no row id (${String(id)})`);
  return n;
}

/** The database clock, in epoch milliseconds. */
export async function dbNowMs(db: Db): Promise<number> {
  const rows = await db.raw(`SELECT ${nowMsSql(db)} AS now_ms`);
  const row = engineOf(db) === 'mysql' ? rows[0][0] : rows[0];
  return Number(row.now_ms);
}

/** Id of the row an INSERT created (knex returns it differently per engine). */
export async function insertReturningId(db: Db, table: string, row: Record<string, unknown>): Promise<number> {
  const result = await db(table).insert(row);
  return Number(Array.isArray(result) ? result[0] : result);
}

/**
 * What is missing on a SQLite connection for a web process and worker processes to share the
 * file (WAL, a busy timeout); [] for MySQL/MariaDB or a well-configured SQLite. install() logs it:
 * a host that passes its own knex should open it with the package's `openDatabase`.
 */
export async function sqliteSharingProblems(db: Knex): Promise<string[]> {
  if (engineOf(db) !== 'sqlite') return [];
  const first = (rows: unknown) => Object.values((Array.isArray(rows) ? rows[0] : rows) as Record<string, unknown>)[0];
  const mode = String(first(await db.raw('PRAGMA journal_mode'))).toLowerCase();
  const timeout = Number(first(await db.raw('PRAGMA busy_timeout')));
  const problems: string[] = [];
  if (mode !== 'wal') problems.push(`journal_mode is ${mode}, not wal`);
  if (!(timeout > 0)) problems.push('busy_timeout is 0');
  return problems;
}

/**
 * The GROUP BY of a count per status over a time range (`WHERE created_at >= ?`). On SQLite the
 * unary `+` keeps the planner off the (status, …) indexes: without table statistics it walks a
 * whole status-first index to skip the sort, a full scan at a million rows, where the created_at
 * range index reads only the range (250 ms against 2 ms at 1M deliveries).
 */
export function statusGroupSql(db: Db): string {
  return engineOf(db) === 'sqlite' ? '+status' : 'status';
}
