/**
 * The task effect ledger (owner of `hookflow_task_effects`): what a task changed outside its run,
 * noted so that a run resumed after a crash never repeats it.
 *
 * - Record changes (create_record, update_record) pass `effectKey` in the change's origin; the
 *   host hands the origin back to Hookflow's record hook inside its own transaction, and the hook
 *   notes the effect there (noteTaskEffect with the host's trx): the record and its note commit
 *   together or not at all. Exactly once, as long as the host honours the contract.
 * - Mails (send_email) are noted right after the mail server accepted them: at least once — a
 *   crash between acceptance and the note sends the mail again, with the same Message-ID (derived
 *   from run and task), which mail clients use to show it once.
 */
import type { Db } from '../host.js';
import { nowMsSql } from '../storage/engine.js';

export interface TaskEffect {
  module: string | null;
  recordId: number | null;
}

/** What tasks see of the ledger (TaskServices.effects); keys from effectKeyOf. */
export interface TaskEffectLedger {
  find(key: string): Promise<TaskEffect | null>;
  note(key: string, effect: TaskEffect): Promise<void>;
}

export function createTaskEffectLedger(db: Db): TaskEffectLedger {
  return { find: (key) => findTaskEffect(db, key), note: (key, effect) => noteTaskEffect(db, key, effect) };
}

/**
 * The ledger as a run's FIRST execution sees it (`attempts` 1: every claim counts one, and a sync
 * run is inserted with its first): nothing can be noted under its keys yet, as they name the run,
 * so `find` asks no database (a statement less per create, update or mail).
 */
export function firstAttemptLedger(ledger: TaskEffectLedger): TaskEffectLedger {
  return { find: async () => null, note: ledger.note };
}

/** The key of one task's effect in one run. */
export const effectKeyOf = (runId: number, taskId: number) => `run:${runId}:task:${taskId}`;

const runIdOf = (key: string) => Number(/^run:(\d+):task:\d+$/.exec(key)?.[1] ?? 0);

/** Notes an effect; a second note of the same key (a task changing its record twice) keeps the first. */
export async function noteTaskEffect(db: Db, key: string, effect: TaskEffect): Promise<void> {
  await db('hookflow_task_effects')
    .insert({
      effect_key: key,
      run_id: runIdOf(key),
      module: effect.module,
      record_id: effect.recordId,
      created_at: db.raw(nowMsSql(db)),
    })
    .onConflict('effect_key')
    .ignore();
}

/** The effect noted under `key`, or null when the task's effect never committed. */
export async function findTaskEffect(db: Db, key: string): Promise<TaskEffect | null> {
  const row = await db('hookflow_task_effects').where({ effect_key: key }).first('module', 'record_id');
  return row ? { module: row.module ?? null, recordId: row.record_id == null ? null : Number(row.record_id) } : null;
}

/** Drops the notes of runs being pruned (retention). */
export async function deleteTaskEffectsOfRuns(db: Db, runIds: number[]): Promise<void> {
  if (runIds.length > 0) await db('hookflow_task_effects').whereIn('run_id', runIds).del();
}
