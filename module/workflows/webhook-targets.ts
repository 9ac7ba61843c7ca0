/**
 * The WebhookTargets port (outbound/ports.ts) over the workflow store: the webhook tasks as
 * outbound reads them at send time (options parsed, secrets opened), and switching one off.
 */
import { WebhookOptions } from '../outbound/webhook-request.js';
import type { WebhookTargets } from '../outbound/ports.js';
import type { WorkflowStore } from './store.js';

/** The webhook tasks as outbound reads them at send time (adapted from the workflow store). */
export function webhookTargets(store: WorkflowStore): WebhookTargets {
  return {
    async load(taskId) {
      const task = await store.getTask(taskId);
      if (!task) return null;
      const options = WebhookOptions.safeParse(task.options);
      return {
        taskId,
        options: options.success ? options.data : null,
        secrets: store.openSecrets(task),
        disabledAt: task.disabledAt,
        disabledReason: task.disabledReason,
      };
    },
    disable: (taskId, reason) => store.disableTask(taskId, reason),
  };
}
