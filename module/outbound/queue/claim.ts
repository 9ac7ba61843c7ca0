/**
 * Claiming due deliveries under a lease (owner of the claim SQL on `hookflow_deliveries`).
 * Invariant: a delivery is `dispatched` only while a worker holds its lease.
 */
import type { Knex } from 'knex';
import { engineOf, nowMsSql } from '../../storage/engine.js';
import { deliveryFromRow, type Delivery } from './read.js';
import { dueProbesSql, failingHostsSql, heldHostsSql, markProbesLeased } from './destinations.js';
import { NO_RATE_LIMITS, readTokenRoom, type RateLimits } from './rate-buckets.js';
import { slowHostsInFlight, slowLaneRoom, unprovenShare, type InFlightRequest } from '../lane-fairness.js';
import { allotByHost, countOwn, type ClaimCandidate } from './claim-allot.js';

// Due: queued and its time has come, or dispatched under an expired lease (its worker died
// mid-attempt; the receiver may have seen it, which is why webhook-id stays the same).
const dueQueued = (now: string) => `status = 'queued' AND next_attempt_at <= ${now}`;
const dueExpired = (now: string) => `status = 'dispatched' AND lease_expires_at < ${now}`;

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
  fairness?: { lanes: number; inFlight: readonly InFlightRequest[]; nowMs: number; answering: ReadonlySet<string> };
}

/**
 * The ids to lease, from ONE plain read (one round trip): deliveries in flight per host
 * (unexpired leases; kind 0 rows), and the head of each due set in index order ((status,
 * next_attempt_at, id)), cut to a window and skipping hosts already full (kind 1 rows). A claim
 * thus walks the head of the queue, never sorts the backlog. A host with more due rows than room
 * can fill part of the window; the next claim (that host then full and skipped) reaches the rest,
 * so nothing starves.
 */
async function pickIds(
  q: Knex.Transaction,
  limit: number,
  cap: number,
  hold: boolean,
  rates: RateLimits,
  fairness: ClaimOptions['fairness'],
): Promise<{ ids: number[]; probes: ClaimCandidate[]; hostOf: Map<number, string>; spend: SpendTokens }> {
  const now = nowMsSql(q);
  const inFlight = `FROM hookflow_deliveries WHERE status = 'dispatched' AND lease_expires_at >= ${now} GROUP BY destination_host`;
  const notHeld = hold ? ` AND destination_host NOT IN (${heldHostsSql()})` : '';
  const head = (
    due: string,
  ) => `SELECT * FROM (SELECT 1 AS kind, destination_host AS host, 0 AS n, id, next_attempt_at AS at
    FROM hookflow_deliveries WHERE ${due}${notHeld} AND destination_host NOT IN (SELECT destination_host ${inFlight} HAVING COUNT(*) >= ?)
    ORDER BY next_attempt_at, id LIMIT ?) h`;
  const windowSize = Math.max(limit * 4, 64);
  const probes = hold ? ` UNION ALL SELECT * FROM (${dueProbesSql(now)}) p` : '';
  const failing = fairness ? ` UNION ALL SELECT * FROM (${failingHostsSql()}) f` : '';
  const result = await q.raw(
    `SELECT 0 AS kind, destination_host AS host, COUNT(*) AS n, 0 AS id, 0 AS at ${inFlight}
    UNION ALL ${head(dueQueued(now))} UNION ALL ${head(dueExpired(now))}${probes}${failing}`,
    [cap, windowSize, cap, windowSize],
  );
  const rows = (engineOf(q) === 'mysql' ? result[0] : result) as Array<Record<string, unknown>>;
  const inFlightByHost = new Map(rows.filter((r) => Number(r.kind) === 0).map((r) => [String(r.host), Number(r.n)]));
  const candidates = rows
    .filter((r) => Number(r.kind) === 1)
    .map((r) => ({ id: Number(r.id), host: String(r.host), at: Number(r.at) }))
    .sort((a, b) => a.at - b.at || a.id - b.id);
  // Nothing due: no bucket read (an idle poll stays one round trip).
  const tokens =
    candidates.length === 0
      ? null
      : await readTokenRoom(
          q,
          candidates.map((c) => c.host),
          rates,
        );
  const ids = allotByHost(candidates, inFlightByHost, cap, limit, tokens?.room, slowRoomOf(fairness, rows));
  // A probe is the only candidate of a held host (its host is skipped in the due sets).
  const taken = new Set(ids);
  const hostOf = new Map(candidates.map((c) => [c.id, c.host]));
  return {
    ids,
    probes: candidates.filter((c) => c.at === 0 && taken.has(c.id)),
    hostOf,
    spend: (leased) => tokens?.spend(countByHost(leased, hostOf)) ?? Promise.resolve(),
  };
}

