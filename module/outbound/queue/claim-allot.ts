/**
 * Which due deliveries one claim leases (PURE; claim.ts runs the SQL): the per-destination cap,
 * rate-limit tokens and lane fairness (../lane-fairness.ts), in due order.
 */
import type { InFlightRequest } from '../lane-fairness.js';

/** Lane fairness for one claim (lane-fairness.ts): slow destinations' room, and caps of unproven ones. */
export interface SlowLanes {
  hosts: ReadonlySet<string>;
  room: number;
  /** Destinations this worker saw answering; to the others it has at most `unprovenCap` in flight. Default: all proven. */
  proven?: ReadonlySet<string>;
  unprovenCap?: number;
  /** This worker's requests in flight per destination (for `unprovenCap`). */
  own?: ReadonlyMap<string, number>;
}

export interface ClaimCandidate {
  id: number;
  host: string;
}

/**
 * Which candidates to lease (PURE): in the given order (oldest due first), skipping any whose
 * host already has `cap` in flight counting the ones taken here, or has used up its `tokens`
 * (requests its rate limit lets start now; a host not in `tokens` is unlimited), or is slow
 * (`slow.hosts`) once `slow.room` such deliveries were taken, and at most `limit` in all.
 */
export function allotByHost(
  candidates: readonly ClaimCandidate[],
  inFlight: ReadonlyMap<string, number>,
  cap: number,
  limit: number,
  tokens: ReadonlyMap<string, number> = new Map(),
  slow: SlowLanes = { hosts: new Set(), room: Infinity },
): number[] {
  const used = new Map(inFlight);
  const left = new Map(tokens);
  let slowRoom = slow.room;
  const taken = new Map<string, number>();
  const ids: number[] = [];
  for (const c of candidates) {
    if (ids.length >= limit) break;
    const n = used.get(c.host) ?? 0;
    if (n >= cap) continue;
    // Not yet seen answering: this worker's own requests to it are capped (other workers' are theirs).
    const mine = (slow.own?.get(c.host) ?? 0) + (taken.get(c.host) ?? 0);
    if (slow.proven !== undefined && !slow.proven.has(c.host) && mine >= (slow.unprovenCap ?? cap)) continue;
    const room = left.get(c.host);
    if (room !== undefined && room < 1) continue;
    const isSlow = slow.hosts.has(c.host);
    if (isSlow && slowRoom < 1) continue;
    used.set(c.host, n + 1);
    if (room !== undefined) left.set(c.host, room - 1);
    if (isSlow) slowRoom--;
    taken.set(c.host, (taken.get(c.host) ?? 0) + 1);
    ids.push(c.id);
  }
  return ids;
}

export function countOwn(inFlight: readonly InFlightRequest[]): Map<string, number> {
  const n = new Map<string, number>();
  for (const r of inFlight) n.set(r.host, (n.get(r.host) ?? 0) + 1);
  return n;
}
