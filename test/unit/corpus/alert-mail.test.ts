/**
 * Runs test/corpus/alert-mail.tsv: hostile values in every interpolated field of the text alert
 * mail (each must stay on its line), the URL an owner and an admin see, and the secret-looking
 * rule for URL parts. Mails are rendered from the real templates (views/emails).
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createAlertMailRenderer } from '../../../module/alerts/alert-mail.js';
import {
  buildAlertView,
  recordLabelOf,
  type AlertDeliveryFacts,
  type AlertGroupFacts,
  type UrlAudience,
} from '../../../module/alerts/alert-view.js';
import { displayUrlFor, secretRuleOf } from '../../../module/alerts/url-display.js';
import type { Delivery } from '../../../module/outbound/queue/read.js';
import { caseOptions, caseTitle, loadCorpus, type CorpusCase } from '../../corpus/parse-corpus.js';

const T0 = Date.UTC(2026, 10, 23, 10, 4, 5);
const renderer = createAlertMailRenderer();

const delivery = (over: Partial<Delivery> = {}): Delivery => ({
  id: 20,
  webhookId: 'msg_20',
  runId: 1,
  workflowId: 3,
  taskId: 7,
  eventType: 'record.created',
  module: 'Deals',
  recordId: 5,
  method: 'POST',
  url: 'https://erp.example/hook',
  destinationHost: 'erp.example',
  headers: {},
  contentType: 'application/json',
  body: '{}',
  status: 'failed',
  attemptCount: 4,
  nextAttemptAt: T0,
  lastStatusCode: 500,
  lastError: 'HTTP 500',
  resendOfId: null,
  resentAt: null,
  resentBy: null,
  cycleAttemptBase: 0,
  writeBack: null,
  createdAt: T0,
  finishedAt: T0,
  ...over,
});

interface MailInput {
  group: AlertGroupFacts;
  recipientName: string;
}

/** The base mail, with one field set to `value`. */
function mailWith(field: string, value: string): MailInput {
  const d: AlertDeliveryFacts = { alertId: 1, delivery: delivery(), workflowTitle: 'flow', recordLabel: 'Deals #5' };
  const group: AlertGroupFacts = {
    taskId: 7,
    taskTitle: 'hook',
    workflowId: 3,
    workflowTitle: 'flow',
    disabled: null,
    deliveries: [d],
  };
  const set: Record<string, () => void> = {
    workflow: () => {
      group.workflowTitle = value;
    },
    task: () => {
      group.taskTitle = value;
    },
    'delivery-workflow': () => {
      d.workflowTitle = value;
    },
    'record-title': () => {
      d.recordLabel = recordLabelOf('Deals', 5, { title: value });
    },
    'record-name': () => {
      d.recordLabel = recordLabelOf('Leads', 5, { name: value });
    },
    error: () => {
      d.delivery = delivery({ lastError: value });
    },
    reason: () => {
      group.disabled = { reason: value };
    },
    url: () => {
      d.delivery = delivery({ url: value });
    },
    user: () => undefined,
    base: () => undefined,
  };
  assert.ok(field in set, `unknown field ${field}`);
  set[field]();
  return { group, recipientName: field === 'user' ? value : 'Ada' };
}

function renderText(m: MailInput, audience: UrlAudience): string {
  const { view } = buildAlertView({
    group: m.group,
    alertIds: [1],
    recipientName: m.recipientName,
    adminUrl: 'https://crm.example/settings/hookflow',
    audience,
  });
  return renderer.render(view).text;
}

function checkLine(c: CorpusCase): void {
  const [, field, value] = c.inputs;
  // The same mail with a harmless value: the hostile one must not change the number of lines.
  const harmless = field === 'url' ? 'https://erp.example/hook' : 'Deal';
  const text = renderText(mailWith(field, value), 'admin');
  const lines = text.split('\n');
  assert.equal(
    lines.length,
    renderText(mailWith(field, harmless), 'admin').split('\n').length,
    `${c.where} (${c.reason}): no extra line`,
  );
  assert.ok(
    lines.includes(c.expected),
    `${c.where} (${c.reason}): expected the line ${JSON.stringify(c.expected)} in\n${text}`,
  );
  assert.doesNotMatch(
    text,
    /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/,
    'no control character or separator anywhere',
  );
}

function checkUrl(c: CorpusCase): void {
  const [, audience, url] = c.inputs;
  assert.ok(audience === 'owner' || audience === 'admin', `${c.where}: audience must be owner or admin`);
  assert.equal(displayUrlFor(url, audience), c.expected, `${c.where} (${c.reason})`);
  const text = renderText(mailWith('url', url), audience);
  assert.ok(text.split('\n').includes(`  Request:     POST ${c.expected}`), `${c.where}: the mail shows the same`);
}

function checkSegment(c: CorpusCase): void {
  assert.equal(secretRuleOf(c.inputs[2]) ?? 'keep', c.expected, `${c.where} (${c.reason})`);
}

const CHECKS: Record<string, (c: CorpusCase) => void> = { line: checkLine, url: checkUrl, segment: checkSegment };

describe('alert mail corpus', () => {
  for (const c of loadCorpus('alert-mail.tsv', 3)) {
    test(caseTitle(c), caseOptions(c), () => {
      const check = CHECKS[c.inputs[0]];
      assert.ok(check, `${c.where}: unknown kind ${c.inputs[0]}`);
      check(c);
    });
  }
});
