/**
 * Retention: a worker chore that prunes old history so the log tables stay bounded. It only
 * orchestrates; each table's owner holds its DELETEs.
 *
 * What goes, per run of the chore (times from the database clock):
 *   - attempt rows older than `retentionDays`, unless their delivery is still queued/dispatched
 *     or its failure alert is pending (retry timing and the alert mail still read them);
 *   - finished deliveries finished before the cutoff whose alert is not pending, with their
 *     remaining attempts, their sent alert rows and those alerts' recipients;
 *   - finished runs finished before the cutoff whose failure alert is not pending, with their
 *     sent alert rows and recipients (run-once markers stay);
 *   - inbound idempotency keys older than 24 hours;
 *   - refused inbound requests beyond the newest `refusedLogSize`;
 *   - destination health rows not held and unchanged since the cutoff;
 *   - claim lock rows (MariaDB/MySQL) created before the cutoff of hosts with no unfinished delivery;
 *   - captured sample requests past their `expires_at` (a day after they were captured);
 *   - record sweeps (backfills) that ended before the cutoff (their runs go by the run rule).
 * Then, on SQLite, up to VACUUM_PAGES_PER_PASS free pages go back to the file system, so the
 * file shrinks over passes after a big prune (storage/sqlite-vacuum.ts).
 * Invariant: queued, dispatched, running and pending work is never deleted.
 */
import { pruneQuietDestinations } from './outbound/queue/destinations.js';
import { pruneQuietBuckets } from './outbound/queue/rate-buckets.js';
import { pruneQuietDestinationLocks } from './outbound/queue/destination-locks.js';
import { deleteTaskEffectsOfRuns } from './workflows/task-effects.js';
import type { Knex } from 'knex';
import type { HostLogger } from './host.js';
import type { HookflowSettings } from './config.js';
import type { PeriodicChore } from './worker.js';
import { dbNowMs } from './storage/engine.js';
import { vacuumIncrementally } from './storage/sqlite-vacuum.js';
import type { PruneOptions } from './storage/prune.js';
import { pruneAttempts, pruneDeliveries } from './outbound/queue/prune.js';
import { pruneRuns } from './workflows/runs.js';
import { deleteSentAlerts, runsWithPendingAlerts } from './alerts/alert-queue.js';
import { pruneIdempotencyKeys } from './inbound/idempotency.js';
import { pruneRefusals } from './inbound/refusals.js';
import { pruneCaptures } from './inbound/captures.js';
import { pruneEndedSweeps } from './workflows/backfills.js';

export interface RetentionDeps extends PruneOptions {
  db: Knex;
  settings(): HookflowSettings;
  logger: HostLogger;
  /** How often the chore runs, ms. Default 600000 (10 minutes). */
  everyMs?: number;
}

const DAY_MS = 86_400_000;
const IDEMPOTENCY_TTL_MS = DAY_MS;
/**
 * Free SQLite pages handed back to the file system per pass (4 KiB pages: some 8 MB). Bounded
 * because incremental_vacuum holds the write lock while it moves pages; a pass that pruned more
 * than this shrinks the file over the next passes instead of stalling the workers now.
 */
export const VACUUM_PAGES_PER_PASS = 2000;

export interface PruneCounts {
  attempts: number;
  deliveries: number;
  runs: number;
  idempotency: number;
  refusals: number;
  destinations: number;
  /** Rate-limit buckets of destinations quiet since the cutoff (a missing bucket is a full one). */
  rateBuckets: number;
  /** Claim lock rows of hosts with nothing unfinished (recreated on the host's next claim). */
  destinationLocks: number;
  captures: number;
  sweeps: number;
}

/** One pass of retention; exported for tests and one-shot maintenance. */
export async function pruneHistory(deps: RetentionDeps): Promise<PruneCounts> {
  const { db } = deps;
  const opts: PruneOptions = { batchSize: deps.batchSize, maxBatches: deps.maxBatches };
  const s = deps.settings();
  const now = await dbNowMs(db);
  const cutoff = now - s.retentionDays * DAY_MS;
  const attempts = await pruneAttempts(db, cutoff, opts);
  const deliveries = await pruneDeliveries(db, cutoff, (ids) => deleteSentAlerts(db, 'delivery_id', ids), opts);
  const runs = await pruneRuns(
    db,
    cutoff,
    {
      keep: (ids) => runsWithPendingAlerts(db, ids),
      before: async (ids) => {
        await deleteSentAlerts(db, 'run_id', ids);
        await deleteTaskEffectsOfRuns(db, ids);
      },
    },
    opts,
  );
  const idempotency = await pruneIdempotencyKeys(db, now - IDEMPOTENCY_TTL_MS, opts);
  const refusals = await pruneRefusals(db, s.refusedLogSize, opts);
  const destinations = await pruneQuietDestinations(db, cutoff);
  const rateBuckets = await pruneQuietBuckets(db, cutoff);
  const destinationLocks = await pruneQuietDestinationLocks(db, cutoff);
  const captures = await pruneCaptures(db, now, opts);
  const sweeps = await pruneEndedSweeps(db, cutoff);
  await vacuumIncrementally(db, VACUUM_PAGES_PER_PASS);
  return {
    attempts: attempts + deliveries.attempts,
    deliveries: deliveries.deliveries,
    runs,
    idempotency,
    refusals,
    destinations,
    rateBuckets,
    destinationLocks,
    captures,
    sweeps,
  };
}

/** The retention chore the worker runs every `everyMs` (default 10 minutes). */
export function createRetentionChore(deps: RetentionDeps): PeriodicChore {
  return {
    name: 'retention',
    everyMs: deps.everyMs ?? 600_000,
    async run() {
      const counts = await pruneHistory(deps);
      if (Object.values(counts).some((n) => n > 0))
        deps.logger.info({ pruned: counts }, 'retention: pruned old history');
    },
  };
}
