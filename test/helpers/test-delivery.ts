/** A minimal queued delivery for queue tests: POST `url` with an empty JSON body, origin key `key`. */
import type { NewDelivery } from '../../module/outbound/queue/enqueue.js';

export const testDelivery = (url: string, key: string, over: Partial<NewDelivery> = {}): NewDelivery => ({
  webhookId: `msg_${key}`,
  runId: null,
  workflowId: null,
  taskId: null,
  eventType: 'record.created',
  module: 'Deals',
  recordId: null,
  method: 'POST',
  url,
  headers: {},
  contentType: 'application/json',
  body: '{}',
  originKey: key,
  ...over,
});
