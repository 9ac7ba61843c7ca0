/**
 * Lane fairness (PURE): destinations that do not answer must not take every lane of a worker.
 *
 * Rules:
 *   - A destination is slow for this worker when one of its requests from this worker has been in
 *     flight longer than SLOW_AFTER_MS, or when its recent attempts failed (a streak in the
 *     destination health: no connection, timeout, 5xx, 429, 408).
 *   - Deliveries to slow destinations hold at most half of this worker's lanes (at least one):
 *     the other half stays for destinations that answer, however many hang.
 *   - The per-destination cap (perHostConcurrency) still applies on top, across all workers.
 */

/** How long a request may be in flight before its destination counts as slow, ms. */
export const SLOW_AFTER_MS = 1000;

export interface InFlightRequest {
  host: string;
  startedAtMs: number;
}

/** Destinations with a request of this worker in flight for longer than SLOW_AFTER_MS. */
export function slowHostsInFlight(inFlight: Iterable<InFlightRequest>, nowMs: number): Set<string> {
  const slow = new Set<string>();
  for (const r of inFlight) if (nowMs - r.startedAtMs > SLOW_AFTER_MS) slow.add(r.host);
  return slow;
}

/** Lanes slow destinations may hold at most: half of `lanes`, at least 1. */
export const slowLaneShare = (lanes: number): number => Math.max(1, Math.floor(lanes / 2));

/** How many more deliveries to `slow` destinations this worker may start now. */
export function slowLaneRoom(lanes: number, inFlight: Iterable<InFlightRequest>, slow: ReadonlySet<string>): number {
  let used = 0;
  for (const r of inFlight) if (slow.has(r.host)) used++;
  return Math.max(0, slowLaneShare(lanes) - used);
}
