/**
 * Run-failure mails the SMTP server refuses are retried without mailing anyone twice, and never
 * touch the run; a host without `recordUrl` sends the owner a mail without any link.
 */
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { dbNowMs } from '../../../module/storage/engine.js';
import {
  createDealWorkflow,
  createRunAlertWorld,
  dealOf,
  hrefsOf,
  refusedLeadTask,
  runAlertsOf,
  type RunAlertWorld,
} from './run-alert-fixture.js';

const MIN = 60_000;
const EVERYONE = ['admin@example.com', 'bob@example.com', 'sam@example.com'];

describeEachEngine('run failure alerts: refused mail', (tdb) => {
  let w: RunAlertWorld;
  before(async () => {
    w = await createRunAlertWorld(tdb().db);
  });
  after(async () => {
    await w.close();
  });
  beforeEach(() => {
    w.smtp.received.length = 0;
    w.smtp.refuse.clear();
  });
  const db = () => tdb().db;
  const rcpts = () => w.smtp.received.flatMap((m) => m.rcptTo).sort();

  test('one recipient refused: retried later, only that recipient is mailed again; the run stays failed', async () => {
    const { workflowId } = await createDealWorkflow(w, 'Busy mailbox', [refusedLeadTask()]);
    w.smtp.refuse.add('bob@example.com');
    await dealOf(w, w.sales, 'partial');
    await w.hookflow.worker.drain();
    assert.deepEqual(rcpts(), ['admin@example.com', 'sam@example.com']);
    let [alert] = await runAlertsOf(w, workflowId);
    assert.equal(alert.status, 'pending');
    assert.equal(alert.attempts, 1);
    assert.match(alert.last_error, /mail to 1 of 3 recipients failed: .*451/);
    const now = await dbNowMs(db());
    assert.ok(
      Number(alert.due_at) > now + 0.5 * MIN && Number(alert.due_at) <= now + MIN,
      'first retry about a minute later',
    );

    await w.hookflow.worker.drain();
    assert.deepEqual(rcpts(), ['admin@example.com', 'sam@example.com'], 'not before its retry time');
    w.smtp.refuse.clear();
    await db()('hookflow_alerts').where({ id: alert.id }).update({ due_at: 0 });
    await w.hookflow.worker.drain();
    assert.deepEqual(rcpts(), EVERYONE, 'only bob is mailed on the retry');
    [alert] = await runAlertsOf(w, workflowId);
    assert.equal(alert.status, 'sent');
    await db()('hookflow_alerts').where({ id: alert.id }).update({ due_at: 0 });
    await w.hookflow.worker.drain();
    assert.deepEqual(rcpts(), EVERYONE, 'nobody twice');
    const [run] = await db()('hookflow_runs').where({ workflow_id: workflowId });
    assert.equal(run.status, 'failed', 'the run is never touched by its alert');
  });

  test('SMTP server down: the alert waits and is delivered to everyone once it is back', async () => {
    const { workflowId } = await createDealWorkflow(w, 'SMTP down', [refusedLeadTask()]);
    await w.smtp.stop();
    try {
      await dealOf(w, w.sales, 'unlucky');
      await w.hookflow.worker.drain();
    } finally {
      await w.smtp.start();
    }
    let [alert] = await runAlertsOf(w, workflowId);
    assert.equal(alert.status, 'pending');
    assert.match(alert.last_error, /ECONNREFUSED/);
    assert.equal(alert.lease_owner, null, 'lease released');
    await db()('hookflow_alerts').where({ id: alert.id }).update({ due_at: 0 });
    await w.hookflow.worker.drain();
    assert.deepEqual(rcpts(), EVERYONE);
    [alert] = await runAlertsOf(w, workflowId);
    assert.equal(alert.status, 'sent');
  });
});

describeEachEngine('run failure alerts: a host without record pages', (tdb) => {
  test('the owner’s mail carries no link at all; admins still get the log entry', async (t) => {
    const w = await createRunAlertWorld(tdb().db, { recordUrl: false });
    t.after(() => w.close());
    await createDealWorkflow(w, 'No record pages', [refusedLeadTask()]);
    await dealOf(w, w.sales, 'linkless');
    await w.hookflow.worker.drain();
    const [sam] = w.smtp.to('sam@example.com');
    assert.ok(sam, 'the owner is mailed');
    assert.deepEqual(hrefsOf(sam.html), [], 'no link in the HTML part');
    assert.doesNotMatch(sam.text, /https?:\/\//, 'no link in the text part');
    assert.ok(sam.text.includes('  Reason:      Some fields have invalid values\n'));
    const [ada] = w.smtp.to('admin@example.com');
    assert.match(ada.text, /Log entry: {3}http:\/\/crm\.test\/settings\/hookflow\/runs\/\d+\n/);
    assert.doesNotMatch(ada.text, /Record: /);
  });
});
