import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createAlertMailRenderer } from '../../../module/alerts/alert-mail.js';
import {
  buildAlertView,
  formatTime,
  recordLabelOf,
  MAX_LISTED_DELIVERIES,
  type AlertGroupFacts,
  type UrlAudience,
} from '../../../module/alerts/alert-view.js';
import type { Delivery } from '../../../module/outbound/queue/read.js';

const T0 = Date.UTC(2026, 10, 23, 10, 4, 5);
const ADMIN = 'https://crm.example/settings/hookflow';

function delivery(id: number, over: Partial<Delivery> = {}): Delivery {
  return {
    id,
    webhookId: `msg_${id}`,
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
    attemptCount: 4,
    nextAttemptAt: T0,
    lastStatusCode: 500,
    lastError: 'receiver answered 500',
    resendOfId: null,
    resentAt: null,
    resentBy: null,
    cycleAttemptBase: 0,
    writeBack: null,
    createdAt: T0 - 1000,
    finishedAt: T0,
    ...over,
  };
}

function group(over: Partial<AlertGroupFacts> = {}, count = 1): AlertGroupFacts {
  return {
    taskId: 7,
    taskTitle: 'Send to ERP',
    workflowId: 3,
    workflowTitle: 'Won deals',
    disabled: null,
    deliveries: Array.from({ length: count }, (_, i) => ({
      alertId: 100 + i,
      delivery: delivery(20 + i),
      workflowTitle: 'Won deals',
      recordLabel: `Deals #${5 + i}`,
    })),
    ...over,
  };
}

const renderer = createAlertMailRenderer();
const render = (
  g: AlertGroupFacts,
  alertIds = g.deliveries.map((d) => d.alertId),
  name = 'Ada',
  audience: UrlAudience = 'admin',
) => {
  const { subject, view } = buildAlertView({ group: g, alertIds, recipientName: name, adminUrl: ADMIN, audience });
  return { subject, view, ...renderer.render(view) };
};

describe('alert mail: content', () => {
  test('an error that only repeats the status line is not shown twice', () => {
    const m = render(
      group({
        deliveries: [
          {
            alertId: 1,
            delivery: delivery(9, { lastStatusCode: 502, lastError: 'HTTP 502' }),
            workflowTitle: 'Won deals',
            recordLabel: 'Deals #5',
          },
        ],
      }),
    );
    assert.equal(m.view.deliveries[0].error, null);
    assert.ok(m.text.includes('Last result: HTTP 502\n'), m.text);
    assert.ok(!m.html.includes('HTTP 502 &mdash;'), 'no dash after the status');
  });

  test('a single failure names workflow, webhook, record, URL, last status, attempts and the log link', () => {
    const m = render(group());
    assert.equal(m.subject, '[Hookflow] Webhook failed: Won deals / Send to ERP (Deals #5)');
    for (const part of [m.html, m.text]) {
      for (const want of [
        'Won deals',
        'Send to ERP',
        'Deals #5',
        'POST https://erp.example/hook',
        'HTTP 500',
        'receiver answered 500',
        '2026-11-23 10:04:05 UTC',
        `${ADMIN}/deliveries/20`,
      ]) {
        assert.ok(part.includes(want), `${want} in ${part === m.html ? 'html' : 'text'}`);
      }
    }
    assert.match(m.text, /Attempts:\s+4/);
    assert.doesNotMatch(m.text, /disabled/i);
  });

  test('a digest lists only the recipient’s deliveries and counts them', () => {
    const g = group({}, 3);
    const all = render(g);
    assert.equal(all.subject, '[Hookflow] 3 webhook deliveries failed: Won deals / Send to ERP');
    assert.equal(all.view.isDigest, true);
    for (const id of [20, 21, 22]) assert.ok(all.text.includes(`${ADMIN}/deliveries/${id}`));
    const owners = render(g, [100, 102]);
    assert.equal(owners.view.count, 2);
    assert.ok(!owners.text.includes(`${ADMIN}/deliveries/21`), 'someone else’s delivery is not shown');
    assert.ok(
      owners.text.includes(`${ADMIN}/deliveries?status=failed&taskId=7`),
      'links the webhook’s failed deliveries',
    );
  });

  test('a huge digest lists the first deliveries and counts the rest', () => {
    const m = render(group({}, MAX_LISTED_DELIVERIES + 7));
    assert.equal(m.view.deliveries.length, MAX_LISTED_DELIVERIES);
    assert.match(m.text, /and 7 more failed deliveries/);
  });

  test('a webhook disabled by 410 Gone says so clearly, in the subject too', () => {
    const m = render(
      group({ disabled: { reason: 'receiver answered 410 Gone for https://erp.example/hook?token=abc' } }),
    );
    assert.match(m.subject, /^\[Hookflow\] Webhook disabled: /);
    assert.match(m.text, /This webhook is now disabled/);
    assert.match(m.html, /This webhook is now disabled/);
    assert.ok(m.text.includes(`${ADMIN}/workflows/3`), 'links to the workflow to fix it');
    assert.ok(!m.text.includes('abc'), 'a token in the reason is masked');
  });

  test('deleted workflow/task and a record-less delivery still render', () => {
    const m = render(
      group({
        taskTitle: null,
        workflowTitle: null,
        deliveries: [
          {
            alertId: 1,
            delivery: delivery(9, { recordId: null, lastStatusCode: null, lastError: 'connect ECONNREFUSED' }),
            workflowTitle: null,
            recordLabel: 'no record',
          },
        ],
      }),
    );
    assert.equal(m.subject, '[Hookflow] Webhook failed: deleted workflow / webhook #7 (deleted) (no record)');
    assert.match(m.text, /no HTTP response - connect ECONNREFUSED/);
  });
});

