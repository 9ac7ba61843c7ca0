/**
 * Retention: a worker chore that prunes old history so the log tables stay bounded.
 *
 * What goes, per run of the chore (times from the database clock):
 *   - attempt rows (with their response bodies) older than `retentionDays`, unless their delivery
 *     is still queued/dispatched or its failure alert is pending (retry timing and the alert
 *     mail still read them);
 *   - finished deliveries (success/failed) finished before the cutoff whose alert is not
 *     pending, with their remaining attempts, their sent alert rows and those alerts' recipients;
 *   - finished runs (succeeded/failed/skipped) finished before the cutoff whose failure alert is
 *     not pending, with their sent alert rows and those alerts' recipients (the run-once markers
 *     stay: they are what keeps "once per record" true forever);
 *   - inbound idempotency keys older than 24 hours;
 *   - refused inbound requests beyond the newest `refusedLogSize`.
 * Invariant: queued, dispatched, running and pending work is never deleted. Every DELETE
 * removes at most `batchSize` rows by primary key in its own short statement, so no long
 * transaction ever locks a table; a chore run stops after `maxBatches` batches per table and
 * continues on its next run.
 */
import type { Knex } from 'knex';
import type { HostLogger } from '../host.js';
import type { HookflowSettings } from '../config.js';
import type { PeriodicChore } from '../worker.js';
import { dbNowMs } from '../storage/engine.js';

export interface RetentionDeps {
  db: Knex;
  settings(): HookflowSettings;
  logger: HostLogger;
  /** How often the chore runs, ms. Default 600000 (10 minutes). */
  everyMs?: number;
  /** Most rows one DELETE removes. Default 500. */
  batchSize?: number;
  /** Most batches per table in one run of the chore. Default 200 (100k rows at the default size). */
  maxBatches?: number;
}

const DAY_MS = 86_400_000;
const IDEMPOTENCY_TTL_MS = DAY_MS;

export interface PruneCounts {
  attempts: number;
  deliveries: number;
  runs: number;
  idempotency: number;
  refusals: number;
}

type Select = (limit: number) => Knex.QueryBuilder;

/** Deletes, batch by batch, the rows `select` returns (by `key`); returns how many went. */
async function deleteInBatches(db: Knex, table: string, key: string, select: Select, size: number, maxBatches: number, before?: (ids: Array<string | number>) => Promise<void>): Promise<number> {
  let total = 0;
  for (let i = 0; i < maxBatches; i++) {
    const ids = (await select(size)).map((r: Record<string, string | number>) => r[key]);
    if (ids.length === 0) break;
    if (before) await before(ids);
    total += await db(table).whereIn(key, ids).del();
    if (ids.length < size) break;
  }
  return total;
}

// A delivery still needs its attempts while it is unfinished or its failure alert is unsent.
// Either marker (the delivery's alert_state or its outbox row in hookflow_alerts) counts as
// pending: when in doubt, keep.
function stillNeeded(db: Knex, deliveryIdColumn: string): Knex.QueryBuilder {
  return db('hookflow_deliveries as k').select(db.raw('1')).whereRaw(`k.id = ${deliveryIdColumn}`)
    .where((q) => q.whereIn('k.status', ['queued', 'dispatched']).orWhere('k.alert_state', 'pending')
      .orWhereExists(db('hookflow_alerts as al').select(db.raw('1')).whereRaw('al.delivery_id = k.id').where('al.status', 'pending')));
}

function selectOldAttempts(db: Knex, cutoff: number): Select {
  return (limit) => db('hookflow_attempts as a').select('a.id').where('a.started_at', '<', cutoff)
    .whereNotExists(stillNeeded(db, 'a.delivery_id')).orderBy('a.id').limit(limit);
}

function selectOldDeliveries(db: Knex, cutoff: number): Select {
  return (limit) => db('hookflow_deliveries as d').select('d.id')
    .whereIn('d.status', ['success', 'failed']).where('d.finished_at', '<', cutoff)
    .whereNotExists(stillNeeded(db, 'd.id')).orderBy('d.id').limit(limit);
}

