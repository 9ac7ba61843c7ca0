/**
 * Per-destination claim locks on MariaDB/MySQL (owner of `hookflow_destination_locks`). A claim
 * leases deliveries only to destinations whose row it holds locked (`FOR UPDATE`, until its
 * COMMIT), so claims of ONE destination are serialised — each sees every earlier lease, token
 * spent and probe marked for it, which keeps the per-host cap, the rate limit and "one probe at a
 * time" exact across processes — while claims of different destinations never wait for each
 * other. There is no counter to leak: a lock dies with its transaction (or its connection), and
 * what is in flight is counted from the leases themselves.
 *
 * No deadlocks: lock rows are only created outside any transaction (autocommitted), a claim
 * takes its locks with SKIP LOCKED (never waits), and waits only for ONE row while it holds none.
 */
import type { Knex } from 'knex';
import { nowMsSql } from '../../storage/engine.js';

const TABLE = 'hookflow_destination_locks';

/** SQL: 1 when the lock row of the host in `hostColumn` exists (the claim's first read asks). */
export const lockRowExistsSql = (hostColumn: string): string =>
  `EXISTS (SELECT 1 FROM ${TABLE} l WHERE l.destination_host = ${hostColumn})`;

/**
 * Creates the lock rows of `hosts` that are missing, autocommitted and BEFORE the claim's
 * transaction (an insert inside it would lock a new row and could wait for another claim while
 * holding locks of its own).
 */
export async function ensureDestinationLocks(db: Knex, hosts: string[]): Promise<void> {
  if (hosts.length === 0) return;
  await db(TABLE)
    .insert([...new Set(hosts)].map((h) => ({ destination_host: h, created_at: db.raw(nowMsSql(db)) })))
    .onConflict('destination_host')
    .ignore();
}

/**
 * Locks, for this transaction, those of `hosts` no other claim holds (SKIP LOCKED: never waits).
 * Must come before the transaction's first plain read: InnoDB's snapshot (REPEATABLE READ) is
 * taken at that read, so it then includes every lease committed by the lock's previous holder.
 */
export async function lockFreeDestinations(trx: Knex.Transaction, hosts: string[]): Promise<Set<string>> {
  if (hosts.length === 0) return new Set();
  const [rows] = await trx.raw(
    `SELECT destination_host FROM ${TABLE} WHERE destination_host IN (${hosts.map(() => '?').join(',')}) FOR UPDATE SKIP LOCKED`,
    hosts,
  );
  return new Set((rows as Array<{ destination_host: string }>).map((r) => String(r.destination_host)));
}

/** MySQL/MariaDB's "Lock wait timeout exceeded". */
const LOCK_WAIT_TIMEOUT = 1205;

/**
 * Waits for `host`'s lock (the caller holds no other lock, so this cannot deadlock); false when
 * the server's lock wait timeout ran out or the row is missing (the caller claims again later).
 */
export async function waitForDestinationLock(trx: Knex.Transaction, host: string): Promise<boolean> {
  try {
    const [rows] = await trx.raw(`SELECT destination_host FROM ${TABLE} WHERE destination_host = ? FOR UPDATE`, [host]);
    return (rows as unknown[]).length === 1;
  } catch (err) {
    if ((err as { errno?: unknown }).errno === LOCK_WAIT_TIMEOUT) return false;
    throw err;
  }
}

/** Lock rows looked at per retention pass. */
const PRUNE_BATCH = 1000;

/**
 * Retention: drops lock rows created before `cutoffMs` whose host has no unfinished delivery
 * (queued, dispatched or held), up to PRUNE_BATCH per pass; returns how many went. Safe without
 * an atomic check: a claim whose row went (or goes while it waits) leases nothing to that host
 * this time, and its next claim recreates the row (ensureDestinationLocks) before locking it.
 * Each statement autocommits and locks no delivery, so this never deadlocks with a claim.
 */
export async function pruneQuietDestinationLocks(db: Knex, cutoffMs: number): Promise<number> {
  const old = (await db(TABLE).where('created_at', '<', cutoffMs).limit(PRUNE_BATCH).select('destination_host')).map(
    (r) => String(r.destination_host),
  );
  if (old.length === 0) return 0;
  const busy = new Set(
    (
      await db('hookflow_deliveries')
        .whereIn('status', ['queued', 'dispatched', 'held'])
        .whereIn('destination_host', old)
        .distinct('destination_host')
    ).map((r) => String(r.destination_host)),
  );
  const quiet = old.filter((h) => !busy.has(h));
  if (quiet.length === 0) return 0;
  return db(TABLE).whereIn('destination_host', quiet).where('created_at', '<', cutoffMs).delete();
}
