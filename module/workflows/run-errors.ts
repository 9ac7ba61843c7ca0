/** How a task's failure reads in the run log, and the secrets a task needs, opened or refused. */
import { errorLine } from '../errors.js';
import type { StoredTask } from './model.js';
import type { WorkflowStore } from './store.js';

/** The error as the run log shows it: its message and, for a refused record write, each field by name. */
export function describeError(err: unknown): string {
  return errorLine(err).slice(0, 2000) || 'unknown error';
}

/**
 * The refused fields of an error (a record write the host refused with HookflowError fields),
 * kept beside the error text so the run page and the alert mail can list them one by one.
 * Only string reasons; at most 50 fields of 200 characters each.
 */
export function refusedFields(err: unknown): Record<string, string> | undefined {
  const fields = (err as { fields?: unknown } | null)?.fields;
  if (!fields || typeof fields !== 'object' || Array.isArray(fields)) return undefined;
  const entries = Object.entries(fields)
    .filter(([, v]) => typeof v === 'string')
    .slice(0, 50);
  return entries.length > 0
    ? Object.fromEntries(entries.map(([k, v]) => [k.slice(0, 200), (v as string).slice(0, 200)]))
    : undefined;
}

/** Opens a task's sealed secrets; a value the key cannot open fails the task, naming why. */
export function openTaskSecrets(store: WorkflowStore, task: StoredTask): Record<string, string> {
  try {
    return store.openSecrets(task);
  } catch (err) {
    throw new Error(
      `the task's stored secrets cannot be opened (${describeError(err)}); re-enter them on the task page, or start Hookflow with the key they were saved with (HOOKFLOW_SECRET_KEY)`,
    );
  }
}
