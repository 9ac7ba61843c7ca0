/**
 * An alert group's lease is kept alive while its mail is in flight, and every mail has
 * `mailTimeoutMs`, on every engine. Two workers share one database: worker A (the real alert
 * lane, its heartbeat timers moved by the test) and worker B (the installed worker, draining).
 * The database clock cannot be moved, so the test moves the LEASE instead: "time passes" = the
 * group's lease_expires_at moves back by one renewal interval and A's timers move on by as much
 * (the beat due then renews, or finds the lease taken). The alerts are those of failed runs (a
 * Lead refused for its email): the active admins Ada and Bob are mailed.
 */
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type CapturedMail, type TestHost } from '../../helpers/test-host.js';
import { createManualTimers, type ManualTimers } from '../../helpers/manual-timers.js';
import { waitFor } from '../../helpers/wait.js';
import { createAlertLane } from '../../../module/alerts/alert-lane.js';
import type { AlertRow } from '../../../module/alerts/alert-queue.js';
import { renewIntervalMs } from '../../../module/storage/lease-heartbeat.js';
import { dbNowMs } from '../../../module/storage/engine.js';

// Long enough that no real clock matters: the lease only runs out when the test moves it.
const LEASE_SECONDS = 300;
const STEP_MS = renewIntervalMs(LEASE_SECONDS * 1000);
const SETTINGS = {
  leaseSeconds: LEASE_SECONDS,
  mailTimeoutMs: 120_000,
  recordCallTimeoutMs: 120_000,
  alertWindowMinutes: 0,
};
const ADMINS = ['admin@example.com', 'bob@example.com'];
const MIN = 60_000;

/**
 * A mailer (an SMTP server slower than the lease): while armed with hold(), the next mail is
 * answered only when the test releases it; while hanging, every mail waits until released.
 */
function createSlowMailer() {
  const sent: CapturedMail[] = [];
  const waiting = new Set<() => void>();
  let holdNext = false;
  let hangAll = false;
  const wait = () =>
    new Promise<void>((resolve) => {
      waiting.add(resolve);
    });
  return {
    sent,
    hold() {
      holdNext = true;
    },
    hang(on: boolean) {
      hangAll = on;
    },
    releaseAll() {
      for (const release of [...waiting]) {
        waiting.delete(release);
        release();
      }
    },
    async sendMail(m: CapturedMail) {
      sent.push(m);
      if (hangAll || holdNext) {
        holdNext = false;
        await wait();
      }
      return { messageId: `m${sent.length}` };
    },
  };
}

const addressesOf = (mails: CapturedMail[]) => mails.flatMap((m) => [m.to].flat()).sort();

