/**
 * SQLite file size (issue 16): deleted rows only put pages on the free list, so a file that once
 * held a million deliveries stays that big after retention prunes them. With
 * `auto_vacuum = INCREMENTAL` the free pages can be handed back to the file system a few at a
 * time (`PRAGMA incremental_vacuum(N)`), which retention does after each pass. MySQL/MariaDB
 * manage their own space: nothing happens there.
 */
import type { Knex } from 'knex';
import { engineOf } from './engine.js';

/** `PRAGMA auto_vacuum` value of INCREMENTAL (0 = NONE, 1 = FULL). */
export const AUTO_VACUUM_INCREMENTAL = 2;

function firstValue(rows: unknown): unknown {
  const row = (Array.isArray(rows) ? rows[0] : rows) as Record<string, unknown> | undefined;
  return row ? Object.values(row)[0] : undefined;
}

/** The file's `PRAGMA <name>` as a number (auto_vacuum, page_count, freelist_count …). */
export async function sqlitePragmaNumber(db: Knex, name: string): Promise<number> {
  return Number(firstValue(await db.raw(`PRAGMA ${name}`)));
}

/**
 * Switches a SQLite file to incremental auto-vacuum once. On an existing file the mode only takes
 * effect through a full VACUUM (a rewrite of the file: instant when new, seconds for a big one;
 * it runs outside any transaction, here at migration time). A VACUUM that cannot get the file
 * (another process is busy in it) is left for the next start: the pragma still reads 0 then.
 */
export async function ensureIncrementalVacuum(db: Knex): Promise<void> {
  if (engineOf(db) !== 'sqlite') return;
  if ((await sqlitePragmaNumber(db, 'auto_vacuum')) === AUTO_VACUUM_INCREMENTAL) return;
  await db.raw('PRAGMA auto_vacuum = INCREMENTAL');
  try {
    await db.raw('VACUUM');
  } catch (err) {
    if (!/SQLITE_BUSY|SQLITE_LOCKED/.test(String((err as { code?: unknown }).code ?? err))) throw err;
  }
}

/**
 * Hands at most `pages` free pages back to the file system (SQLite only; a no-op elsewhere and
 * on files not in incremental mode). Bounded so one retention pass never holds the write lock
 * for long; the rest goes on the next passes. Through the driver's `pragma()` on the raw
 * connection: the pragma frees one page per step, and knex steps a statement without rows once.
 */
export async function vacuumIncrementally(db: Knex, pages: number): Promise<void> {
  if (engineOf(db) !== 'sqlite') return;
  const pragma = `incremental_vacuum(${Math.max(0, Math.floor(pages))})`;
  const conn = (await db.client.acquireConnection()) as { pragma(source: string): unknown };
  try {
    conn.pragma(pragma);
  } finally {
    await db.client.releaseConnection(conn);
  }
}
