/**
 * The lease heartbeat: while leased work is in flight (a run's tasks, a delivery's HTTP request)
 * a timer extends its lease every third of the lease with a conditional UPDATE (`renew`: only
 * while this worker still holds it), so a task or a request slower than the lease is never taken
 * by another worker mid-flight. When a renewal finds the lease taken (0 rows), or renewals failed
 * for so long that the lease may have run out in the database, the work's AbortSignal fires with
 * a LeaseLostError: the work stops, and its result writes (which are conditional on holding the
 * lease) are not made. The timer is cleared on every path, and no renewal outlives the work.
 */

/** Thrown (and used as the abort reason) when a worker no longer holds the lease of its work. */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
}

export const isLeaseLost = (err: unknown): boolean =>
  err instanceof LeaseLostError || (err as { name?: unknown } | null)?.name === 'LeaseLostError';

/** The timer and monotonic clock the heartbeat uses; tests inject manual ones. */
export interface LeaseTimers {
  setInterval(fn: () => unknown, ms: number): unknown;
  clearInterval(handle: unknown): void;
  /** Monotonic milliseconds. */
  now(): number;
}

export const REAL_LEASE_TIMERS: LeaseTimers = {
  setInterval: (fn, ms) => setInterval(fn, ms).unref(),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
  now: () => performance.now(),
};

/** PURE: how often a lease of `leaseMs` is renewed — a third of it, so one failed renewal still leaves time for another. */
export function renewIntervalMs(leaseMs: number): number {
  return Math.max(50, Math.floor(leaseMs / 3));
}

/**
 * PURE: whether a lease last confirmed at `confirmedAtMs` (when that renewal was sent, so never
 * later than the database's own time of it) may run out before the next renewal lands.
 */
export function mayExpireBeforeNextRenewal(confirmedAtMs: number, nowMs: number, leaseMs: number): boolean {
  return nowMs - confirmedAtMs + renewIntervalMs(leaseMs) >= leaseMs;
}

export interface LeaseHeartbeatOptions {
  /** Extends the lease by its full length; false when this worker no longer holds it. */
  renew(): Promise<boolean>;
  leaseMs: number;
  /** Default REAL_LEASE_TIMERS. */
  timers?: LeaseTimers;
  /** Told when a renewal failed (e.g. the database is away); the next beat tries again. */
  onRenewError?(err: unknown): void;
}

/**
 * Runs `work` with its lease kept alive. `signal` aborts (reason: a LeaseLostError) when the
 * lease is lost; the work must stop and write nothing more. Resolves or rejects as `work` does.
 */
export async function withLeaseHeartbeat<T>(
  opts: LeaseHeartbeatOptions,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const timers = opts.timers ?? REAL_LEASE_TIMERS;
  const controller = new AbortController();
  let confirmedAt = timers.now();
  let beating: Promise<void> | null = null;
  const lose = (message: string) => {
    if (!controller.signal.aborted) controller.abort(new LeaseLostError(message));
  };
  async function beat(): Promise<void> {
    const sentAt = timers.now();
    try {
      if (await opts.renew()) confirmedAt = sentAt;
      else lose('lease lost: another worker holds it now');
    } catch (err) {
      opts.onRenewError?.(err);
      if (mayExpireBeforeNextRenewal(confirmedAt, timers.now(), opts.leaseMs))
        lose('lease lost: it could not be renewed before it runs out');
    }
  }
  // One renewal at a time: a slow database never piles them up.
  const tick = () =>
    (beating ??= beat().finally(() => {
      beating = null;
    }));
  const handle = timers.setInterval(
    () => (controller.signal.aborted ? undefined : tick()),
    renewIntervalMs(opts.leaseMs),
  );
  try {
    return await work(controller.signal);
  } finally {
    timers.clearInterval(handle);
    await beating;
  }
}

/**
 * Waits for `pending` unless `signal` aborts first (then rejects with its reason). For work that
 * cannot be cancelled itself (a host call without a signal): the caller stops waiting, and a
 * late rejection of `pending` is swallowed.
 */
export function untilAborted<T>(pending: Promise<T>, signal: AbortSignal): Promise<T> {
  pending.catch(() => undefined);
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