describeEachEngine('alert lease heartbeat and mail timeout', (tdb) => {
  let h: TestHost;
  const mailer = createSlowMailer();
  const db = () => tdb().db;

  before(async () => {
    h = await createTestHost(tdb().db, { settings: SETTINGS, mailer });
    await h.users.createUser({ name: 'Bob Boss', email: 'bob@example.com', isAdmin: true });
  });
  after(async () => {
    mailer.releaseAll();
    mailer.hang(false);
    await h.close();
  });

  /** A failed run of a new workflow (its create_record refused): its one alert row, pending and due. */
  async function failedRunAlert(
    t: TestContext,
    host: TestHost,
    title: string,
  ): Promise<{ alertId: number; workflowId: number }> {
    const wf = await host.hookflow.services.workflows.create(
      {
        module: 'Deals',
        title,
        status: 'active',
        trigger: 'http',
        tasks: [
          {
            type: 'create_record',
            title: 'refused lead',
            options: {
              module: 'Leads',
              fields: [
                { field: 'lastname', value: 'x' },
                { field: 'email', value: 'not-an-address' },
              ],
            },
          },
        ],
      },
      host.admin.id,
    );
    t.after(async () => {
      await host.hookflow.services.workflows.setStatus(wf.id, 'inactive');
      await db()('hookflow_alerts')
        .where({ workflow_id: wf.id })
        .update({ status: 'sent', lease_owner: null, lease_expires_at: null });
    });
    const { outcome } = await host.hookflow.services.runs.start({
      workflow: wf,
      recordId: null,
      env: {},
      source: 'manual',
      mode: 'sync',
      actorUserId: host.admin.id,
    });
    assert.equal(outcome?.status, 'failed');
    const alerts = await db()('hookflow_alerts').where({ workflow_id: wf.id });
    assert.deepEqual(
      alerts.map((a: any) => a.status),
      ['pending'],
      'one alert queued',
    );
    return { alertId: Number(alerts[0].id), workflowId: wf.id };
  }

  /** Worker A claims the group of `alertId` and mails it, the first mail held; resolves once that mail is in flight. */
  async function startSlowAlert(t: TestContext, title: string, timers: ManualTimers) {
    const { alertId } = await failedRunAlert(t, h, title);
    const lane = createAlertLane({
      db: db(),
      host: h.context,
      store: h.hookflow.services.store,
      settings: () => h.hookflow.services.settings.get(),
      logger: h.logger,
      workerId: 'worker-A',
      adminUrl: 'http://crm.test/settings/hookflow',
      leaseTimers: timers,
    });
    const [group] = (await lane.claim(1)) as AlertRow[][];
    assert.deepEqual(
      group?.map((a) => a.id),
      [alertId],
      'worker A holds the alert group',
    );
    const sentBefore = mailer.sent.length;
    mailer.hold();
    const ended = { error: null as unknown, done: false };
    // Even when the test failed: A's group ends before the database goes away.
    t.after(async () => {
      mailer.releaseAll();
      await waitFor('worker A to end its group', 10_000, () => ended.done);
    });
    lane.process(group).then(
      () => {
        ended.done = true;
      },
      (err) => {
        ended.error = err;
        ended.done = true;
      },
    );
    await waitFor('the first alert mail to be in flight', 10_000, () => mailer.sent.length === sentBefore + 1);
    return { alertId, ended, mailsSince: () => mailer.sent.slice(sentBefore) };
  }

  /** `steps` renewal intervals pass: the alert's lease moves back by that much while A's timers move on. */
  async function elapse(alertId: number, timers: ManualTimers, steps: number) {
    for (let i = 0; i < steps; i++) {
      await db()('hookflow_alerts')
        .where({ id: alertId })
        .update({ lease_expires_at: db().raw('lease_expires_at - ?', [STEP_MS]) });
      await timers.advance(STEP_MS);
    }
  }

  const alertRow = (id: number) => db()('hookflow_alerts').where({ id }).first();
  const recipientsOf = async (id: number) =>
    (await db()('hookflow_alert_recipients').where({ alert_id: id }).select('address'))
      .map((r: any) => String(r.address))
      .sort();

  test('an alert mail slower than the lease, two workers: the lease is renewed meanwhile, each recipient mailed once', async (t) => {
    const timers = createManualTimers();
    const { alertId, ended, mailsSince } = await startSlowAlert(t, 'slow smtp alert', timers);
    await elapse(alertId, timers, 4); // 4/3 of the lease: without renewals it would have run out
    await h.hookflow.worker.drain(); // worker B looks for due alerts while A's mail is still in flight
    assert.equal(mailsSince().length, 1, 'worker B did not take the group and mail it again');
    const leased = await alertRow(alertId);
    assert.match(leased.lease_owner, /^worker-A~[0-9a-f]{8}$/, 'the claim token of worker A');
    assert.ok(
      Number(leased.lease_expires_at) > (await dbNowMs(db())) + STEP_MS,
      'the lease was renewed while the mail was in flight',
    );
    mailer.releaseAll();
    await waitFor('worker A to finish the group', 10_000, () => ended.done);
    assert.equal(ended.error, null);
    const row = await alertRow(alertId);
    assert.deepEqual([row.status, row.lease_owner, Number(row.attempts)], ['sent', null, 0]);
    assert.deepEqual(addressesOf(mailsSince()), ADMINS, 'each recipient mailed exactly once');
    assert.deepEqual(await recipientsOf(alertId), ADMINS);
    await h.hookflow.worker.drain();
    assert.deepEqual(addressesOf(mailsSince()), ADMINS, 'nobody mailed again afterwards');
    assert.equal(timers.active(), 0, 'the heartbeat stopped with the mail');
  });

  test('a lost alert lease stops the group at once: no further mail, nothing recorded by the worker that lost it', async (t) => {
    const timers = createManualTimers();
    const { alertId, ended, mailsSince } = await startSlowAlert(t, 'stolen alert', timers);
    // Another worker takes the group over (as a claim after an expired lease would).
    await db()('hookflow_alerts').where({ id: alertId }).update({ lease_owner: 'another-worker' });
    await elapse(alertId, timers, 1);
    // Bounded, so a heartbeat that never beats fails here rather than at the mail timeout.
    await waitFor('worker A to give the group up while its mail is still in flight', 5_000, () => ended.done);
    assert.equal(ended.error, null, 'the lane item ends quietly');
    assert.equal(timers.active(), 0);
    mailer.releaseAll(); // the mail the host could not cancel is accepted late: A must not act on it
    await new Promise((r) => setImmediate(r));
    assert.equal(mailsSince().length, 1, 'no further mail after the lease was lost');
    const row = await alertRow(alertId);
    assert.deepEqual(
      [row.status, row.lease_owner, Number(row.attempts), row.last_error, row.sent_at],
      ['pending', 'another-worker', 0, null, null],
      'A wrote no outcome',
    );
    assert.deepEqual(await recipientsOf(alertId), [], 'A recorded no recipient');
    assert.ok(
      h.logger.entries.some(
        (e) =>
          e.msg === 'alert lease lost while mailing; the new holder mails whoever is left' &&
          (e.obj as { alertIds?: number[] }).alertIds?.includes(alertId),
      ),
    );
  });

  test('an alert mail past mailTimeoutMs is a failed send naming the setting, retried later with backoff', async (t) => {
    const other = await createTestHost(db(), { settings: { ...SETTINGS, mailTimeoutMs: 200 }, mailer });
    t.after(async () => {
      mailer.hang(false);
      mailer.releaseAll();
      await other.close();
    });
    const { alertId } = await failedRunAlert(t, other, 'alert mail timeout');
    const sentBefore = mailer.sent.length;
    const mailsSince = () => mailer.sent.slice(sentBefore);
    mailer.hang(true);
    await other.hookflow.worker.drain();
    assert.deepEqual(addressesOf(mailsSince()), ADMINS, 'each recipient tried once');
    let row = await alertRow(alertId);
    assert.equal(row.status, 'pending');
    assert.equal(Number(row.attempts), 1);
    assert.equal(row.last_error, 'mail to 2 of 2 recipients failed: timed out after 200 ms (mailTimeoutMs)');
    assert.equal(row.lease_owner, null, 'lease released');
    const now = await dbNowMs(db());
    assert.ok(
      Number(row.due_at) > now + 0.5 * MIN && Number(row.due_at) <= now + MIN,
      'first retry about a minute later',
    );
    assert.deepEqual(await recipientsOf(alertId), [], 'a timed-out mail is not recorded as sent');
    assert.ok(other.logger.entries.some((e) => e.msg === 'failure alert mail failed; will retry'));

    mailer.hang(false);
    mailer.releaseAll(); // the late answers change nothing: the alert is already back in the queue
    await other.hookflow.worker.drain();
    assert.equal(mailsSince().length, 2, 'not before its retry time');
    await db()('hookflow_alerts').where({ id: alertId }).update({ due_at: 0 });
    await other.hookflow.worker.drain();
    row = await alertRow(alertId);
    assert.deepEqual([row.status, Number(row.attempts)], ['sent', 1]);
    assert.deepEqual(addressesOf(mailsSince().slice(2)), ADMINS, 'the retry mails each recipient');
    assert.deepEqual(await recipientsOf(alertId), ADMINS);
  });
});
