/**
 * Lane fairness (PURE): destinations that do not answer must not take every lane of a worker.
 *
 * Rules:
 *   - A destination is slow for this worker when one of its requests from this worker has been in
 *     flight longer than SLOW_AFTER_MS, or when its recent attempts failed (a streak in the
 *     destination health: no connection, timeout, 5xx, 429, 408).
 *   - Deliveries to slow destinations hold at most half of this worker's lanes (at least one):
 *     the other half stays for destinations that answer, however many hang.
 *   - A destination not yet seen answering by this worker (no request of it ended within
 *     SLOW_AFTER_MS lately) takes at most a quarter of the lanes (at least one) until it does: a
 *     new destination that hangs cannot fill the lanes before it looks slow.
 *   - Requests stuck (in flight longer than SLOW_AFTER_MS) that were taken before their
 *     destination looked slow do not crowd the others out: the worker may have as many again in
 *     flight (at most maxConcurrency × 2), for destinations that are not slow.
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

/** Lanes this worker may fill now: maxConcurrency, plus its stuck requests (at most as many again). */
export function laneConcurrency(maxConcurrency: number, inFlight: Iterable<InFlightRequest>, nowMs: number): number {
  let stuck = 0;
  for (const r of inFlight) if (nowMs - r.startedAtMs > SLOW_AFTER_MS) stuck++;
  return maxConcurrency + Math.min(stuck, maxConcurrency);
}

/** Lanes a destination not yet seen answering may hold: a quarter of `lanes`, at least 1. */
export const unprovenShare = (lanes: number): number => Math.max(1, Math.floor(lanes / 4));

/** Remembers which destinations answered lately (a request ended within SLOW_AFTER_MS). */
export function createAnswerMemory(keepMs = 600_000) {
  const answeredAt = new Map<string, number>();
  return {
    noteEnded(r: InFlightRequest, nowMs: number): void {
      if (nowMs - r.startedAtMs <= SLOW_AFTER_MS) answeredAt.set(r.host, nowMs);
    },
    answering(nowMs: number): Set<string> {
      for (const [host, at] of answeredAt) if (nowMs - at > keepMs) answeredAt.delete(host);
      return new Set(answeredAt.keys());
    },
  };
}
