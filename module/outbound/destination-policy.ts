/**
 * When a destination (host:port) is held, and how it is probed. PURE: the clock (`nowMs`) comes
 * in as a parameter; the queue (queue/destinations.ts) stores what these functions decide.
 *
 * Rules:
 *   - What an attempt says about its destination (`attemptVerdict`):
 *       no connection, timeout, 5xx, 429 Too Many Requests, 408 Request Timeout → `down`
 *       (the destination cannot take deliveries right now; retrying others would burn them too);
 *       every other answer — 2xx, and also 3xx and other 4xx: the receiver is up and judged THIS
 *       request (a 422 is the record's fault, not the destination's) → `up`: the streak ends and
 *       a held destination resumes (the delivery itself still retries or fails by its own policy);
 *       no attempt made (the address guard refused) → `neutral`: the streak neither grows nor ends.
 *   - `shouldPauseDestination`: after `pauseAfterFailures` consecutive `down` attempts across all
 *     of a destination's deliveries (0 = never pause).
 *   - Probes: a held destination is tried with ONE delivery (its oldest) when `nextProbeAt` has
 *     come; `nextProbeDelayMs(n)` = probeSeconds × 2^n, at most probeMaxSeconds, after the n-th
 *     failed probe (the first probe comes probeSeconds after the pause).
 *   - While held, a failed attempt never fails its delivery for having used up its retries
 *     (`keepWhileHeld`): the delivery waits for the destination instead. On resume every queued
 *     delivery to it is due at once, oldest first, with a fresh retry cycle (as a re-enabled
 *     webhook's held deliveries are): time spent held never counts against its schedule.
 */

export interface DestinationPolicySettings {
  /** Consecutive failed attempts to one destination before it is held; 0 = never. */
  pauseAfterFailures: number;
  /** First probe delay after a pause, doubling after each failed probe. */
  probeSeconds: number;
  /** Longest delay between probes. */
  probeMaxSeconds: number;
}

/** The policy from the settings; undefined when holding is off (destinationPauseAfterFailures 0). */
export function destinationPolicyOf(s: {
  destinationPauseAfterFailures: number;
  destinationProbeSeconds: number;
  destinationProbeMaxSeconds: number;
}): DestinationPolicySettings | undefined {
  if (s.destinationPauseAfterFailures <= 0) return undefined;
  return {
    pauseAfterFailures: s.destinationPauseAfterFailures,
    probeSeconds: s.destinationProbeSeconds,
    probeMaxSeconds: s.destinationProbeMaxSeconds,
  };
}

export interface DestinationHealth {
  host: string;
  consecutiveFailures: number;
  failingSince: number | null;
  pausedAt: number | null;
  nextProbeAt: number | null;
  probeCount: number;
  /** The delivery being sent as the probe right now; null when none is in flight. */
  probeDeliveryId: number | null;
  lastError: string | null;
}

export type AttemptVerdict = 'up' | 'down' | 'neutral';

/** What one attempt says about its destination (see the rules above). */
export function attemptVerdict(a: { outcome: string; statusCode: number | null }): AttemptVerdict {
  if (a.statusCode !== null) {
    const s = a.statusCode;
    return s >= 500 || s === 429 || s === 408 ? 'down' : 'up';
  }
  return a.outcome === 'network_error' || a.outcome === 'timeout' ? 'down' : 'neutral';
}

/** Held once the streak reaches the threshold (never when the threshold is 0). */
export function shouldPauseDestination(consecutiveFailures: number, s: DestinationPolicySettings): boolean {
  return s.pauseAfterFailures > 0 && consecutiveFailures >= s.pauseAfterFailures;
}

/** Delay before the next probe after `failedProbes` failed ones: base × 2^n, capped. */
export function nextProbeDelayMs(failedProbes: number, s: DestinationPolicySettings): number {
  const base = s.probeSeconds * 1000;
  const cap = Math.max(base, s.probeMaxSeconds * 1000);
  const exponent = Math.min(Math.max(0, Math.floor(failedProbes)), 40);
  return Math.min(cap, base * 2 ** exponent);
}

/** A destination with nothing against it. */
export const healthyDestination = (host: string): DestinationHealth => ({
  host,
  consecutiveFailures: 0,
  failingSince: null,
  pausedAt: null,
  nextProbeAt: null,
  probeCount: 0,
  probeDeliveryId: null,
  lastError: null,
});

export interface AttemptSeen {
  deliveryId: number;
  verdict: AttemptVerdict;
  error: string | null;
  nowMs: number;
}

/** The destination's health after one more attempt to it. */
export function nextDestinationHealth(
  h: DestinationHealth,
  a: AttemptSeen,
  s: DestinationPolicySettings,
): DestinationHealth {
  if (a.verdict === 'up') return healthyDestination(h.host);
  if (a.verdict === 'neutral')
    return h.probeDeliveryId === a.deliveryId ? { ...h, probeDeliveryId: null, nextProbeAt: a.nowMs } : h;
  const failures = h.consecutiveFailures + 1;
  const base = { ...h, consecutiveFailures: failures, failingSince: h.failingSince ?? a.nowMs, lastError: a.error };
  if (h.pausedAt !== null) {
    // Only the probe moves the backoff on; a delivery that was already in flight at the pause does not.
    if (h.probeDeliveryId !== a.deliveryId) return base;
    return {
      ...base,
      probeCount: h.probeCount + 1,
      probeDeliveryId: null,
      nextProbeAt: a.nowMs + nextProbeDelayMs(h.probeCount + 1, s),
    };
  }
  if (!shouldPauseDestination(failures, s)) return base;
  return {
    ...base,
    pausedAt: a.nowMs,
    probeCount: 0,
    probeDeliveryId: null,
    nextProbeAt: a.nowMs + nextProbeDelayMs(0, s),
  };
}

/**
 * Whether a failed attempt's delivery keeps waiting instead of failing for good: its destination
 * is held, and it failed for having used up its retries (a permanent failure — 410, an address
 * refused — still fails at once).
 */
export function keepWhileHeld(destinationHeld: boolean, next: { status: string; exhausted?: boolean }): boolean {
  return destinationHeld && next.status === 'failed' && next.exhausted === true;
}
