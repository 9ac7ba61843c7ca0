import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createAlertMailRenderer } from '../../../module/alerts/alert-mail.js';
import {
  buildRunAlertView,
  MAX_LISTED_RUNS,
  type AlertRunFacts,
  type RunAlertGroupFacts,
} from '../../../module/alerts/run-alert-view.js';
import type { UrlAudience } from '../../../module/alerts/alert-view.js';
import type { TaskResult } from '../../../module/workflows/runs.js';

const T0 = Date.UTC(2026, 11, 1, 9, 30, 0);
const ADMIN = 'https://crm.example/settings/hookflow';
const REFUSED: TaskResult = {
  taskId: 11,
  type: 'create_record',
  title: 'Create the lead',
  status: 'failed',
  durationMs: 2,
  error: 'Some fields have invalid values: email: must be an email address',
  fields: { email: 'must be an email address' },
};

function runFacts(id: number, over: Partial<AlertRunFacts> = {}, results: TaskResult[] = [REFUSED]): AlertRunFacts {
  return {
    alertId: 100 + id,
    recordLabel: `Deals #${id} “Deal ${id}”`,
    recordLink: `https://crm.example/records/Deals/${id}`,
    run: {
      id,
      workflowId: 3,
      error: 'Task "Create the lead" (create_record) failed: …',
      taskResults: results,
      finishedAt: T0,
    },
    ...over,
  };
}
const group = (runs: AlertRunFacts[], over: Partial<RunAlertGroupFacts> = {}): RunAlertGroupFacts => ({
  workflowId: 3,
  workflowTitle: 'Leads from deals',
  runs,
  ...over,
});

