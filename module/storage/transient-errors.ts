/**
 * Database errors that say nothing about the work being done: the connection or the server
 * went away, or the database asks the client to try again. Work hit by one must be retried
 * (its lease expires and another claim picks it up), never recorded as failed.
 */
const TRANSIENT_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
  'ER_QUERY_INTERRUPTED',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  // Another process holds SQLite's write lock past the busy timeout, or wrote after this read began.
  'SQLITE_BUSY',
  'SQLITE_BUSY_SNAPSHOT',
  'SQLITE_BUSY_RECOVERY',
  'SQLITE_BUSY_TIMEOUT',
  'SQLITE_LOCKED',
]);

/** True for a lost connection, a server shutdown, a deadlock/lock timeout or a pool timeout. */
export function isTransientDbError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; fatal?: unknown; name?: unknown };
  // mysql2 marks every error that closed the connection as fatal.
  return e.fatal === true || TRANSIENT_CODES.has(String(e.code ?? '')) || e.name === 'KnexTimeoutError';
}