type SpendTokens = (leasedIds: number[]) => Promise<void>;

/** Slow destinations (in flight too long here, or failing lately) and the lanes left for them. */
function slowRoomOf(fairness: ClaimOptions['fairness'], rows: Array<Record<string, unknown>>) {
  if (!fairness) return undefined;
  const hosts = slowHostsInFlight(fairness.inFlight, fairness.nowMs);
  for (const r of rows) if (Number(r.kind) === 2) hosts.add(String(r.host));
  return {
    hosts,
    room: slowLaneRoom(fairness.lanes, fairness.inFlight, hosts),
    proven: fairness.answering,
    unprovenCap: unprovenShare(fairness.lanes),
    own: countOwn(fairness.inFlight),
  };
}

function countByHost(ids: number[], hostOf: ReadonlyMap<number, string>): Map<string, number> {
  const n = new Map<string, number>();
  for (const id of ids) {
    const host = hostOf.get(id);
    if (host !== undefined) n.set(host, (n.get(host) ?? 0) + 1);
  }
  return n;
}

/** A leased delivery, with the database clock at the moment it was leased. */
export type ClaimedDelivery = Delivery & { claimedAtMs: number };

const byDueOrder = (a: Delivery, b: Delivery) => a.nextAttemptAt - b.nextAttemptAt || a.id - b.id;
const claimedFromRow = (r: Record<string, any>): ClaimedDelivery => ({
  ...deliveryFromRow(r),
  status: 'dispatched',
  claimedAtMs: Number(r.claimed_at_ms),
});

/**
 * Leases up to `limit` due deliveries to `workerId`, oldest due first, honouring the per-host cap.
 * With `holdDestinations`, a held destination's deliveries are skipped except its probe (its
 * oldest unfinished delivery, once the probe is due), which is marked leased in the same transaction.
 *
 * Guarantee: at no time do more than `perHostConcurrency` deliveries to one host hold an
 * unexpired lease, whatever the number of worker processes. Claims are serialised, so each one
 * sees every earlier claim's leases: on SQLite the claim is one transaction holding the database's
 * single write lock from its first statement; on MariaDB/MySQL a server-wide named lock (GET_LOCK, per database) is held
 * around the claim transaction until after COMMIT. (SKIP LOCKED alone would not do: two
 * concurrent claims would both see the same free room and together lease up to twice the cap.)
 * The picked rows are re-checked as due when leased (under FOR UPDATE SKIP LOCKED on
 * MariaDB/MySQL). The only way past the cap is a lease that expires while its worker is still
 * sending (a frozen worker outliving `leaseSeconds`, which must exceed the request timeout): the
 * delivery is leased again and both may be in flight. That is inherent to leases.
 */
