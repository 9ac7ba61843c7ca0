/**
 * Every task type, by id: the only list of them. Adding a task type = one folder under tasks/
 * (task.ts with its definition, form.ts, form.hbs) + one entry here. The order is the order of
 * the "add a task" menu on the workflow page.
 */
import type { AnyTaskDefinition } from '../task-types.js';
import { webhookTask } from './webhook/task.js';
import { createRecordTask } from './create-record/task.js';
import { updateRecordTask } from './update-record/task.js';
import { sendEmailTask } from './send-email/task.js';
import { setEnvTask } from './set-env/task.js';
import { respondTask } from './respond/task.js';

export function createTaskRegistry(): Map<string, AnyTaskDefinition> {
  const all: AnyTaskDefinition[] = [
    webhookTask,
    createRecordTask,
    updateRecordTask,
    sendEmailTask,
    setEnvTask,
    respondTask,
  ];
  return new Map(all.map((t) => [t.id, t]));
}
