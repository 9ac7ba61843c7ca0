/** A bare delivery to `url` (no run, workflow or task), queued as the webhook task would queue one; its id. */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { enqueueDelivery } from '../../module/outbound/queue/enqueue.js';

export function enqueueTestDelivery(db: Knex, url: string, webhookId = `msg_${randomUUID()}`): Promise<number> {
  return enqueueDelivery(db, {
    webhookId,
    runId: null,
    workflowId: null,
    taskId: null,
    eventType: null,
    module: 'Deals',
    recordId: 1,
    method: 'POST',
    url,
    headers: {},
    contentType: 'application/json',
    body: '{}',
    originKey: null,
  }).then((r) => r.id);
}