// A failed run is still needed while its failure alert is unsent: the mail reads the run.
function selectOldRuns(db: Knex, cutoff: number): Select {
  return (limit) => db('hookflow_runs as r').select('r.id').whereIn('r.status', ['succeeded', 'failed', 'skipped'])
    .where('r.finished_at', '<', cutoff)
    .whereNotExists(db('hookflow_alerts as al').select(db.raw('1')).whereRaw('al.run_id = r.id').where('al.status', 'pending'))
    .orderBy('r.id').limit(limit);
}

/** Deletes the sent alert rows (and their recipients) of `column` (delivery_id | run_id) in `ids`. */
async function deleteSentAlerts(db: Knex, column: 'delivery_id' | 'run_id', ids: Array<string | number>): Promise<void> {
  const alertIds = (await db('hookflow_alerts').whereIn(column, ids).whereNot('status', 'pending').select('id')).map((r: { id: number }) => r.id);
  if (alertIds.length === 0) return;
  await db('hookflow_alert_recipients').whereIn('alert_id', alertIds).del();
  await db('hookflow_alerts').whereIn('id', alertIds).del();
}

/** The id below which refusals fall outside the newest `keep`; null when there are not more. */
async function refusalFloor(db: Knex, keep: number): Promise<number | null> {
  const row = await db('hookflow_http_refusals').select('id').orderBy('id', 'desc').offset(keep - 1).limit(1).first();
  return row ? Number(row.id) : null;
}

/** Idempotency keys have a composite primary key, so their batches delete by (permission_id, idem_key). */
async function deleteIdempotencyKeys(db: Knex, cutoff: number, size: number, maxBatches: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < maxBatches; i++) {
    const keys = await db('hookflow_idempotency').select('permission_id', 'idem_key').where('created_at', '<', cutoff).orderBy('created_at').limit(size);
    if (keys.length === 0) break;
    total += await db('hookflow_idempotency').whereIn(['permission_id', 'idem_key'], keys.map((k) => [k.permission_id, k.idem_key])).del();
    if (keys.length < size) break;
  }
  return total;
}

/** One pass of retention; exported for tests and one-shot maintenance. */
export async function pruneHistory(deps: RetentionDeps): Promise<PruneCounts> {
  const { db } = deps;
  const size = deps.batchSize ?? 500;
  const max = deps.maxBatches ?? 200;
  const s = deps.settings();
  const now = await dbNowMs(db);
  const cutoff = now - s.retentionDays * DAY_MS;
  const attempts = await deleteInBatches(db, 'hookflow_attempts', 'id', selectOldAttempts(db, cutoff), size, max);
  let cascaded = 0;
  const deliveries = await deleteInBatches(db, 'hookflow_deliveries', 'id', selectOldDeliveries(db, cutoff), size, max, async (ids) => {
    // Children first, so a crash in between never leaves attempts without their delivery. A
    // delivery has at most 1 + retrySchedule.length attempts, so this stays bounded too.
    cascaded += await db('hookflow_attempts').whereIn('delivery_id', ids).del();
    await deleteSentAlerts(db, 'delivery_id', ids);
  });
  const runs = await deleteInBatches(db, 'hookflow_runs', 'id', selectOldRuns(db, cutoff), size, max, (ids) => deleteSentAlerts(db, 'run_id', ids));
  const idempotency = await deleteIdempotencyKeys(db, now - IDEMPOTENCY_TTL_MS, size, max);
  const floor = await refusalFloor(db, s.refusedLogSize);
  const refusals = floor === null ? 0 : await deleteInBatches(db, 'hookflow_http_refusals', 'id', (limit) => db('hookflow_http_refusals')
    .select('id').where('id', '<', floor).orderBy('id').limit(limit), size, max);
  return { attempts: attempts + cascaded, deliveries, runs, idempotency, refusals };
}

/** The retention chore the worker runs every `everyMs` (default 10 minutes). */
export function createRetentionChore(deps: RetentionDeps): PeriodicChore {
  return {
    name: 'retention',
    everyMs: deps.everyMs ?? 600_000,
    async run() {
      const counts = await pruneHistory(deps);
      if (Object.values(counts).some((n) => n > 0)) deps.logger.info({ pruned: counts }, 'retention: pruned old history');
    },
  };
}
