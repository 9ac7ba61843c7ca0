/**
 * Writing a sent delivery's attempt (group commit, and retries through a brief outage).
 *
 * Group commit: attempts finishing in the same event-loop turn, or while an earlier write is
 * still committing, are written together in one transaction (no timer: a lone attempt is written
 * at once). Each attempt's own outcome is still all-or-nothing.
 *
 * Retries: the request has already reached the receiver, so an attempt write lost to a
 * transient database error (connection dropped, server restarting, deadlock) is written again —
 * with backoff, a bounded number of times, and only while the delivery's lease holds (the lease
 * heartbeat keeps renewing it meanwhile and aborts `lease` once it may have run out). Dropping
 * it instead would leave the delivery leased until the lease expires, and the next holder would
 * send it a second time. A retry after a commit whose answer was lost finds the delivery no
 * longer dispatched and writes nothing twice (recordAttempts checks the lease under a row lock).
 */
import type { Knex } from 'knex';
import type { HookflowSettings } from '../config.js';
import { isTransientDbError } from '../storage/transient-errors.js';
import type { OnFinalFailure } from './ports.js';
import { recordAttempts, type AttemptWrite } from './queue/record-attempts.js';
import { destinationPolicyOf } from './destination-policy.js';

/** Most attempts one group-commit transaction writes. */
const WRITE_BATCH_MAX = 64;

/** Attempts at one write in all: with the delays below about 10 s, longer than most outages a lease survives. */
export const ATTEMPT_WRITE_TRIES = 8;

/** PURE: the wait after the `failures`-th failed write in a row (100 ms doubling, at most 2 s); null = give up. */
export function attemptWriteRetryDelayMs(failures: number): number | null {
  if (failures >= ATTEMPT_WRITE_TRIES) return null;
  return Math.min(2000, 100 * 2 ** (failures - 1));
}

/** Waits `ms`, or less when `signal` aborts first. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export interface RetryOptions {
  /** The delivery's lease (the heartbeat's signal): no retry once it aborted. */
  lease?: AbortSignal;
  /** Told before each retry. */
  onRetry?(err: unknown, failures: number, delayMs: number): void;
  /** Waits between tries. Default a timer that ends early when `lease` aborts. */
  wait?(ms: number, lease?: AbortSignal): Promise<void>;
}

/**
 * Runs `write` until it succeeds, retrying transient database errors with backoff while
 * `lease` holds; any other error, the last transient one, or one after the lease was lost is thrown.
 */
export async function retryTransient<T>(write: () => Promise<T>, o: RetryOptions = {}): Promise<T> {
  for (let failures = 1; ; failures++) {
    try {
      return await write();
    } catch (err) {
      const delay = isTransientDbError(err) && !o.lease?.aborted ? attemptWriteRetryDelayMs(failures) : null;
      if (delay === null) throw err;
      o.onRetry?.(err, failures, delay);
      await (o.wait ?? pause)(delay, o.lease);
      if (o.lease?.aborted) throw err;
    }
  }
}

type GroupWrite = (write: AttemptWrite) => Promise<boolean>;

/** Group commit: writes queue up while a transaction is in flight and go out together next. */
function createGroupCommit(db: Knex, onFinalFailure: OnFinalFailure | undefined, settings: () => HookflowSettings) {
  const queue: Array<{ write: AttemptWrite; resolve(kept: boolean): void; reject(err: unknown): void }> = [];
  let flushing = false;
  const record = (writes: AttemptWrite[]) =>
    recordAttempts(db, writes, onFinalFailure, destinationPolicyOf(settings()));
  async function flush(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, WRITE_BATCH_MAX);
      try {
        const kept = await record(batch.map((b) => b.write));
        batch.forEach((b, i) => b.resolve(kept[i]));
      } catch (err) {
        // Nothing of the batch was written. One bad write must not sink the others: each is tried alone.
        if (batch.length === 1) batch[0].reject(err);
        else for (const b of batch) await record([b.write]).then(([kept]) => b.resolve(kept), b.reject);
      }
    }
    flushing = false;
  }
  const write: GroupWrite = (w) =>
    new Promise((resolve, reject) => {
      queue.push({ write: w, resolve, reject });
      if (flushing) return;
      flushing = true;
      // One turn of the event loop lets attempts that finished in the same I/O phase join in.
      setImmediate(() => void flush());
    });
  return write;
}

export interface AttemptWriterDeps {
  db: Knex;
  onFinalFailure?: OnFinalFailure;
  settings(): HookflowSettings;
  onRetry?: RetryOptions['onRetry'];
}

/** Resolves false when the lease was lost (another worker's outcome stands); rejects when the write could not be made. */
export function createAttemptWriter(deps: AttemptWriterDeps) {
  const write = createGroupCommit(deps.db, deps.onFinalFailure, deps.settings);
  return (w: AttemptWrite, lease?: AbortSignal): Promise<boolean> =>
    retryTransient(() => write(w), { lease, onRetry: deps.onRetry });
}
