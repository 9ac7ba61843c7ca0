/**
 * PURE: when a refusal gets a row of its own in the refused-requests log and when it is only
 * counted on an existing row ("and 37 more like this"). Issue 14: one address sending 400
 * bad requests must not write 400 rows, or it flushes every other source's entries out of a
 * log that keeps only the newest `refusedLogSize`.
 *
 * Invariants, per source (an IPv4 address, or the IPv6 /56 — how the per-IP limit counts):
 *  - while refusals alike (same status, target and reason) keep coming less than `windowMs`
 *    apart, they are counted on one row (a sustained flood is one row, however long it lasts);
 *  - a source never holds more than `maxRowsPerSource` rows (at least 1): at the cap, a
 *    refusal is counted on the source's newest row with its status, or on its newest row.
 * Different refusals of one source get rows of their own below the cap, so an admin still
 * sees "workflow 5: not an allowed source" next to "workflow 6: wrong token".
 * So other sources' entries are evicted only by many sources, never by one. Which row a
 * refusal is counted on is decided from the source's newest rows alone (no global scan).
 * Two processes refusing the same source at the same instant may each add a row; that is
 * bounded by the number of concurrent requests, not by their rate.
 */

export interface RefusalAggregation {
  /** Refusals of one source and status less than this apart share a row, ms. */
  windowMs: number;
  /** Most rows one source holds in the log. */
  maxRowsPerSource: number;
}

/**
 * Default aggregation. 10 minutes is long enough to fold any flood into one row and short
 * enough that a form being debugged shows each attempt of a session; 10 rows are 5 % of the
 * default log (200) and the minimum `refusedLogSize` allowed.
 */
export const REFUSAL_AGGREGATION: RefusalAggregation = { windowMs: 10 * 60_000, maxRowsPerSource: 10 };

/** What makes two refusals of one source alike (as stored: clipped). */
export interface RefusalKind {
  status: number;
  target: string | null;
  reason: string;
}

/** One of the source's newest rows, as the plan needs it. */
export interface SourceRow extends RefusalKind {
  id: number;
  lastAt: number;
}

export type RefusalWrite = { kind: 'insert' } | { kind: 'count'; id: number };

const alike = (a: RefusalKind, b: RefusalKind) =>
  a.status === b.status && a.target === b.target && a.reason === b.reason;

/**
 * `recent`: the source's newest rows, newest first, at least `maxRowsPerSource` of them when
 * it has that many. `now` is the caller's clock (ms).
 */
export function planRefusalWrite(
  recent: readonly SourceRow[],
  refusal: RefusalKind,
  now: number,
  policy: RefusalAggregation = REFUSAL_AGGREGATION,
): RefusalWrite {
  const same = recent.find((r) => alike(r, refusal));
  if (same && now - same.lastAt < policy.windowMs) return { kind: 'count', id: same.id };
  if (recent.length < policy.maxRowsPerSource) return { kind: 'insert' };
  return { kind: 'count', id: (same ?? recent.find((r) => r.status === refusal.status) ?? recent[0]).id };
}
