/**
 * The task side of the workflow store (`hookflow_tasks`; the workflow writes that replace a
 * workflow's tasks are in store.ts, the table's other owner file): a task's secrets (sealing,
 * opening, re-sealing under a new key) and its disabled state. createWorkflowStore spreads these
 * into the store it returns, so callers see one store.
 */
import type { Knex } from 'knex';
import type { SecretBox } from '../secrets.js';
import { bumpConfigVersion } from '../storage/config-version.js';
import { taskFromRow, type StoredTask } from './model.js';
import type { ValidatedTask } from './validate.js';

export interface TaskStoreDeps {
  db: Knex;
  secretBox: SecretBox;
  now(): number;
}

/** Runs a write in a transaction that bumps the configuration version (store.ts's `change`). */
export type ConfigChange = <R>(write: (trx: Knex.Transaction) => Promise<R>) => Promise<R>;

/** The sealed secrets to store for `task`, given the stored task it replaces (if any). */
export function sealTaskSecrets(
  secretBox: SecretBox,
  task: ValidatedTask,
  existing: StoredTask | undefined,
): string | null {
  if (task.secrets === null) return null;
  if (task.secrets === undefined) return existing?.sealedSecrets ?? null;
  // Merge: a secret left out (or empty) keeps its stored value, so forms need not re-enter it.
  const merged = existing?.sealedSecrets ? secretBox.openJson<Record<string, string>>(existing.sealedSecrets) : {};
  for (const [k, v] of Object.entries(task.secrets)) if (v !== '') merged[k] = v;
  return Object.keys(merged).length > 0 ? secretBox.sealJson(merged) : null;
}

export function createTaskStore(deps: TaskStoreDeps, change: ConfigChange) {
  const { db, secretBox } = deps;
  return {
    /** Decrypted secrets of a task ({} when none). */
    openSecrets(task: StoredTask): Record<string, string> {
      return task.sealedSecrets ? secretBox.openJson<Record<string, string>>(task.sealedSecrets) : {};
    },

    secretNames(task: StoredTask): string[] {
      return Object.keys(this.openSecrets(task)).sort();
    },

    async getTask(id: number): Promise<StoredTask | null> {
      const row = await db('hookflow_tasks').where({ id }).first();
      return row ? taskFromRow(row) : null;
    },

    /** One sealed secret, if any task has one (to prove a key opens this database's secrets). */
    async anySealedSecrets(): Promise<string | null> {
      const row = await db('hookflow_tasks').whereNotNull('secrets').first('secrets');
      return row?.secrets ?? null;
    },

    /** Re-seals every task's secrets from one key to another inside `trx`; returns how many tasks. */
    async resealSecrets(trx: Knex.Transaction, from: SecretBox, to: SecretBox): Promise<number> {
      const rows: Array<{ id: number; secrets: string }> = await trx('hookflow_tasks')
        .whereNotNull('secrets')
        .select('id', 'secrets');
      for (const row of rows)
        await trx('hookflow_tasks')
          .where({ id: row.id })
          .update({ secrets: to.seal(from.open(row.secrets)) });
      await bumpConfigVersion(trx, deps.now());
      return rows.length;
    },

    async disableTask(taskId: number, reason: string): Promise<void> {
      await change((trx) =>
        trx('hookflow_tasks')
          .where({ id: taskId })
          .whereNull('disabled_at')
          .update({ disabled_at: deps.now(), disabled_reason: reason.slice(0, 500) }),
      );
    },

    /** Clears a task's disabled state; false when no such task exists. */
    async enableTask(taskId: number): Promise<boolean> {
      return change(async (trx) => {
        if (!(await trx('hookflow_tasks').where({ id: taskId }).first('id'))) return false;
        await trx('hookflow_tasks').where({ id: taskId }).update({ disabled_at: null, disabled_reason: null });
        return true;
      });
    },
  };
}
