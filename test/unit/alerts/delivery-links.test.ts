/** The delivery failure mail's links by audience: a non-admin owner never gets a link into the admin pages. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAlertMailRenderer } from '../../../module/alerts/alert-mail.js';
import { buildAlertView, type AlertGroupFacts, type UrlAudience } from '../../../module/alerts/alert-view.js';
import type { Delivery } from '../../../module/outbound/queue/read.js';

const T0 = Date.UTC(2026, 10, 23, 10, 4, 5);
const ADMIN = 'https://crm.example/settings/hookflow';
const RECORD = 'https://crm.example/records/Deals/5';

const delivery: Delivery = {
  id: 20,
  webhookId: 'msg_20',
  runId: 1,
  workflowId: 3,
  taskId: 7,
  eventType: 'deal.updated',
  module: 'Deals',
  recordId: 5,
  method: 'POST',
  url: 'https://erp.example/hook',
  destinationHost: 'erp.example',
  headers: {},
  contentType: 'application/json',
  body: '{}',
  status: 'failed',
  attemptCount: 1,
  nextAttemptAt: T0,
  lastStatusCode: 410,
  lastError: 'HTTP 410',
  resendOfId: null,
  resentAt: null,
  resentBy: null,
  cycleAttemptBase: 0,
  writeBack: null,
  createdAt: T0,
  finishedAt: T0,
};
const group = (recordLink: string | null): AlertGroupFacts => ({
  taskId: 7,
  taskTitle: 'Send to ERP',
  workflowId: 3,
  workflowTitle: 'Won deals',
  disabled: { reason: 'the receiver answered 410 Gone' },
  deliveries: [{ alertId: 1, delivery, workflowTitle: 'Won deals', recordLabel: 'Deals #5', recordLink }],
});
const renderer = createAlertMailRenderer();
const render = (g: AlertGroupFacts, audience: UrlAudience) =>
  renderer.render(buildAlertView({ group: g, alertIds: [1], recipientName: 'Sam', adminUrl: ADMIN, audience }).view);
const hrefs = (html: string) =>
  [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1].replace(/&#x3D;/g, '=').replace(/&amp;/g, '&'));

test('the owner gets the record link and no link into the admin pages (not even the disabled webhook’s workflow)', () => {
  const m = render(group(RECORD), 'owner');
  assert.deepEqual(hrefs(m.html), [RECORD]);
  assert.ok(!m.text.includes(ADMIN), m.text);
  assert.ok(m.text.includes(`  Record:      ${RECORD}\n`));
  assert.match(m.text, /This webhook is now disabled/, 'the owner still learns it is disabled');
});

test('without a record link the owner’s mail links nothing', () => {
  const m = render(group(null), 'owner');
  assert.deepEqual(hrefs(m.html), []);
  assert.ok(!m.text.includes(ADMIN));
  assert.doesNotMatch(m.text, /Record:|Log entry:/);
});

test('an admin gets the record, the log entry, the webhook’s failed deliveries and the workflow', () => {
  const m = render(group(RECORD), 'admin');
  assert.deepEqual(
    hrefs(m.html).sort(),
    [RECORD, `${ADMIN}/deliveries/20`, `${ADMIN}/deliveries?status=failed&taskId=7`, `${ADMIN}/workflows/3`].sort(),
  );
  assert.ok(m.text.includes(`  Record:      ${RECORD}\n  Log entry:   ${ADMIN}/deliveries/20\n`), m.text);
});
