/** Shared by the task routes: what a task page shows, and the look-ups both route files need. */
import { HookflowError, type FieldErrors } from '../../errors.js';
import type { StoredTask, Workflow } from '../../workflows/model.js';
import type { AnyTaskDefinition } from '../../workflows/task-types.js';
import type { SendTestResult } from './send-test.js';
import type { TaskPreview } from '../task-preview.js';

/** The Preview panel: what was picked (as typed), and the request or why there is none. */
export interface TaskPreviewView {
  recordId: string;
  runId: string;
  result?: TaskPreview;
  error?: string;
}

export interface TaskPage {
  wf: Workflow;
  type: string;
  task: StoredTask | null;
  common: { title: string; description: string | null };
  values: Record<string, unknown>;
  errors?: FieldErrors;
  test?: SendTestResult & { recordId: string };
  preview?: TaskPreviewView;
}

export function findTask(wf: Workflow, taskId: number): { task: StoredTask; index: number } {
  const index = wf.tasks.findIndex((t) => t.id === taskId);
  if (index < 0) throw new HookflowError('not_found', `task ${taskId} is not part of workflow ${wf.id}`);
  return { task: wf.tasks[index], index };
}

/** The task type `type` of the registry (its form, label, summary); a 400 for a type it does not have. */
export function taskTypeOf(taskTypes: ReadonlyMap<string, AnyTaskDefinition>, type: string): AnyTaskDefinition {
  const def = taskTypes.get(type);
  if (!def) throw new HookflowError('bad_request', `unknown task type ${type}`);
  return def;
}
