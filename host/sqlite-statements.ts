/**
 * A prepared-statement cache for the reference host's SQLite connection. knex's better-sqlite3
 * dialect prepares every query anew (`connection.prepare(sql)` per call), which was ~6 % of the
 * short URL handler's CPU. Reusing a statement is safe here: better-sqlite3 runs `all()` and
 * `run()` to completion synchronously, so a cached statement is never busy when it is handed
 * out again, and SQLite re-prepares a statement by itself after a schema change.
 */

interface Preparer {
  prepare(sql: string): unknown;
}

/** Makes `conn.prepare` return the cached statement for SQL it saw recently. Default size 500 (least recently used go first). */
export function cachePreparedStatements<C extends Preparer>(conn: C, size = 500): C {
  const prepare = conn.prepare.bind(conn);
  const cache = new Map<string, unknown>();
  conn.prepare = (sql: string) => {
    let statement = cache.get(sql);
    if (statement !== undefined) {
      cache.delete(sql); // re-insert: Map order is the recency order
    } else {
      statement = prepare(sql);
      if (cache.size >= size) cache.delete(cache.keys().next().value as string);
    }
    cache.set(sql, statement);
    return statement;
  };
  return conn;
}
