/**
 * The leased claim that schedule slots and record sweeps share: up to `limit` rows of a table
 * that are claimable now (the caller's condition, e.g. due and not leased or lease expired) get
 * `lease_owner` (a new fencing token of `workerId` per claim, lease-owner.ts; the rows come back
 * with it) and `lease_expires_at` in one step, and come back as rows. SQLite: one UPDATE …
 * RETURNING (the database's single write lock serialises claims). MariaDB/MySQL: SELECT … FOR
 * UPDATE SKIP LOCKED, then UPDATE, in one READ COMMITTED transaction — concurrent claimers skip
 * each other's rows instead of waiting. The owner file of `table` passes its own SQL pieces.
 */
import type { Knex } from 'knex';
import { engineOf } from './engine.js';
import { newLeaseOwner } from './lease-owner.js';

export interface LeaseClaim {
  table: string;
  /** SQL condition of a claimable row, with `?` placeholders for `params`. */
  claimable: string;
  params: Knex.Value[];
  /** ORDER BY of the claim, e.g. `due_at, id`. */
  orderBy: string;
  limit: number;
  workerId: string;
  /** Lease expiry written into the claimed rows (the caller's clock, epoch ms). */
  leaseExpiresAt: number;
}

/** The claimed rows, in `orderBy` order. */
export async function claimLeasedRows(db: Knex, c: LeaseClaim): Promise<Record<string, any>[]> {
  const owner = newLeaseOwner(c.workerId);
  if (engineOf(db) === 'sqlite') {
    const rows = await db.raw(
      `UPDATE ${c.table} SET lease_owner = ?, lease_expires_at = ? WHERE id IN (SELECT id FROM ${c.table} WHERE ${c.claimable} ORDER BY ${c.orderBy} LIMIT ?) RETURNING *`,
      [owner, c.leaseExpiresAt, ...c.params, c.limit],
    );
    return rows as Record<string, any>[];
  }
  return db.transaction(
    async (trx): Promise<Record<string, any>[]> => {
      const [picked] = await trx.raw(
        `SELECT id FROM ${c.table} WHERE ${c.claimable} ORDER BY ${c.orderBy} LIMIT ? FOR UPDATE SKIP LOCKED`,
        [...c.params, c.limit],
      );
      const ids = (picked as Array<{ id: number }>).map((r) => Number(r.id));
      if (ids.length === 0) return [];
      await trx(c.table).whereIn('id', ids).update({ lease_owner: owner, lease_expires_at: c.leaseExpiresAt });
      return trx(c.table).whereIn('id', ids).orderByRaw(c.orderBy);
    },
    { isolationLevel: 'read committed' },
  );
}
