/**
 * A run's lease is kept alive while its task is in flight, on every engine. Two workers share one
 * database: worker A (the real executor and run lane, its heartbeat timers moved by the test) and
 * worker B (the installed worker, draining). The database clock cannot be moved, so the test moves
 * the LEASE instead: "time passes" = A's lease_expires_at moves back by one renewal interval and
 * A's timers move on by as much (the beat due then renews, or finds the lease taken). Nothing
 * waits on a clock; the mail is "in flight" until the test lets the mailer answer.
 */
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type CapturedMail, type TestHost } from '../../helpers/test-host.js';
import { createManualTimers, type ManualTimers } from '../../helpers/manual-timers.js';
import { waitFor } from '../../helpers/wait.js';
import { createRunExecutor } from '../../../module/workflows/executor.js';
import { createRunLane } from '../../../module/workflows/run-lane.js';
import { createTaskRegistry } from '../../../module/workflows/tasks/index.js';
import { createTemplateEngine } from '../../../module/workflows/templates.js';
import { renewIntervalMs } from '../../../module/storage/lease-heartbeat.js';
import type { LeasedRun } from '../../../module/workflows/runs.js';

// Long enough that no real clock matters: the lease only runs out when the test moves it.
const LEASE_SECONDS = 300;
const STEP_MS = renewIntervalMs(LEASE_SECONDS * 1000);
const SETTINGS = { leaseSeconds: LEASE_SECONDS, mailTimeoutMs: 120_000, recordCallTimeoutMs: 120_000 };

/**
 * A mailer (an SMTP server slower than the lease): the first mail with a subject the test holds is
 * answered only when the test releases it; any other answers at once.
 */
function createSlowMailer() {
  const sent: CapturedMail[] = [];
  const held = new Map<string, { gate: Promise<void>; release(): void }>();
  return {
    sent,
    hold(subject: string): () => void {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      held.set(subject, { gate, release });
      return release;
    },
    releaseAll() {
      for (const h of held.values()) h.release();
    },
    async sendMail(m: CapturedMail) {
      sent.push(m);
      const slow = held.get(m.subject);
      if (slow) {
        held.delete(m.subject);
        await slow.gate;
      }
      return { messageId: `m${sent.length}` };
    },
  };
}

