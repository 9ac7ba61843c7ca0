/**
 * Claiming due deliveries under a lease (owner of the claim SQL on `hookflow_deliveries`).
 * Invariant: a delivery is `dispatched` only while a worker holds its lease.
 */
import type { Knex } from 'knex';
import { engineOf, nowMsSql } from '../../storage/engine.js';
import { newLeaseOwner } from '../../storage/lease-owner.js';
import { deliveryFromRow, type Delivery } from './read.js';
import { markProbesLeased } from './destinations.js';
import { ensureDestinationLocks, lockFreeDestinations, waitForDestinationLock } from './destination-locks.js';
import { NO_RATE_LIMITS, type RateLimits } from './rate-buckets.js';
import { allotByHost, type ClaimCandidate } from './claim-allot.js';
import {
  dueExpired,
  dueQueued,
  pickFromRead,
  readClaimRows,
  slowRoomOf,
  type ClaimRead,
  type Fairness,
  type Picked,
  type ReadScope,
} from './claim-read.js';

export interface ClaimOptions {
  leaseSeconds: number;
  /** Most deliveries to one destination host (host:port) under an unexpired lease, across ALL workers. */
  perHostConcurrency: number;
  /**
   * Skip held destinations (see destinations.ts), except one probe each when it is due: their
   * oldest unfinished delivery. Default false (every due delivery is claimable).
   */
  holdDestinations?: boolean;
  /**
   * Per-destination request limits (../rate-limit.ts), spent inside the claim. Default none; a
   * receiver's 429 pause holds either way.
   */
  rateLimits?: RateLimits;
  /**
   * This worker's lanes and requests in flight (lane-fairness.ts): deliveries to slow or failing
   * destinations then take at most half of the lanes. Default none (no reservation).
   */
  fairness?: Fairness;
}

/**
 * A leased delivery, with the database clock at the moment it was leased and the claim's
 * fencing token (storage/lease-owner.ts): every write under the lease checks that token.
 */
export type ClaimedDelivery = Delivery & { claimedAtMs: number; leaseOwner: string };

const byDueOrder = (a: Delivery, b: Delivery) => a.nextAttemptAt - b.nextAttemptAt || a.id - b.id;
export const claimedFromRow = (r: Record<string, any>, leaseOwner: string): ClaimedDelivery => ({
  ...deliveryFromRow(r),
  status: 'dispatched',
  claimedAtMs: Number(r.claimed_at_ms),
  leaseOwner,
});

/** One claim's parameters, worked out once. */
interface Claim {
  /** This claim's fencing token, written as lease_owner. */
  owner: string;
  limit: number;
  cap: number;
  opts: ClaimOptions;
  rates: RateLimits;
  scope: ReadScope;
}

/**
 * Leases up to `limit` due deliveries to `workerId`, oldest due first, honouring the per-host cap.
 * With `holdDestinations`, a held destination's deliveries are skipped except its probe (its
 * oldest unfinished delivery, once the probe is due), which is marked leased in the same transaction.
 *
 * Guarantee: at no time do more than `perHostConcurrency` deliveries to one host hold an
 * unexpired lease, whatever the number of worker processes. Claims of one destination are
 * serialised, so each sees every earlier claim's leases of it: on SQLite the claim is one
 * transaction holding the database's single write lock from its first statement; on
 * MariaDB/MySQL the claim leases only deliveries to destinations whose lock row it holds
 * (destination-locks.ts), and claims of other destinations run at the same time. (SKIP LOCKED on
 * the deliveries alone would not do: two concurrent claims would both see the same free room and
 * together lease up to twice the cap.) The only way past the cap is a lease that expires while
 * its worker is still sending (a frozen worker outliving `leaseSeconds`, which must exceed the
 * request timeout): the delivery is leased again and both may be in flight. That is inherent to leases.
 */
export async function claimDueDeliveries(
  db: Knex,
  workerId: string,
  limit: number,
  opts: ClaimOptions,
): Promise<ClaimedDelivery[]> {
  if (limit <= 0) return [];
  const cap = Math.max(1, opts.perHostConcurrency);
  const hold = opts.holdDestinations === true;
  const scope = { cap, windowSize: Math.max(limit * 4, 64), hold, fairness: opts.fairness };
  const c: Claim = {
    owner: newLeaseOwner(workerId),
    limit,
    cap,
    opts,
    rates: opts.rateLimits ?? NO_RATE_LIMITS,
    scope,
  };
  return engineOf(db) === 'sqlite' ? claimOnSqlite(db, c) : claimOnMysql(db, c);
}

/** The lease's SET clause and its parameters, and the re-check that a picked row is still due. */
function leaseSql(q: Knex | Knex.Transaction, c: Claim) {
  const now = nowMsSql(q);
  return {
    now,
    set: `status = 'dispatched', lease_owner = ?, lease_expires_at = ${now} + ?, updated_at = ${now}`,
    params: [c.owner, c.opts.leaseSeconds * 1000],
    // A probe is leased whether or not its own retry is due (it tests the destination).
    stillDue: (probes: ClaimCandidate[]) =>
      `((${dueQueued(now)}) OR (${dueExpired(now)})${probes.length > 0 ? ` OR (status = 'queued' AND id IN (${probes.map((p) => p.id).join(',')}))` : ''})`,
  };
}

