/**
 * Opening a knex instance from a `DATABASE_URL`: `sqlite:<path>` or `mysql://user:pass@host:port/db`
 * (`mariadb://` too). The `hookflow` CLI uses it, and a host may (the reference CRM does) — any
 * knex instance on a supported driver works for `install()`, this is only a convenience.
 *
 * SQLite gets what Hookflow relies on when a web process and a worker share one file: WAL, a busy
 * timeout, foreign keys, and `BEGIN IMMEDIATE` for every transaction. knex begins SQLite
 * transactions with a plain (deferred) `BEGIN`; a deferred transaction that reads and then writes
 * fails at once with SQLITE_BUSY_SNAPSHOT when another process wrote in between (the busy timeout
 * does not apply). Taking the write lock at BEGIN makes such transactions wait their turn instead. A new SQLite file is created readable by its owner only (0600; the WAL
 * and shared-memory files SQLite adds inherit that mode), because it holds `$env` values, record
 * data and sealed credentials. The directory must exist: a typo in a path never creates folders.
 */
import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';

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
    try {
      url = new URL(value.replace(/^mariadb:/i, 'mysql:'));
    } catch {
      throw new Error('DATABASE_URL: not a valid mysql:// URL');
    }
    if (!url.hostname) throw new Error('DATABASE_URL: mysql:// URL needs a host');
    if (url.pathname.length <= 1)
      throw new Error('DATABASE_URL: mysql:// URL needs a database name, e.g. mysql://root@127.0.0.1:3306/crm');
    return { engine: 'mysql', url: url.toString() };
  }
  throw new Error(`DATABASE_URL: unsupported scheme ${scheme ?? '(none)'}; use sqlite: or mysql://`);
}

export interface OpenDatabaseOptions {
  /** Most pooled MySQL connections. Default 10 (SQLite always uses one connection). */
  poolMax?: number;
  /** Called with each new raw SQLite connection after Hookflow's pragmas (e.g. a statement cache). Default none. */
  onSqliteConnection?: (conn: unknown) => void;
  /**
   * Where knex's own messages go (connection errors with stacks, deprecations), at debug level.
   * Default: dropped — callers see the error they get thrown, as one line, instead.
   */
  logger?: { debug(obj: object, msg?: string): void };
}

/** knex's logger, routed to `logger.debug` (never to the console: CLIs print errors as one line). */
function knexLog(logger: OpenDatabaseOptions['logger']) {
  const to = (level: string) => (message: unknown) => logger?.debug({ knex: level, message: String(message) }, 'knex');
  return { warn: to('warn'), error: to('error'), deprecate: to('deprecate'), debug: to('debug') };
}

/** Creates the SQLite file (owner-only) when it does not exist yet; refuses a missing directory. */
function prepareSqliteFile(file: string): void {
  if (file === ':memory:') return;
  const dir = path.dirname(path.resolve(file));
  if (!fs.existsSync(dir)) throw new Error(`DATABASE_URL: the directory ${dir} does not exist; create it first`);
  if (!fs.existsSync(file)) fs.closeSync(fs.openSync(file, 'a', 0o600));
}

type SqliteConnection = { pragma(s: string): unknown; prepare(sql: string): unknown };

/** Makes the connection begin every transaction with the write lock (see the file comment). */
export function beginImmediate<C extends SqliteConnection>(conn: C): C {
  const prepare = conn.prepare.bind(conn);
  conn.prepare = (sql: string) => prepare(sql === 'BEGIN;' ? 'BEGIN IMMEDIATE;' : sql);
  return conn;
}

function openSqlite(file: string, opts: OpenDatabaseOptions): Knex {
  prepareSqliteFile(file);
  return knexFactory({
    log: knexLog(opts.logger),
    client: 'better-sqlite3',
    connection: { filename: file },
    useNullAsDefault: true,
    pool: {
      min: 1,
      max: 1,
      afterCreate(conn: SqliteConnection, done: (err: Error | null, conn: unknown) => void) {
        conn.pragma('journal_mode = WAL');
        conn.pragma('busy_timeout = 5000');
        conn.pragma('synchronous = NORMAL');
        conn.pragma('foreign_keys = ON');
        beginImmediate(conn);
        opts.onSqliteConnection?.(conn);
        done(null, conn);
      },
    },
  });
}

/** Creates a knex instance for the target (see the file comment for what SQLite gets). */
export function openDatabase(target: DatabaseTarget | string, opts: OpenDatabaseOptions = {}): Knex {
  const t = typeof target === 'string' ? parseDatabaseUrl(target) : target;
  if (t.engine === 'sqlite') return openSqlite(t.file, opts);
  const url = new URL(t.url);
  return knexFactory({
    log: knexLog(opts.logger),
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
