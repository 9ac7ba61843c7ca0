/** Shared by the task routes: what a task page shows, and the look-ups both route files need. */
import { HookflowError, type FieldErrors } from '../../errors.js';
import type { StoredTask, Workflow } from '../../workflows/model.js';
import { taskFormFor, type TaskForm } from './task-forms.js';
import type { SendTestResult } from './send-test.js';

export interface TaskPage {
  wf: Workflow;
  type: string;
  task: StoredTask | null;
  common: { title: string; description: string | null };
  values: Record<string, unknown>;
  errors?: FieldErrors;
  test?: SendTestResult & { recordId: string };
}

export function findTask(wf: Workflow, taskId: number): { task: StoredTask; index: number } {
  const index = wf.tasks.findIndex((t) => t.id === taskId);
  if (index < 0) throw new HookflowError('not_found', `task ${taskId} is not part of workflow ${wf.id}`);
  return { task: wf.tasks[index], index };
}

export function formOf(type: string): TaskForm {
  const form = taskFormFor(type);
  if (!form) throw new HookflowError('bad_request', `unknown task type ${type}`);
  return form;
}
