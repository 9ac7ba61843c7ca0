/**
 * The configuration version (`hookflow_config_version`, owner of its SQL): one row whose random
 * `stamp` every writer of workflows, tasks or HTTP handler permissions replaces IN THE SAME
 * TRANSACTION as its change. In-memory caches (storage/versioned-snapshot.ts) compare stamps to
 * learn that another process changed something; a missing row reads as null (no change yet).
 */
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

const TABLE = 'hookflow_config_version';

/** The current stamp (one primary-key read); null before the first change. */
export async function readConfigVersion(q: Db): Promise<string | null> {
  const row = await q(TABLE).where({ id: 1 }).first('stamp');
  return row ? String(row.stamp) : null;
}

/** Writes a fresh stamp through `trx`: call it inside the transaction that changes the configuration. */
export async function bumpConfigVersion(trx: Db, now: number = Date.now()): Promise<void> {
  await trx(TABLE)
    .insert({ id: 1, stamp: randomBytes(12).toString('hex'), updated_at: now })
    .onConflict('id')
    .merge(['stamp', 'updated_at']);
}
