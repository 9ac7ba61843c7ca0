/** Every task type, by id. Adding a task type = one file under tasks/ + one line here. */
import type { AnyTaskDefinition } from '../task-types.js';
import { setEnvTask } from './set-env.js';
import { respondTask } from './respond.js';
import { createRecordTask } from './create-record.js';
import { updateRecordTask } from './update-record.js';
import { sendEmailTask } from './send-email.js';
import { webhookTask } from './webhook.js';

export function createTaskRegistry(): Map<string, AnyTaskDefinition> {
  const all: AnyTaskDefinition[] = [webhookTask, createRecordTask, updateRecordTask, sendEmailTask, setEnvTask, respondTask];
  return new Map(all.map((t) => [t.id, t]));
}
