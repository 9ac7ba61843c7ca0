/**
 * Keeps a live request's idempotency claim fresh: every few seconds its `created_at` is moved to
 * the database's now (conditional on the value it holds), so a claim stops being refreshed only
 * when its process dies, and is then taken over after CLAIM_STALE_MS. Stopped (awaiting a beat in
 * flight) before the request writes its run or answer, so a beat never races those fenced writes.
 */

export interface HeartbeatTimers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface ClaimHeartbeat {
  /** True once a refresh found the claim taken over (its conditional write changed no row). */
  readonly lost: boolean;
  /** Stops the beats and waits for one in flight. Idempotent. */
  stop(): Promise<void>;
}

export const CLAIM_HEARTBEAT_MS = 5_000;

const realTimers: HeartbeatTimers = {
  setInterval: (fn, ms) => {
    const h = setInterval(fn, ms);
    h.unref();
    return h;
  },
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
};

/** `refresh` answers whether the claim was still ours (and is now fresh). */
export function startClaimHeartbeat(
  refresh: () => Promise<boolean>,
  opts: { everyMs?: number; timers?: HeartbeatTimers } = {},
): ClaimHeartbeat {
  const timers = opts.timers ?? realTimers;
  let lost = false;
  let stopped = false;
  let inFlight: Promise<void> | null = null;
  const handle = timers.setInterval(() => {
    if (stopped || inFlight) return;
    inFlight = refresh()
      .then((ours) => {
        if (!ours) lost = true;
      })
      // A failed beat (database outage) is retried on the next tick; the fenced writes decide.
      .catch(() => undefined)
      .finally(() => {
        inFlight = null;
      });
  }, opts.everyMs ?? CLAIM_HEARTBEAT_MS);
  return {
    get lost() {
      return lost;
    },
    async stop() {
      if (!stopped) timers.clearInterval(handle);
      stopped = true;
      await inFlight;
    },
  };
}
