/**
 * Failure alerts in the recipient's language and zone, end to end: users stored by the reference
 * CRM with a locale and a time zone, a real failed delivery or run, mails through a real SMTP peer.
 */
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import type { HostUser } from '../../../module/host.js';
import type { UserService } from '../../../host/users.js';
import { createAlertWorld, createWebhookWorkflow, failAll, type AlertWorld } from './alert-fixture.js';
import {
  createDealWorkflow,
  createRunAlertWorld,
  dealOf,
  refusedLeadTask,
  type RunAlertWorld,
} from './run-alert-fixture.js';

/** How a German reader in Berlin sees `ms` (independent of the module's formatting code). */
const berlinTime = (ms: number) =>
  new Intl.DateTimeFormat('de-DE', { timeZone: 'Europe/Berlin', dateStyle: 'medium', timeStyle: 'long' }).format(
    new Date(ms),
  );
const utcTime = (ms: number) => `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;

async function germanOwner(users: UserService, email: string): Promise<HostUser> {
  const existing = await users.getByEmail(email);
  const user = existing ?? (await users.createUser({ name: 'Grete Groß', email }));
  // Set the way the CRM's API does it (PATCH /api/me), and read back through the HostUsers contract.
  await users.setPreferences(user.id, { locale: 'de-DE', timeZone: 'Europe/Berlin' });
  const stored = (await users.get(user.id))!;
  assert.equal(stored.locale, 'de-DE');
  assert.equal(stored.timeZone, 'Europe/Berlin');
  return stored;
}

describeEachEngine('failure alerts in the recipient’s language and zone', (tdb) => {
  let w: AlertWorld;
  before(async () => {
    w = await createAlertWorld(tdb().db);
  });
  after(async () => {
    await w.close();
  });
  beforeEach(() => {
    w.smtp.received.length = 0;
  });

  test('a German owner in Europe/Berlin gets a German mail with the Berlin failure time; an English/UTC admin gets English', async () => {
    const grete = await germanOwner(w.h.users, 'grete@example.de');
    const { workflowId } = await createWebhookWorkflow(w, 'Won deals to ERP', '/erp');
    const deal = await w.h.records.create('Deals', { title: 'Großauftrag' }, { actorUserId: grete.id });
    assert.equal(deal.ownerUserId, grete.id);
    await failAll(w, workflowId);
    const [d] = await w.h.context.db('hookflow_deliveries').where({ workflow_id: workflowId });
    assert.equal(d.status, 'failed');
    const failedAt = Number(d.finished_at);
    const record = `Deals #${deal.id} “Großauftrag”`;

    const [german] = w.smtp.to('grete@example.de');
    assert.ok(german, 'the owner is mailed');
    assert.equal(
      german.subject,
      `[Hookflow] Webhook fehlgeschlagen: Won deals to ERP / Won deals to ERP hook (${record})`,
    );
    const lines = german.text.split('\n');
    assert.ok(lines.includes('Hallo Grete Groß,'), german.text);
    assert.ok(lines.includes(`  Fehlgeschlagen am: ${berlinTime(failedAt)}`), german.text);
    assert.match(berlinTime(failedAt), / MES?Z$/, 'the zone is named');
    assert.ok(!german.text.includes(utcTime(failedAt)), 'not the UTC time');
    assert.ok(german.html.includes('<html lang="de">'));
    assert.ok(german.html.includes(berlinTime(failedAt)));

    for (const admin of ['admin@example.com', 'bob@example.com']) {
      const [english] = w.smtp.to(admin);
      assert.equal(english.subject, `[Hookflow] Webhook failed: Won deals to ERP / Won deals to ERP hook (${record})`);
      assert.ok(english.text.split('\n').includes(`  Failed at:   ${utcTime(failedAt)}`), english.text);
      assert.ok(english.html.includes('<html lang="en">'));
    }
  });

  test('an unknown locale and time zone: English in UTC, and a warning in the log', async () => {
    const user =
      (await w.h.users.getByEmail('xavier@example.com')) ??
      (await w.h.users.createUser({ name: 'Xavier', email: 'xavier@example.com' }));
    await w.h.context.db('crm_users').where({ id: user.id }).update({ locale: 'xx-!!', time_zone: 'Mars/Base' });
    const { workflowId } = await createWebhookWorkflow(w, 'Unknown locale', '/erp');
    await w.h.records.create('Deals', { title: 'Odd' }, { actorUserId: user.id });
    w.h.logger.entries.length = 0;
    await failAll(w, workflowId);
    const [m] = w.smtp.to('xavier@example.com');
    assert.match(m.subject, /^\[Hookflow\] Webhook failed: /);
    assert.match(m.text, /  Failed at:   \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\n/);
    const warned = w.h.logger.entries.filter((e) => e.level === 'warn').map((e) => e.msg);
    assert.ok(warned.includes('failure alert: unknown locale; writing in English'), warned.join('\n'));
    assert.ok(warned.includes('failure alert: unknown time zone; showing times in UTC'), warned.join('\n'));
  });
});

describeEachEngine('run failure alerts in the recipient’s language and zone', (tdb) => {
  let w: RunAlertWorld;
  before(async () => {
    w = await createRunAlertWorld(tdb().db);
  });
  after(async () => {
    await w.close();
  });

  test('a failed run: the German owner reads German with the Berlin time, the admins English with UTC', async () => {
    const grete = await germanOwner(w.users, 'grete@example.de');
    const { workflowId } = await createDealWorkflow(w, 'Leads from deals', [refusedLeadTask()]);
    const deal = await dealOf(w, grete, 'not-an-address');
    await w.hookflow.worker.drain();
    const [run] = await w.db('hookflow_runs').where({ workflow_id: workflowId });
    assert.equal(run.status, 'failed');
    const failedAt = Number(run.finished_at);
    const record = `Deals #${deal.id} “not-an-address”`;
    const [german] = w.smtp.to('grete@example.de');
    assert.equal(german.subject, `[Hookflow] Workflow-Lauf fehlgeschlagen: Leads from deals (${record})`);
    const lines = german.text.split('\n');
    assert.ok(lines.includes(`  Fehlgeschlagen am:       ${berlinTime(failedAt)}`), german.text);
    assert.ok(lines.includes('  Fehlgeschlagene Aufgabe: 1. Create the lead (create_record)'), german.text);
    const [english] = w.smtp.to('bob@example.com');
    assert.equal(english.subject, `[Hookflow] Workflow run failed: Leads from deals (${record})`);
    assert.ok(english.text.split('\n').includes(`  Failed at:   ${utcTime(failedAt)}`), english.text);
  });
});
