/**
 * Why a run failed, pure: which task failed, the reason, and each refused field — from what the
 * run stored (its status, error and task results). The run page and the run-failure mail both
 * show this, so an admin reading either learns the same three things.
 *
 * Invariants: a failed run always has a reason (never an empty line); `task` is set exactly
 * when a task failed; when the run failed outside its tasks (its workflow was deleted, the
 * worker could not start it), `stage` says whether any task had run before.
 */
import type { Run, TaskResult } from '../workflows/runs.js';

export interface RunFailure {
  /** The failed task: its 1-based position among the run's results, id, title and type. */
  task: { no: number; id: number; title: string; type: string } | null;
  /** `task`: a task failed; `before_tasks`: no task ran; `after_tasks`: tasks ran, then the run failed. */
  stage: 'task' | 'before_tasks' | 'after_tasks';
  /** The reason without the field list, e.g. `Some fields have invalid values`, `workflow 7 no longer exists`. */
  reason: string;
  /** Each refused field with its reason, in the order the host gave them. */
  fields: Array<{ name: string; message: string }>;
}

/** `message: a: x; b: y` (errors.ts errorLine) → `message`, when the suffix is exactly those fields. */
export function reasonWithoutFields(error: string, fields: Record<string, string>): string {
  const suffix = `: ${Object.entries(fields)
    .map(([k, v]) => `${k}: ${v}`)
    .join('; ')}`;
  const reason = error.endsWith(suffix) ? error.slice(0, -suffix.length).trim() : error.trim();
  return reason || error.trim() || 'unknown error';
}

function failedTaskOf(results: TaskResult[]): { result: TaskResult; no: number } | null {
  for (let i = results.length - 1; i >= 0; i--)
    if (results[i].status === 'failed') return { result: results[i], no: i + 1 };
  return null;
}

/** The failure of `run`; null unless it failed. */
export function runFailureOf(run: Pick<Run, 'status' | 'error' | 'taskResults'>): RunFailure | null {
  if (run.status !== 'failed') return null;
  const results = Array.isArray(run.taskResults) ? run.taskResults : [];
  const failed = failedTaskOf(results);
  if (failed) {
    const { result, no } = failed;
    const fields = result.fields && typeof result.fields === 'object' ? result.fields : {};
    return {
      task: { no, id: result.taskId, title: result.title, type: result.type },
      stage: 'task',
      reason: reasonWithoutFields(result.error ?? run.error ?? 'unknown error', fields),
      fields: Object.entries(fields).map(([name, message]) => ({ name, message: String(message) })),
    };
  }
  const reason = (run.error ?? '').trim() || 'unknown error';
  return { task: null, stage: results.length > 0 ? 'after_tasks' : 'before_tasks', reason, fields: [] };
}

/** `2. Create the lead (create_record)`: the failed task as one line. */
export function failedTaskLine(task: NonNullable<RunFailure['task']>): string {
  return `${task.no}. ${task.title} (${task.type})`;
}