describeEachEngine('run lease heartbeat', (tdb) => {
  let h: TestHost;
  const mailer = createSlowMailer();
  const db = () => tdb().db;

  before(async () => {
    h = await createTestHost(tdb().db, { settings: SETTINGS, mailer });
  });
  after(async () => {
    mailer.releaseAll();
    await h.close();
  });

  /** Worker A: the real executor and run lane, with the test's heartbeat timers. */
  function workerA(timers: ManualTimers) {
    const settings = () => h.hookflow.services.settings.get();
    const executor = createRunExecutor({
      db: db(),
      host: h.context,
      store: h.hookflow.services.store,
      taskTypes: createTaskRegistry(),
      templates: createTemplateEngine(),
      settings,
      logger: h.logger,
      leaseTimers: timers,
    });
    return Object.assign(createRunLane({ db: db(), executor, settings, workerId: 'worker-A' }), { executor });
  }

  /** Worker A claims the one queued run of a new workflow [slow mail, create a Contact] and starts it; resolves once the mail is in flight. */
  async function startSlowRun(t: TestContext, title: string, timers: ManualTimers) {
    const lastname = `${title} ${Math.random()}`;
    const release = mailer.hold(title);
    t.after(release);
    const wf = await h.hookflow.services.workflows.create(
      {
        module: 'Deals',
        title,
        status: 'active',
        trigger: 'http',
        tasks: [
          {
            type: 'send_email',
            title: 'slow mail',
            options: { to: { kind: 'address', address: 'ops@example.com' }, subject: title, body: 'b' },
          },
          {
            type: 'create_record',
            title: 'after the mail',
            options: { module: 'Contacts', fields: [{ field: 'lastname', value: lastname }] },
          },
        ],
      },
      h.admin.id,
    );
    t.after(async () => {
      await db()('hookflow_runs')
        .where({ workflow_id: wf.id })
        .whereIn('status', ['queued', 'running'])
        .update({ status: 'failed', lease_owner: null });
      await h.hookflow.services.workflows.setStatus(wf.id, 'inactive');
    });
    const { runId } = await h.hookflow.services.runs.start({
      workflow: wf,
      recordId: null,
      env: {},
      source: 'manual',
      mode: 'async',
      actorUserId: h.admin.id,
    });
    const lane = workerA(timers);
    const [run] = (await lane.claim(1)) as LeasedRun[];
    assert.equal(run?.id, runId, 'worker A holds the run');
    const processing = lane.process(run);
    const ended = { error: null as unknown, done: false };
    processing.then(
      () => {
        ended.done = true;
      },
      (err) => {
        ended.error = err;
        ended.done = true;
      },
    );
    await waitFor('the mail to be in flight', 10_000, () => mailer.sent.some((m) => m.subject === title));
    return { runId, processing, ended, lastname, release, lane, run };
  }

  /** `steps` renewal intervals pass: A's lease moves back by that much while A's timers move on. */
  async function elapse(runId: number, timers: ManualTimers, steps: number) {
    for (let i = 0; i < steps; i++) {
      await db()('hookflow_runs')
        .where({ id: runId })
        .update({ lease_expires_at: db().raw('lease_expires_at - ?', [STEP_MS]) });
      await timers.advance(STEP_MS);
    }
  }

  const runRow = (id: number) => db()('hookflow_runs').where({ id }).first();
  const mailsTitled = (title: string) => mailer.sent.filter((m) => m.subject === title).length;
  const contactsNamed = async (lastname: string) =>
    (await db()('crm_records').where({ module: 'Contacts' })).filter(
      (r: any) => JSON.parse(r.fields).lastname === lastname,
    ).length;

  test('a worker that claims its own run again (its lease ran out while it stalled) does not execute it twice', async (t) => {
    const timers = createManualTimers();
    const { runId, processing, lastname, release, lane, run: first } = await startSlowRun(t, 'stalled worker', timers);
    // The lease runs out without A's heartbeat noticing (its timers do not move: a stalled loop).
    await db()('hookflow_runs')
      .where({ id: runId })
      .update({ lease_expires_at: db().raw('lease_expires_at - ?', [LEASE_SECONDS * 2000]) });
    const [again] = (await lane.claim(1)) as LeasedRun[];
    assert.equal(again?.id, runId, 'worker A claims its own run again');
    assert.notEqual(again.leaseOwner, first.leaseOwner, 'the second claim has its own token');
    // Both calls get the execution already in flight (the first's), none starts another.
    const second = lane.executor.execute(again, 'worker-A');
    assert.equal(lane.executor.execute(again, 'worker-A'), second, 'one execution in flight');
    release();
    const [, outcome] = await Promise.all([processing, second]);
    assert.equal(outcome.status, 'succeeded');
    assert.equal(mailsTitled('stalled worker'), 1, 'one mail');
    assert.equal(await contactsNamed(lastname), 1, 'one Contact');
    const run = await runRow(runId);
    assert.equal(run.status, 'succeeded', run.error ?? '');
    assert.equal(JSON.parse(run.task_results).length, 2);
  });

  test('a mail slower than the lease, two workers: the lease is renewed meanwhile, one mail, the run claimed once', async (t) => {
    const timers = createManualTimers();
    const { runId, processing, lastname, release } = await startSlowRun(t, 'slow smtp', timers);
    await elapse(runId, timers, 4); // 4/3 of the lease: without renewals it would have run out
    const leased = await runRow(runId);
    assert.match(leased.lease_owner, /^worker-A~[0-9a-f]{8}$/, 'the claim token of worker A');
    await h.hookflow.worker.drain(); // worker B looks for due work while the mail is still in flight
    assert.equal(mailsTitled('slow smtp'), 1, 'worker B did not take the run and send it again');
    release();
    await processing;
    const run = await runRow(runId);
    assert.equal(run.status, 'succeeded', run.error ?? '');
    assert.equal(Number(run.attempts), 1, 'claimed once');
    assert.equal(mailsTitled('slow smtp'), 1);
    assert.equal(await contactsNamed(lastname), 1);
    assert.equal(timers.active(), 0, 'the heartbeat stopped with the run');
  });

  test("a lost lease aborts the task in flight: no later task runs, and the run keeps the new holder's state", async (t) => {
    const timers = createManualTimers();
    const { runId, ended, lastname, release } = await startSlowRun(t, 'stolen run', timers);
    // Another worker takes the run over (as a claim after an expired lease would).
    await db()('hookflow_runs').where({ id: runId }).update({ lease_owner: 'another-worker' });
    await elapse(runId, timers, 1);
    // Bounded, so a heartbeat that never beats fails here rather than at the mail timeout.
    await waitFor('worker A to give the run up while its mail is still in flight', 5_000, () => ended.done);
    assert.match(String(ended.error), /lease lost: another worker holds it now/);
    assert.equal(timers.active(), 0);
    release(); // the mail the host could not cancel answers late: A must not act on it
    await new Promise((r) => setImmediate(r));
    const run = await runRow(runId);
    assert.deepEqual(
      [run.status, run.lease_owner, run.task_results, run.finished_at],
      ['running', 'another-worker', '[]', null],
      'A wrote neither progress nor outcome',
    );
    assert.equal(await contactsNamed(lastname), 0, 'the next task never ran');
  });

  test('a second process given the same workerId takes the expired run over: the first is fenced out by its claim token', async (t) => {
    const timers = createManualTimers();
    const { runId, ended, lastname, release, run: first } = await startSlowRun(t, 'same worker id', timers);
    await db()('hookflow_runs')
      .where({ id: runId })
      .update({ lease_expires_at: db().raw('lease_expires_at - ?', [LEASE_SECONDS * 2000]) });
    // Another process with the same explicit workerId (its own executor and in-flight map) claims it.
    const [taken] = (await workerA(createManualTimers()).claim(1)) as LeasedRun[];
    assert.equal(taken?.id, runId);
    assert.notEqual(taken.leaseOwner, first.leaseOwner);
    await timers.advance(STEP_MS); // the first process's heartbeat finds its claim gone
    await waitFor('the first process to give the run up', 5_000, () => ended.done);
    assert.match(String(ended.error), /lease lost/);
    release();
    await new Promise((r) => setImmediate(r));
    const run = await runRow(runId);
    assert.deepEqual(
      [run.status, run.lease_owner, run.task_results, run.finished_at],
      ['running', taken.leaseOwner, '[]', null],
      'the first process wrote neither progress nor outcome',
    );
    assert.equal(await contactsNamed(lastname), 0, 'the first process ran no later task');
  });

  test('a mail past mailTimeoutMs fails its task and the run, naming the setting; later tasks do not run', async (t) => {
    const hanging = { sendMail: () => new Promise<never>(() => undefined) };
    const other = await createTestHost(db(), { settings: { ...SETTINGS, mailTimeoutMs: 200 }, mailer: hanging });
    t.after(() => other.close());
    const wf = await other.hookflow.services.workflows.create(
      {
        module: 'Deals',
        title: 'mail timeout',
        status: 'active',
        trigger: 'http',
        tasks: [
          {
            type: 'send_email',
            title: 'never answered',
            options: { to: { kind: 'address', address: 'ops@example.com' }, subject: 's', body: 'b' },
          },
          { type: 'set_env', title: 'after', options: { values: [{ name: 'x', value: '1' }] } },
        ],
      },
      other.admin.id,
    );
    t.after(() => other.hookflow.services.workflows.setStatus(wf.id, 'inactive'));
    const { outcome } = await other.hookflow.services.runs.start({
      workflow: wf,
      recordId: null,
      env: {},
      source: 'manual',
      mode: 'sync',
      actorUserId: other.admin.id,
    });
    assert.equal(outcome?.status, 'failed');
    assert.equal(outcome?.error, 'Task "never answered" (send_email) failed: timed out after 200 ms (mailTimeoutMs)');
    assert.deepEqual(
      outcome?.taskResults.map((r) => r.status),
      ['failed'],
      'the next task did not run',
    );
  });

  test('start-up refuses a lease no longer than the mail timeout, naming the setting', async () => {
    await assert.rejects(
      createTestHost(db(), { settings: { leaseSeconds: 30 } }),
      /setting leaseSeconds: must be longer than mailTimeoutMs \(30000 ms\)/,
    );
    await assert.rejects(
      createTestHost(db(), { settings: { leaseSeconds: 15, requestTimeoutMs: 2000, mailTimeoutMs: 5000 } }),
      /setting leaseSeconds: must be longer than recordCallTimeoutMs \(15000 ms\)/,
    );
  });
});
