import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createAlertMailRenderer } from '../../../module/alerts/alert-mail.js';
import { composeAlertMail } from '../../../module/alerts/alert-compose.js';
import type { PlannedMail } from '../../../module/alerts/alert-digest.js';
import type { LoadedGroup } from '../../../module/alerts/alert-facts.js';
import type { AlertGroupFacts } from '../../../module/alerts/alert-view.js';
import type { RunAlertGroupFacts } from '../../../module/alerts/run-alert-view.js';
import type { Delivery } from '../../../module/outbound/queue/read.js';

// 20:44:56 UTC is 21:44:56 in Berlin (winter time, MEZ).
const T0 = Date.UTC(2026, 11, 1, 20, 44, 56);
const ADMIN = 'https://crm.example/settings/hookflow';
const renderer = createAlertMailRenderer();

function delivery(id: number): Delivery {
  const d = { id, method: 'POST', url: 'https://erp.example/hook', attemptCount: 1234, finishedAt: T0 };
  return { ...d, lastStatusCode: 500, lastError: 'receiver answered 500' } as Delivery;
}

function deliveryGroup(count: number): LoadedGroup {
  const facts: AlertGroupFacts = {
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
  };
  return { kind: 'delivery', facts } as LoadedGroup;
}

function runGroup(): LoadedGroup {
  const facts: RunAlertGroupFacts = {
    workflowId: 3,
    workflowTitle: 'Leads from deals',
    runs: [
      {
        alertId: 100,
        recordLabel: 'Deals #5',
        recordLink: null,
        run: { id: 5, workflowId: 3, error: 'workflow 3 no longer exists', taskResults: [], finishedAt: T0 },
      },
    ],
  };
  return { kind: 'run', facts } as LoadedGroup;
}

function mailFor(group: LoadedGroup, pref: Pick<PlannedMail, 'locale' | 'timeZone'>, name = 'Grete') {
  const alertIds = group.kind === 'run' ? [100] : group.facts.deliveries.map((d) => d.alertId);
  const mail: PlannedMail = { address: 'x@example.com', name, userIds: [4], alertIds, audience: 'admin', ...pref };
  const warnings: string[] = [];
  const logger = { warn: (_o: object, msg?: string) => warnings.push(msg ?? '') };
  return { ...composeAlertMail(group, mail, ADMIN, renderer, logger), warnings };
}

const GERMAN = { locale: 'de-DE', timeZone: 'Europe/Berlin' };
const ENGLISH = { locale: null, timeZone: null };

describe('failure mails in the recipient’s language and zone', () => {
  test('a German owner in Berlin: German subject, words and the Berlin time with its zone', () => {
    const m = mailFor(deliveryGroup(1), GERMAN);
    assert.equal(m.subject, '[Hookflow] Webhook fehlgeschlagen: Won deals / Send to ERP (Deals #5)');
    const lines = m.text.split('\n');
    for (const want of [
      'EINE WEBHOOK-ZUSTELLUNG IST FEHLGESCHLAGEN',
      'Hallo Grete,',
      'Zustellung #20 - Deals #5',
      '  Fehlgeschlagen am: 01.12.2026, 21:44:56 MEZ',
      '  Versuche:          1.234',
      '  Letztes Ergebnis:  HTTP 500 - receiver answered 500',
    ]) {
      assert.ok(lines.includes(want), `${want} in\n${m.text}`);
    }
    assert.ok(m.text.includes('des Webhooks „Send to ERP“ im Workflow „Won deals“'), m.text);
    assert.ok(m.html.includes('<html lang="de">'));
    assert.ok(m.html.includes('des Webhooks <strong>Send to ERP</strong> im Workflow <strong>Won deals</strong>'));
    assert.ok(m.html.includes('>Fehlgeschlagen am</td><td style="padding:6px 14px;">01.12.2026, 21:44:56 MEZ<'));
    assert.ok(!m.text.includes('UTC') && !m.text.includes('Failed at'), 'nothing English or UTC left');
    assert.deepEqual(m.warnings, []);
  });

  test('the same failure for an English reader without preferences: English and UTC', () => {
    const m = mailFor(deliveryGroup(1), ENGLISH, 'Ada');
    assert.equal(m.subject, '[Hookflow] Webhook failed: Won deals / Send to ERP (Deals #5)');
    const lines = m.text.split('\n');
    for (const want of ['A WEBHOOK DELIVERY FAILED', 'Hello Ada,', '  Failed at:   2026-12-01 20:44:56 UTC']) {
      assert.ok(lines.includes(want), `${want} in\n${m.text}`);
    }
    assert.ok(m.html.includes('<html lang="en">'));
  });

  test('a German digest counts in German', () => {
    const m = mailFor(deliveryGroup(3), GERMAN);
    assert.equal(m.subject, '[Hookflow] 3 Webhook-Zustellungen fehlgeschlagen: Won deals / Send to ERP');
    assert.ok(m.text.includes('3 Zustellungen des Webhooks „Send to ERP“'), m.text);
  });

  test('a German run-failure mail: subject, outside-the-tasks line and the Berlin time', () => {
    const m = mailFor(runGroup(), GERMAN);
    assert.equal(m.subject, '[Hookflow] Workflow-Lauf fehlgeschlagen: Leads from deals (Deals #5)');
    const lines = m.text.split('\n');
    for (const want of [
      'EIN WORKFLOW-LAUF IST FEHLGESCHLAGEN',
      'Lauf #5 - Deals #5',
      '  Fehlgeschlagen:          bevor eine Aufgabe lief',
      '  Fehlgeschlagen am:       01.12.2026, 21:44:56 MEZ',
    ]) {
      assert.ok(lines.includes(want), `${want} in\n${m.text}`);
    }
  });

  test('a deleted record and a failure without one are named in German', () => {
    const group = deliveryGroup(1);
    if (group.kind !== 'delivery') throw new Error('a delivery group');
    group.facts.deliveries[0].record = { module: 'Deals', id: 5, name: null, deleted: true };
    assert.equal(
      mailFor(group, GERMAN).subject,
      '[Hookflow] Webhook fehlgeschlagen: Won deals / Send to ERP (Deals #5 (gelöscht))',
    );
    assert.equal(
      mailFor(group, ENGLISH).subject,
      '[Hookflow] Webhook failed: Won deals / Send to ERP (Deals #5 (deleted))',
    );
    group.facts.deliveries[0].record = null;
    assert.ok(mailFor(group, GERMAN).text.includes('Zustellung #20 - kein Datensatz\n'));
  });

  test('de-AT in Vienna reads German; an unknown locale and zone fall back to English/UTC, warned', () => {
    const at = mailFor(deliveryGroup(1), { locale: 'de-AT', timeZone: 'Europe/Vienna' });
    assert.equal(at.subject, '[Hookflow] Webhook fehlgeschlagen: Won deals / Send to ERP (Deals #5)');
    assert.ok(at.text.includes('01.12.2026, 21:44:56 MEZ'), at.text);
    const bad = mailFor(deliveryGroup(1), { locale: 'xx-!!', timeZone: 'Nowhere/Land' });
    assert.equal(bad.subject, '[Hookflow] Webhook failed: Won deals / Send to ERP (Deals #5)');
    assert.ok(bad.text.includes('  Failed at:   2026-12-01 20:44:56 UTC\n'), bad.text);
    assert.equal(bad.warnings.length, 2);
  });
});
