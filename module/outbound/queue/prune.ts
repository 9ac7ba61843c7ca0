/**
 * Pruning the delivery queue's history (owner of those DELETEs on `hookflow_deliveries` and
 * `hookflow_attempts`). A delivery keeps its attempts while it is unfinished or its failure alert
 * is pending (`alert_state`): retry timing and the alert mail still read them.
 */
import type { Knex } from 'knex';
import { pruneInBatches, type PruneOptions } from '../../storage/prune.js';

const ids = (rows: Array<{ id: unknown }>) => rows.map((r) => Number(r.id));

// Unfinished, or its alert not yet mailed: when in doubt, keep.
function stillNeeded(db: Knex, deliveryIdColumn: string): Knex.QueryBuilder {
  return db('hookflow_deliveries as k')
    .select(db.raw('1'))
    .whereRaw(`k.id = ${deliveryIdColumn}`)
    .where((q) => q.whereIn('k.status', ['queued', 'dispatched', 'held']).orWhere('k.alert_state', 'pending'));
}

/** Attempt rows started before `cutoff` whose delivery no longer needs them; returns how many went. */
export function pruneAttempts(db: Knex, cutoff: number, opts?: PruneOptions): Promise<number> {
  return pruneInBatches(
    {
      select: async (after, limit) =>
        ids(
          await db('hookflow_attempts as a')
            .select('a.id')
            .where('a.id', '>', after)
            .where('a.started_at', '<', cutoff)
            .whereNotExists(stillNeeded(db, 'a.delivery_id'))
            .orderBy('a.id')
            .limit(limit),
        ),
      remove: (doomed) => db('hookflow_attempts').whereIn('id', doomed).del(),
    },
    opts,
  );
}

/**
 * Finished deliveries (success/failed/discarded) finished before `cutoff` whose alert is not pending, with
 * their remaining attempts; `before` runs first (e.g. removing their sent alerts). Returns
 * { deliveries, attempts } removed.
 */
export async function pruneDeliveries(
  db: Knex,
  cutoff: number,
  before: (ids: number[]) => Promise<void>,
  opts?: PruneOptions,
): Promise<{ deliveries: number; attempts: number }> {
  let attempts = 0;
  const deliveries = await pruneInBatches(
    {
      select: async (after, limit) =>
        ids(
          await db('hookflow_deliveries as d')
            .select('d.id')
            .where('d.id', '>', after)
            .whereIn('d.status', ['success', 'failed', 'discarded'])
            .where('d.finished_at', '<', cutoff)
            .whereNotExists(stillNeeded(db, 'd.id'))
            .orderBy('d.id')
            .limit(limit),
        ),
      // Children first; a delivery has at most 1 + retrySchedule.length attempts, so this stays bounded.
      before: async (doomed) => {
        attempts += await db('hookflow_attempts').whereIn('delivery_id', doomed).del();
        await before(doomed);
      },
      remove: (doomed) => db('hookflow_deliveries').whereIn('id', doomed).del(),
    },
    opts,
  );
  return { deliveries, attempts };
}