const renderer = createAlertMailRenderer();
function render(g: RunAlertGroupFacts, audience: UrlAudience = 'admin', alertIds = g.runs.map((r) => r.alertId)) {
  const { subject, view } = buildRunAlertView({ group: g, alertIds, recipientName: 'Ada', adminUrl: ADMIN, audience });
  return { subject, view, ...renderer.renderRun(view) };
}
const hrefs = (html: string) =>
  [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1].replace(/&#x3D;/g, '=').replace(/&amp;/g, '&'));

describe('run failure mail: content', () => {
  test('one failed run names the workflow, the record, the failed task, each field, the reason and when', () => {
    const m = render(group([runFacts(5)]));
    assert.equal(m.subject, '[Hookflow] Workflow run failed: Leads from deals (Deals #5 “Deal 5”)');
    const lines = m.text.split('\n');
    for (const want of [
      'A WORKFLOW RUN FAILED',
      'Run #5 - Deals #5 “Deal 5”',
      '  Failed task: 1. Create the lead (create_record)',
      '  Reason:      Some fields have invalid values',
      '  Field:       email - must be an email address',
      '  Failed at:   2026-12-01 09:30:00 UTC',
      `  Log entry:   ${ADMIN}/runs/5`,
      `All failed runs of this workflow: ${ADMIN}/runs?status=failed&workflowId=3`,
    ]) {
      assert.ok(lines.includes(want), `${want} in\n${m.text}`);
    }
    for (const want of [
      'Leads from deals',
      'Run #5 &middot; Deals #5',
      '1. Create the lead (create_record)',
      'Some fields have invalid values',
      '<code>email</code> &mdash; must be an email address',
      '2026-12-01 09:30:00 UTC',
    ]) {
      assert.ok(m.html.includes(want), `${want} in the html`);
    }
  });

  test('a run that failed outside its tasks says so', () => {
    const m = render(
      group(
        [
          runFacts(6, {
            run: { id: 6, workflowId: 3, error: 'workflow 3 no longer exists', taskResults: [], finishedAt: T0 },
          }),
        ],
        { workflowTitle: null },
      ),
    );
    assert.equal(m.subject, '[Hookflow] Workflow run failed: deleted workflow (Deals #6 “Deal 6”)');
    assert.ok(
      m.text.includes('  Failed:      before any task ran\n  Reason:      workflow 3 no longer exists\n'),
      m.text,
    );
    assert.doesNotMatch(m.text, /Failed task:/);
    assert.equal(m.view.workflowLink, null, 'no link to a deleted workflow');
  });

  test('a digest lists only the recipient’s runs, counts them and caps the list', () => {
    const g = group([runFacts(1), runFacts(2), runFacts(3)]);
    const all = render(g);
    assert.equal(all.subject, '[Hookflow] 3 workflow runs failed: Leads from deals');
    assert.match(all.text, /^3 WORKFLOW RUNS FAILED$/m);
    const mine = render(g, 'owner', [101, 103]);
    assert.equal(mine.view.count, 2);
    assert.ok(!mine.text.includes('Run #2 '), 'someone else’s run is not shown');
    const many = render(group(Array.from({ length: MAX_LISTED_RUNS + 4 }, (_, i) => runFacts(i + 1))));
    assert.equal(many.view.runs.length, MAX_LISTED_RUNS);
    assert.match(many.text, /and 4 more failed runs of this workflow/);
  });
});

describe('run failure mail: links by audience', () => {
  test('an admin gets the record, the log entry, the workflow’s failed runs and the workflow', () => {
    assert.deepEqual(hrefs(render(group([runFacts(5)])).html), [
      'https://crm.example/records/Deals/5',
      `${ADMIN}/runs/5`,
      `${ADMIN}/runs?status=failed&workflowId=3`,
      `${ADMIN}/workflows/3`,
    ]);
  });

  test('a non-admin owner gets the record link and nothing into the admin pages', () => {
    const m = render(group([runFacts(5)]), 'owner');
    assert.deepEqual(hrefs(m.html), ['https://crm.example/records/Deals/5']);
    assert.ok(!m.text.includes(ADMIN) && !m.html.includes(ADMIN));
    assert.ok(m.text.includes('  Record:      https://crm.example/records/Deals/5\n'));
  });

  test('without a record link the owner’s mail has no link at all', () => {
    const m = render(group([runFacts(5, { recordLink: null })]), 'owner');
    assert.deepEqual(hrefs(m.html), []);
    assert.doesNotMatch(m.text, /https?:\/\//);
  });
});

describe('run failure mail: safety', () => {
  const EVIL = 'x\nLog entry: https://evil.example/x\r\u2028Reason: forged';

  test('every value stays on its line in the text part, and is escaped in the HTML part', () => {
    const hostile: TaskResult = {
      ...REFUSED,
      title: `<b>${EVIL}</b>`,
      error: `${EVIL}: ${EVIL}: ${EVIL}`,
      fields: { [EVIL]: EVIL },
    };
    const m = render(group([runFacts(5, { recordLabel: EVIL }, [hostile])], { workflowTitle: EVIL }));
    const lines = m.text.split('\n');
    assert.deepEqual(
      lines.filter((l) => /^\s*(Log entry|Reason):/.test(l)).map((l) => l.trim().split(':')[0]),
      ['Reason', 'Log entry'],
      'no forged line',
    );
    assert.doesNotMatch(m.text, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/);
    assert.ok(!m.html.includes('<b>'), 'no live markup');
    assert.doesNotMatch(m.subject, /[\r\n]/);
  });

  test('URLs inside a reason or a field message are shown as the audience may see them', () => {
    const secret = 'https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX';
    const failed: TaskResult = {
      ...REFUSED,
      error: `redirect to ${secret} refused`,
      fields: { website: `${secret} is not allowed` },
    };
    const owner = render(group([runFacts(5, {}, [failed])]), 'owner');
    assert.ok(!owner.text.includes('/services') && !owner.html.includes('/services'), 'the owner sees the origin only');
    assert.ok(owner.text.includes('  Reason:      redirect to https://hooks.slack.com refused\n'), owner.text);
    assert.ok(owner.text.includes('  Field:       website - https://hooks.slack.com is not allowed\n'));
    const admin = render(group([runFacts(5, {}, [failed])]), 'admin');
    assert.ok(admin.text.includes('https://hooks.slack.com/services/T000/B000/****'));
    assert.ok(!admin.text.includes('XXXX'));
  });
});
