/**
 * Opens the reference host's database from DATABASE_URL through the package's `openDatabase`
 * (`sqlite:path` in WAL mode, created owner-only, or `mysql://user:pass@host:port/db`), adding the
 * host's own prepared-statement cache on SQLite.
 */
import fs from 'node:fs';
import path from 'node:path';
import { openDatabase as openHookflowDatabase, parseDatabaseUrl, type DatabaseTarget } from 'hookflow';
import type { Knex } from 'knex';
import { cachePreparedStatements } from './sqlite-statements.js';

export { parseDatabaseUrl, type DatabaseTarget };

export interface HostDatabaseOptions {
  /** Most pooled MySQL connections. Default 10. */
  poolMax?: number;
  /**
   * The host's data directory (HOOKFLOW_DATA_DIR). A SQLite file inside it gets its folders
   * created (owner-only); anywhere else the folder must exist. Default none.
   */
  dataDir?: string;
}

function isInside(file: string, dir: string): boolean {
  const rel = path.relative(path.resolve(dir), path.resolve(file));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** A knex instance for the target; SQLite connections get the statement cache. */
export function openDatabase(target: DatabaseTarget, opts: HostDatabaseOptions = {}): Knex {
  if (target.engine === 'sqlite' && opts.dataDir && isInside(target.file, opts.dataDir)) {
    fs.mkdirSync(path.dirname(path.resolve(target.file)), { recursive: true, mode: 0o700 });
  }
  return openHookflowDatabase(target, {
    poolMax: opts.poolMax,
    onSqliteConnection: (conn) => cachePreparedStatements(conn as { prepare(sql: string): unknown }),
  });
}
