/**
 * PURE: which secrets a task needs but does not have. Exports carry no secrets, so an imported
 * basic-auth webhook has a username and no password: it must not go live sending `Basic alice:`.
 * Such a task is flagged (API `secretsMissing`, pages) and its workflow cannot be active until
 * they are entered; an import of an active workflow with missing secrets lands inactive.
 */
import type { AnyTaskDefinition } from './task-types.js';

export interface TaskSecretsView {
  type: string;
  title: string;
  options: unknown;
}

/** Required secret names of `task` that are not in `have` (sorted); [] for unknown types. */
export function missingSecrets(
  task: TaskSecretsView,
  have: readonly string[],
  taskTypes: Map<string, AnyTaskDefinition>,
): string[] {
  const def = taskTypes.get(task.type);
  if (!def?.requiredSecrets) return [];
  const parsed = def.options.safeParse(task.options);
  if (!parsed.success) return [];
  return def
    .requiredSecrets(parsed.data)
    .filter((name) => !have.includes(name))
    .sort();
}

/** "Notify › Create invoice: password, signingSecret" — one line per task that misses some. */
export function describeMissing(items: ReadonlyArray<{ workflow: string; task: string; secrets: string[] }>): string {
  return items.map((m) => `${m.workflow} › ${m.task}: ${m.secrets.join(', ')}`).join('; ');
}

/** The import summary line the CLIs print: counts, then what to re-enter and what landed inactive. */
export function importSummary(r: {
  created: number;
  updated: number;
  secretsMissing: Array<{ workflow: string; task: string; secrets: string[] }>;
  importedInactive: string[];
}): string {
  let line = `imported: ${r.created} created, ${r.updated} updated`;
  const count = r.secretsMissing.reduce((n, m) => n + m.secrets.length, 0);
  if (count > 0)
    line += `; ${count} secret${count === 1 ? '' : 's'} to re-enter (${describeMissing(r.secretsMissing)})`;
  if (r.importedInactive.length > 0) line += `; inactive until then: ${r.importedInactive.join(', ')}`;
  return line;
}
