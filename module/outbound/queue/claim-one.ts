/**
 * Leasing ONE given delivery now (a webhook whose run waits for its answer), under the same
 * rules as claimDueDeliveries: only a queued delivery (whatever its due time: the run asks for it
 * now) or one whose lease expired, and never past the per-host cap — the check runs under the
 * same serialisation as the batch claim (SQLite's write lock; its destination's lock row on
 * MariaDB/MySQL, destination-locks.ts).
 */
import type { Knex } from 'knex';
import { engineOf, nowMsSql } from '../../storage/engine.js';
import { newLeaseOwner } from '../../storage/lease-owner.js';
import { claimedFromRow, type ClaimedDelivery, type ClaimOptions } from './claim.js';
import { ensureDestinationLocks, lockRowExistsSql, waitForDestinationLock } from './destination-locks.js';
import { isDestinationHeld } from './destinations.js';
import { NO_RATE_LIMITS, readTokenRoom } from './rate-buckets.js';

/**
 * `leased`: yours now; `busy`: its host is at the cap or its rate limit, or another worker holds it (ask again);
 * `done`: finished or held; `destination_held`: its destination keeps failing, so it waits for the probe.
 */
export type LeaseOneResult =
  | { state: 'leased'; delivery: ClaimedDelivery }
  | { state: 'busy' }
  | { state: 'done'; status: string }
  | { state: 'missing' }
  | { state: 'destination_held'; host: string };

async function leaseIn(
  trx: Knex.Transaction,
  id: number,
  workerId: string,
  opts: ClaimOptions,
): Promise<LeaseOneResult> {
  const now = nowMsSql(trx);
  const [row] = await trx('hookflow_deliveries')
    .where({ id })
    .select('status', 'destination_host', trx.raw(`lease_expires_at < ${now} AS expired`));
  if (!row) return { state: 'missing' };
  const leasable = row.status === 'queued' || (row.status === 'dispatched' && Number(row.expired) === 1);
  if (!leasable) return row.status === 'dispatched' ? { state: 'busy' } : { state: 'done', status: row.status };
  if (opts.holdDestinations && (await isDestinationHeld(trx, row.destination_host)))
    return { state: 'destination_held', host: row.destination_host };
  const inFlight = await trx('hookflow_deliveries')
    .where({ destination_host: row.destination_host, status: 'dispatched' })
    .whereRaw(`lease_expires_at >= ${now}`)
    .count({ n: '*' })
    .first();
  if (Number(inFlight?.n ?? 0) >= Math.max(1, opts.perHostConcurrency)) return { state: 'busy' };
  // Its destination's rate limit (or a 429 pause) has no room now: ask again, as at the cap.
  const tokens = await readTokenRoom(trx, [row.destination_host], opts.rateLimits ?? NO_RATE_LIMITS);
  if ((tokens.room.get(row.destination_host) ?? Infinity) < 1) return { state: 'busy' };
  await tokens.spend(new Map([[row.destination_host, 1]]));
  const owner = newLeaseOwner(workerId);
  await trx.raw(
    `UPDATE hookflow_deliveries SET status = 'dispatched', lease_owner = ?, lease_expires_at = ${now} + ?, updated_at = ${now} WHERE id = ?`,
    [owner, opts.leaseSeconds * 1000, id],
  );
  const [leased] = await trx('hookflow_deliveries')
    .where({ id })
    .select('*', trx.raw(`${now} AS claimed_at_ms`));
  return { state: 'leased', delivery: claimedFromRow(leased, owner) };
}

export async function leaseDeliveryNow(
  db: Knex,
  id: number,
  workerId: string,
  opts: ClaimOptions,
): Promise<LeaseOneResult> {
  if (engineOf(db) === 'sqlite') {
    return db.transaction(async (trx) => {
      await trx.raw('UPDATE hookflow_deliveries SET id = id WHERE 0'); // the write lock first, as the batch claim takes it
      return leaseIn(trx, id, workerId, opts);
    });
  }
  // Its destination first (a plain read), so the transaction can lock it before reading anything.
  const [row] = await db('hookflow_deliveries as d')
    .where('d.id', id)
    .select('d.destination_host', db.raw(`${lockRowExistsSql('d.destination_host')} AS lock_row`));
  if (!row) return { state: 'missing' };
  const host = String(row.destination_host);
  // Only a missing lock row is inserted: an INSERT IGNORE of an existing one waits for its lock
  // while another claim holds it, and a lock wait timeout there would be thrown, not "busy".
  if (Number(row.lock_row) !== 1) await ensureDestinationLocks(db, [host]);
  return db.transaction(async (trx) =>
    // No lock in time: another claim of this destination is slow; the caller asks again.
    (await waitForDestinationLock(trx, host)) ? leaseIn(trx, id, workerId, opts) : { state: 'busy' as const },
  );
}