export async function claimDueDeliveries(
  db: Knex,
  workerId: string,
  limit: number,
  opts: ClaimOptions,
): Promise<ClaimedDelivery[]> {
  if (limit <= 0) return [];
  const cap = Math.max(1, opts.perHostConcurrency);
  const now = nowMsSql(db);
  const set = `status = 'dispatched', lease_owner = ?, lease_expires_at = ${now} + ?, updated_at = ${now}`;
  const lease = [workerId, opts.leaseSeconds * 1000];
  const hold = opts.holdDestinations === true;
  const rates = opts.rateLimits ?? NO_RATE_LIMITS;
  // A probe is leased whether or not its own retry is due (it tests the destination).
  const stillDue = (probes: ClaimCandidate[]) =>
    `((${dueQueued(now)}) OR (${dueExpired(now)})${probes.length > 0 ? ` OR (status = 'queued' AND id IN (${probes.map((p) => p.id).join(',')}))` : ''})`;
  const leasedProbes = (picked: { probes: ClaimCandidate[] }, rows: Record<string, any>[]) =>
    picked.probes.filter((p) => rows.some((r) => Number(r.id) === p.id));
  if (engineOf(db) === 'sqlite') {
    return db.transaction(async (trx) => {
      // Take the write lock before reading (what BEGIN IMMEDIATE does; knex issues plain BEGIN):
      // another process on the same file then waits its busy_timeout instead of failing later.
      await trx.raw('UPDATE hookflow_deliveries SET id = id WHERE 0');
      const picked = await pickIds(trx, limit, cap, hold, rates, opts.fairness);
      if (picked.ids.length === 0) return [];
      const rows = await trx.raw(
        `UPDATE hookflow_deliveries SET ${set} WHERE id IN (${picked.ids.map(() => '?').join(',')}) AND ${stillDue(picked.probes)} RETURNING *, ${now} AS claimed_at_ms`,
        [...lease, ...picked.ids],
      );
      await markProbesLeased(trx, leasedProbes(picked, rows), opts.leaseSeconds * 1000);
      await picked.spend((rows as Record<string, any>[]).map((r) => Number(r.id)));
      return (rows as Record<string, any>[]).map(claimedFromRow).sort(byDueOrder);
    });
  }
  return withClaimLock(db, async (conn) =>
    db.transaction(
      async (trx) => {
        const picked = await pickIds(trx, limit, cap, hold, rates, opts.fairness);
        if (picked.ids.length === 0) return [];
        const [locked] = await trx.raw(
          `SELECT *, ${now} AS claimed_at_ms FROM hookflow_deliveries WHERE id IN (${picked.ids.map(() => '?').join(',')}) AND ${stillDue(picked.probes)} FOR UPDATE SKIP LOCKED`,
          picked.ids,
        );
        const rows = locked as Record<string, any>[];
        if (rows.length === 0) return [];
        await trx.raw(`UPDATE hookflow_deliveries SET ${set} WHERE id IN (${rows.map(() => '?').join(',')})`, [
          ...lease,
          ...rows.map((r) => r.id),
        ]);
        await markProbesLeased(trx, leasedProbes(picked, rows), opts.leaseSeconds * 1000);
        await picked.spend(rows.map((r) => Number(r.id)));
        return rows.map(claimedFromRow).sort(byDueOrder);
      },
      { connection: conn },
    ),
  );
}

/** Seconds a claim waits for another worker's claim to finish before giving up this round. */
const CLAIM_LOCK_WAIT_SECONDS = 10;

/**
 * Runs `fn` holding the per-database named lock that serialises delivery claims on
 * MariaDB/MySQL, on one pooled connection (named locks belong to a connection, and must outlive
 * the transaction's COMMIT). A dead worker's lock dies with its connection. Returns [] when the
 * lock could not be had in time: the worker simply claims again on its next round.
 */
export async function withClaimLock<T>(db: Knex, fn: (conn: unknown) => Promise<T[]>): Promise<T[]> {
  const client = db.client as {
    acquireConnection(): Promise<unknown>;
    releaseConnection(c: unknown): Promise<void> | void;
  };
  const conn = await client.acquireConnection();
  // MySQL 8 allows lock names of at most 64 characters: 12 + 40 here.
  const name = "CONCAT('hookflow_dq_', SHA1(DATABASE()))";
  try {
    const [rows] = await db.raw(`SELECT GET_LOCK(${name}, ?) AS got`, [CLAIM_LOCK_WAIT_SECONDS]).connection(conn);
    if (Number((rows as Array<{ got: unknown }>)[0]?.got) !== 1) return [];
    try {
      return await fn(conn);
    } finally {
      await db.raw(`DO RELEASE_LOCK(${name})`).connection(conn);
    }
  } finally {
    await client.releaseConnection(conn);
  }
}