describe('alert mail: safety', () => {
  const hostile = '<script>alert(1)</script>\r\nBcc: victim@example.com';

  test('admin-written titles are HTML-escaped in the HTML part', () => {
    const m = render(
      group({
        workflowTitle: hostile,
        taskTitle: '<b>x</b>',
        deliveries: [
          {
            alertId: 1,
            delivery: delivery(1, { lastError: '<img src=x onerror=alert(1)>' }),
            workflowTitle: hostile,
            recordLabel: 'Deals #5 “<i>”',
          },
        ],
      }),
    );
    assert.ok(!m.html.includes('<script>'), 'no live script tag');
    assert.ok(!m.html.includes('<img src=x'), 'no live img tag');
    assert.ok(!m.html.includes('<b>x</b>'));
    assert.ok(m.html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(m.text.includes('<script>alert(1)</script>'), 'plain text is not HTML-escaped');
  });

  test('CR/LF in titles never reach the Subject header', () => {
    const { subject } = render(group({ workflowTitle: hostile, taskTitle: 'a\nb' }));
    assert.doesNotMatch(subject, /[\r\n]/);
    assert.ok(subject.includes('<script>alert(1)</script> Bcc: victim@example.com'));
    assert.ok(subject.length <= 200);
  });

  const SLACK = 'https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX';
  const slackGroup = () =>
    group({
      disabled: { reason: `receiver answered 410 Gone for ${SLACK}` },
      deliveries: [
        {
          alertId: 1,
          delivery: delivery(9, {
            url: SLACK,
            lastStatusCode: null,
            lastError: `URL ${SLACK}?token=abc: connect ECONNREFUSED`,
          }),
          workflowTitle: 'Won deals',
          recordLabel: 'Deals #5',
        },
      ],
    });

  test('a non-admin owner sees URLs as origins only: in the request line, the error and the disable reason', () => {
    const m = render(slackGroup(), undefined, 'Sam', 'owner');
    for (const part of [m.text, m.html]) {
      assert.ok(
        !part.includes('XXXX') && !part.includes('/services') && !part.includes('abc'),
        'no path or query anywhere',
      );
      assert.ok(part.includes('POST https://hooks.slack.com'), 'the receiver is still named');
    }
    assert.match(m.text, /Request: {5}POST https:\/\/hooks\.slack\.com\n/);
    assert.match(m.text, /Reason: receiver answered 410 Gone for https:\/\/hooks\.slack\.com\n/);
    assert.match(m.text, /no HTTP response - URL https:\/\/hooks\.slack\.com: connect ECONNREFUSED/);
  });

  test('an admin sees the path with its secret segments masked', () => {
    const m = render(slackGroup(), undefined, 'Ada', 'admin');
    for (const part of [m.text, m.html]) {
      assert.ok(!part.includes('XXXX') && !part.includes('abc'), 'the secret segment and the token are masked');
      assert.ok(part.includes('https://hooks.slack.com/services/T000/B000/****'));
    }
    assert.match(
      m.text,
      /URL https:\/\/hooks\.slack\.com\/services\/T000\/B000\/\*\*\*\*\?token=\*\*\*\*: connect ECONNREFUSED/,
    );
  });
});

describe('alert mail: one line per value in the text part', () => {
  const EVIL = 'Log entry: https://evil.example/x';
  const SEPARATORS = ['\n', '\r\n', '\r', '\u2028', '\u2029', '\u0085', '\v', '\f', '\u001b', '\u009b', '\t\n\r'];
  // Every value the text template interpolates, and how to make it hostile.
  const fields: Record<string, (v: string) => Parameters<typeof render>> = {
    'workflow title': (v) => [group({ workflowTitle: v })],
    'task name': (v) => [group({ taskTitle: v })],
    'delivery workflow title': (v) => [
      group({ deliveries: [{ alertId: 1, delivery: delivery(9), workflowTitle: v, recordLabel: 'Deals #5' }] }),
    ],
    'record title': (v) => [
      group({
        deliveries: [
          {
            alertId: 1,
            delivery: delivery(9),
            workflowTitle: 'w',
            recordLabel: recordLabelOf('Deals', 5, { title: v }),
          },
        ],
      }),
    ],
    'record name': (v) => [
      group({
        deliveries: [
          {
            alertId: 1,
            delivery: delivery(9),
            workflowTitle: 'w',
            recordLabel: recordLabelOf('Leads', 5, { name: v }),
          },
        ],
      }),
    ],
    'error text': (v) => [
      group({
        deliveries: [
          { alertId: 1, delivery: delivery(9, { lastError: v }), workflowTitle: 'w', recordLabel: 'Deals #5' },
        ],
      }),
    ],
    method: (v) => [
      group({
        deliveries: [{ alertId: 1, delivery: delivery(9, { method: v }), workflowTitle: 'w', recordLabel: 'Deals #5' }],
      }),
    ],
    URL: (v) => [
      group({
        deliveries: [
          {
            alertId: 1,
            delivery: delivery(9, { url: `https://erp.example/h?q=${v}` }),
            workflowTitle: 'w',
            recordLabel: 'Deals #5',
          },
        ],
      }),
    ],
    'disable reason': (v) => [group({ disabled: { reason: v } })],
    'user name': (v) => [group(), undefined, v],
  };

  for (const [field, make] of Object.entries(fields)) {
    test(`${field}: a line break of any kind cannot add a line`, () => {
      const baseline = render(...make('Deal')).text.split('\n').length;
      for (const sep of SEPARATORS) {
        const { text } = render(...make(`Deal${sep}${EVIL}`));
        const lines = text.split('\n');
        assert.equal(lines.length, baseline, `${field} with ${JSON.stringify(sep)}: no extra line`);
        assert.ok(
          !lines.some((l) => l.startsWith('Log entry: https://evil')),
          `${field} with ${JSON.stringify(sep)}: no forged line`,
        );
        assert.doesNotMatch(
          text,
          /[\r\u000b\u000c\u0085\u2028\u2029\u001b\u009b]/,
          'no control or separator left anywhere',
        );
      }
    });
  }
});

describe('alert view helpers', () => {
  test('record labels', () => {
    assert.equal(recordLabelOf('Deals', 5, { title: ' Big deal ' }), 'Deals #5 “Big deal”');
    assert.equal(recordLabelOf('Leads', 2, { lastname: 'L' }), 'Leads #2');
    assert.equal(recordLabelOf('Deals', 5, null), 'Deals #5 (deleted)');
    assert.equal(recordLabelOf('Deals', 0, undefined), 'no record');
  });
  test('times are UTC', () => {
    assert.equal(formatTime(T0), '2026-11-23 10:04:05 UTC');
    assert.equal(formatTime(null), 'unknown');
  });
});
