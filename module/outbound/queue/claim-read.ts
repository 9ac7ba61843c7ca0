/**
 * What a delivery claim reads and picks (claim.ts runs it; SQL on `hookflow_deliveries`): ONE
 * plain read for the candidates, then the rate-limit tokens and the pure allotment
 * (claim-allot.ts). On MariaDB/MySQL it runs twice per claim: first unlocked, to learn which
 * destinations to lock, then under those destinations' locks, for them only (the exact one).
 */
import type { Knex } from 'knex';
import { engineOf, nowMsSql } from '../../storage/engine.js';
import { dueProbesSql, failingHostsSql, heldHostsSql } from './destinations.js';
import { lockRowExistsSql } from './destination-locks.js';
import { readTokenRoom, type RateLimits } from './rate-buckets.js';
import { slowHostsInFlight, slowLaneRoom, unprovenShare, type InFlightRequest } from '../lane-fairness.js';
import { allotByHost, countOwn, type ClaimCandidate } from './claim-allot.js';

// Due: queued and its time has come, or dispatched under an expired lease (its worker died
// mid-attempt; the receiver may have seen it, which is why webhook-id stays the same).
export const dueQueued = (now: string) => `status = 'queued' AND next_attempt_at <= ${now}`;
export const dueExpired = (now: string) => `status = 'dispatched' AND lease_expires_at < ${now}`;

/** This worker's lanes and requests in flight (lane-fairness.ts). */
export type Fairness = {
  lanes: number;
  inFlight: readonly InFlightRequest[];
  nowMs: number;
  answering: ReadonlySet<string>;
};

export interface ClaimRead {
  rows: Array<Record<string, unknown>>;
  /** Kind 1 rows (due heads and probes), oldest due first; probes (`at` 0) first of all. */
  candidates: Array<ClaimCandidate & { at: number }>;
  /** Deliveries under an unexpired lease, per host. */
  inFlightByHost: Map<string, number>;
  /** Candidate hosts whose lock row exists (only when asked: `lockRows`). */
  lockRows: Set<string>;
}

export interface ReadScope {
  cap: number;
  windowSize: number;
  hold: boolean;
  fairness: Fairness | undefined;
  /** Only deliveries to these destinations (the ones this claim locked). Default every one. */
  hosts?: readonly string[];
  /** Also say which candidate hosts have a lock row (destination-locks.ts). */
  lockRows?: boolean;
}

/**
 * ONE plain read (one round trip): deliveries in flight per host (unexpired leases; kind 0 rows),
 * and the head of each due set in index order ((status, next_attempt_at, id)), cut to a window
 * and skipping hosts already full (kind 1 rows). A claim thus walks the head of the queue, never
 * sorts the backlog. A host with more due rows than room can fill part of the window; the next
 * claim (that host then full and skipped) reaches the rest, so nothing starves.
 */
export async function readClaimRows(q: Knex | Knex.Transaction, s: ReadScope): Promise<ClaimRead> {
  const now = nowMsSql(q);
  const only = s.hosts ? ` AND destination_host IN (${s.hosts.map(() => '?').join(',')})` : '';
  const inFlight = `FROM hookflow_deliveries WHERE status = 'dispatched' AND lease_expires_at >= ${now}${only} GROUP BY destination_host`;
  const hold = s.hold;
  const notHeld = hold ? ` AND destination_host NOT IN (${heldHostsSql()})` : '';
  const head = (
    due: string,
  ) => `SELECT * FROM (SELECT 1 AS kind, destination_host AS host, 0 AS n, id, next_attempt_at AS at
    FROM hookflow_deliveries WHERE ${due}${notHeld}${only} AND destination_host NOT IN (SELECT destination_host ${inFlight} HAVING COUNT(*) >= ?)
    ORDER BY next_attempt_at, id LIMIT ?) h`;
  const probes = hold ? ` UNION ALL SELECT * FROM (${dueProbesSql(now)}) p` : '';
  const failing = s.fairness ? ` UNION ALL SELECT * FROM (${failingHostsSql()}) f` : '';
  const union = `SELECT 0 AS kind, destination_host AS host, COUNT(*) AS n, 0 AS id, 0 AS at ${inFlight}
    UNION ALL ${head(dueQueued(now))} UNION ALL ${head(dueExpired(now))}${probes}${failing}`;
  const sql = s.lockRows
    ? `SELECT u.*, CASE WHEN u.kind = 1 THEN ${lockRowExistsSql('u.host')} ELSE 0 END AS lock_row FROM (${union}) u`
    : union;
  const h = s.hosts ?? [];
  const result = await q.raw(sql, [...h, ...h, ...h, s.cap, s.windowSize, ...h, ...h, s.cap, s.windowSize]);
  const all = (engineOf(q) === 'mysql' ? result[0] : result) as Array<Record<string, unknown>>;
  // Probes come from every held destination: keep those of the scope's.
  const inScope = (host: string) => s.hosts === undefined || s.hosts.includes(host);
  const rows = all.filter((r) => Number(r.kind) !== 1 || inScope(String(r.host)));
  const kind1 = rows.filter((r) => Number(r.kind) === 1);
  return {
    rows,
    inFlightByHost: new Map(rows.filter((r) => Number(r.kind) === 0).map((r) => [String(r.host), Number(r.n)])),
    candidates: kind1
      .map((r) => ({ id: Number(r.id), host: String(r.host), at: Number(r.at) }))
      .sort((a, b) => a.at - b.at || a.id - b.id),
    lockRows: new Set(kind1.filter((r) => Number(r.lock_row) === 1).map((r) => String(r.host))),
  };
}

export type SpendTokens = (leasedIds: number[]) => Promise<void>;

export interface Picked {
  ids: number[];
  probes: ClaimCandidate[];
  spend: SpendTokens;
}

/** The ids to lease from a read: the tokens of its candidate hosts (one more read), then the allotment. */
export async function pickFromRead(
  q: Knex.Transaction,
  read: ClaimRead,
  limit: number,
  cap: number,
  rates: RateLimits,
  fairness: Fairness | undefined,
): Promise<Picked> {
  const { candidates } = read;
  // Nothing due: no bucket read (an idle poll stays one round trip).
  const tokens =
    candidates.length === 0
      ? null
      : await readTokenRoom(
          q,
          candidates.map((c) => c.host),
          rates,
        );
  const ids = allotByHost(candidates, read.inFlightByHost, cap, limit, tokens?.room, slowRoomOf(fairness, read.rows));
  // A probe is the only candidate of a held host (its host is skipped in the due sets).
  const taken = new Set(ids);
  const hostOf = new Map(candidates.map((c) => [c.id, c.host]));
  return {
    ids,
    probes: candidates.filter((c) => c.at === 0 && taken.has(c.id)),
    spend: (leased) => tokens?.spend(countByHost(leased, hostOf)) ?? Promise.resolve(),
  };
}

/** Slow destinations (in flight too long here, or failing lately) and the lanes left for them. */
export function slowRoomOf(fairness: Fairness | undefined, rows: Array<Record<string, unknown>>) {
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
