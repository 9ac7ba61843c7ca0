/**
 * Opens the reference host's database from DATABASE_URL: `sqlite:path` (default, WAL mode)
 * or `mysql://user:pass@host:port/db`.
 */
import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { cachePreparedStatements } from './sqlite-statements.js';

export type DatabaseTarget = { engine: 'sqlite'; file: string } | { engine: 'mysql'; url: string };

/** Parses DATABASE_URL; throws a one-line reason naming the variable. */
export function parseDatabaseUrl(value: string): DatabaseTarget {
  const match = /^([a-z][a-z0-9+.-]*):/i.exec(value);
  const scheme = match?.[1]?.toLowerCase();
  if (scheme === 'sqlite') {
    const file = value.slice('sqlite:'.length).replace(/^\/\//, '');
    if (!file) throw new Error('DATABASE_URL: sqlite: needs a file path, e.g. sqlite:data/hookflow.sqlite');
    return { engine: 'sqlite', file };
  }
  if (scheme === 'mysql' || scheme === 'mariadb') {
    let url: URL;
    try { url = new URL(value.replace(/^mariadb:/i, 'mysql:')); } catch { throw new Error('DATABASE_URL: not a valid mysql:// URL'); }
    if (!url.hostname) throw new Error('DATABASE_URL: mysql:// URL needs a host');
    if (url.pathname.length <= 1) throw new Error('DATABASE_URL: mysql:// URL needs a database name, e.g. mysql://root@127.0.0.1:3306/crm');
    return { engine: 'mysql', url: url.toString() };
  }
  throw new Error(`DATABASE_URL: unsupported scheme ${scheme ?? '(none)'}; use sqlite: or mysql://`);
}

/** Creates a knex instance for the target. SQLite gets WAL, a busy timeout, foreign keys and a statement cache. */
export function openDatabase(target: DatabaseTarget, opts: { poolMax?: number } = {}): Knex {
  if (target.engine === 'sqlite') {
    if (target.file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(target.file)), { recursive: true });
    return knexFactory({
      client: 'better-sqlite3',
      connection: { filename: target.file },
      useNullAsDefault: true,
      pool: {
        min: 1,
        max: 1,
        afterCreate(conn: { pragma(s: string): unknown; prepare(sql: string): unknown }, done: (err: Error | null, conn: unknown) => void) {
          cachePreparedStatements(conn);
          conn.pragma('journal_mode = WAL');
          conn.pragma('busy_timeout = 5000');
          conn.pragma('synchronous = NORMAL');
          conn.pragma('foreign_keys = ON');
          done(null, conn);
        },
      },
    });
  }
  const url = new URL(target.url);
  return knexFactory({
    client: 'mysql2',
    connection: {
      host: url.hostname,
      port: url.port ? Number(url.port) : 3306,
      user: decodeURIComponent(url.username || 'root'),
      password: decodeURIComponent(url.password),
      database: decodeURIComponent(url.pathname.slice(1)),
      charset: 'utf8mb4',
      timezone: 'Z',
      supportBigNumbers: true,
      bigNumberStrings: false,
    },
    pool: { min: 0, max: opts.poolMax ?? 10 },
  });
}