/** The claim's last writes (probes marked, tokens spent), in its transaction. */
async function finishLease(trx: Knex.Transaction, c: Claim, picked: Picked, rows: Record<string, any>[]) {
  const leasedProbes = picked.probes.filter((p) => rows.some((r) => Number(r.id) === p.id));
  await markProbesLeased(trx, leasedProbes, c.opts.leaseSeconds * 1000);
  await picked.spend(rows.map((r) => Number(r.id)));
  return rows.map((r) => claimedFromRow(r, c.owner)).sort(byDueOrder);
}

function claimOnSqlite(db: Knex, c: Claim): Promise<ClaimedDelivery[]> {
  return db.transaction(async (trx) => {
    // Take the write lock before reading (what BEGIN IMMEDIATE does; knex issues plain BEGIN):
    // another process on the same file then waits its busy_timeout instead of failing later.
    await trx.raw('UPDATE hookflow_deliveries SET id = id WHERE 0');
    const read = await readClaimRows(trx, c.scope);
    const picked = await pickFromRead(trx, read, c.limit, c.cap, c.rates, c.opts.fairness);
    if (picked.ids.length === 0) return [];
    const l = leaseSql(trx, c);
    const rows = await trx.raw(
      `UPDATE hookflow_deliveries SET ${l.set} WHERE id IN (${picked.ids.map(() => '?').join(',')}) AND ${l.stillDue(picked.probes)} RETURNING *, ${l.now} AS claimed_at_ms`,
      [...l.params, ...picked.ids],
    );
    return finishLease(trx, c, picked, rows as Record<string, any>[]);
  });
}

/**
 * MariaDB/MySQL: an unlocked read finds the candidates (an idle poll ends there: one round trip),
 * then the transaction locks their destinations and reads again, for those only, under the locks.
 */
async function claimOnMysql(db: Knex, c: Claim): Promise<ClaimedDelivery[]> {
  const first = await readClaimRows(db, { ...c.scope, lockRows: true });
  if (first.candidates.length === 0) return [];
  await ensureDestinationLocks(
    db,
    first.candidates.map((x) => x.host).filter((h) => !first.lockRows.has(h)),
  );
  return db.transaction(async (trx) => {
    const hosts = await lockDestinationsOf(trx, c, first);
    if (hosts.length === 0) return [];
    const read = await readClaimRows(trx, { ...c.scope, hosts });
    const picked = await pickFromRead(trx, read, c.limit, c.cap, c.rates, c.opts.fairness);
    if (picked.ids.length === 0) return [];
    const l = leaseSql(trx, c);
    const [locked] = await trx.raw(
      `SELECT *, ${l.now} AS claimed_at_ms FROM hookflow_deliveries WHERE id IN (${picked.ids.map(() => '?').join(',')}) AND ${l.stillDue(picked.probes)} FOR UPDATE SKIP LOCKED`,
      picked.ids,
    );
    const rows = locked as Record<string, any>[];
    if (rows.length === 0) return [];
    await trx.raw(`UPDATE hookflow_deliveries SET ${l.set} WHERE id IN (${rows.map(() => '?').join(',')})`, [
      ...l.params,
      ...rows.map((r) => r.id),
    ]);
    return finishLease(trx, c, picked, rows);
  });
}

/**
 * The destinations this claim locks: those it would lease from by the unlocked read (tokens
 * aside), skipping any another claim holds — then, once, the next ones in due order in their
 * place. Only when it got none does it wait, for the destination of the oldest due delivery it
 * wanted (it holds no lock then), then takes the others that are free by then: a busy
 * destination's claims queue up instead of polling.
 */
async function lockDestinationsOf(trx: Knex.Transaction, c: Claim, first: ClaimRead): Promise<string[]> {
  const slow = slowRoomOf(c.opts.fairness, first.rows);
  const wanted = (busy: ReadonlySet<string>) => {
    const ids = allotByHost(
      first.candidates.filter((x) => !busy.has(x.host)),
      first.inFlightByHost,
      c.cap,
      c.limit,
      undefined,
      slow,
    );
    const hostOf = new Map(first.candidates.map((x) => [x.id, x.host]));
    return [...new Set(ids.map((id) => hostOf.get(id)!))];
  };
  const tried: string[] = [];
  const got = new Set<string>();
  for (let round = 0; round < 2; round++) {
    const busy = new Set(tried.filter((h) => !got.has(h)));
    const next = wanted(busy).filter((h) => !tried.includes(h));
    if (next.length === 0) break;
    tried.push(...next);
    for (const h of await lockFreeDestinations(trx, next)) got.add(h);
    if (got.size === tried.length) break;
  }
  if (got.size > 0) return [...got];
  if (tried.length === 0) return [];
  if (!(await waitForDestinationLock(trx, tried[0]))) return [];
  // The claim it waited for has committed: the other destinations it wanted may be free now.
  return [tried[0], ...(await lockFreeDestinations(trx, tried.slice(1)))];
}
