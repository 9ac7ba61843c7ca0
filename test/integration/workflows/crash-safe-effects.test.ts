/**
 * A resumed run never repeats a task effect that committed (issue 16.2). The crash is the one the
 * fault trials found: the host committed the task's effect, then the process died before the
 * run's progress was written — reproduced by putting the run back to `queued` with no progress,
 * as a worker finds it after the lease expires (a web process dying in a sync run is the same:
 * a worker finishes it). Record changes are noted in the host's own transaction; mails right
 * after the server accepted them, with a Message-ID that stays the same.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { effectKeyOf, findTaskEffect } from '../../../module/workflows/task-effects.js';

describeEachEngine('crash-safe task effects', (tdb) => {
  let h: TestHost;
  const db = () => tdb().db;
  before(async () => {
    h = await createTestHost(db());
  });
  after(async () => {
    await h.close();
  });

  /** Runs `tasks` once as an async manual run, then "crashes" it after every effect: back to queued, no progress. */
  async function runThenCrash(title: string, tasks: unknown[], recordId: number | null = null) {
    const wf = await h.hookflow.services.workflows.create(
      { module: 'Deals', title, status: 'active', trigger: 'http', tasks },
      h.admin.id,
    );
    const { runId } = await h.hookflow.services.runs.start({
      workflow: wf,
      recordId,
      env: {},
      source: 'manual',
      mode: 'async',
      actorUserId: h.admin.id,
    });
    await h.hookflow.worker.drain();
    const first = await db()('hookflow_runs').where({ id: runId }).first();
    assert.equal(first.status, 'succeeded', first.error);
    await db()('hookflow_runs').where({ id: runId }).update({
      status: 'queued',
      task_results: '[]',
      output: null,
      finished_at: null,
      lease_owner: null,
      lease_expires_at: null,
    });
    await h.hookflow.worker.drain();
    const resumed = await db()('hookflow_runs').where({ id: runId }).first();
    assert.equal(resumed.status, 'succeeded', resumed.error);
    return { wf, runId, results: JSON.parse(resumed.task_results) as Array<{ output: Record<string, unknown> }> };
  }
  const contactsNamed = async (lastname: string) =>
    (await db()('crm_records').where({ module: 'Contacts' })).filter(
      (r: any) => JSON.parse(r.fields).lastname === lastname,
    );

  test('create_record: the resumed run finds the record it created, creates no second one, and later tasks get its id', async () => {
    const name = `Once ${Math.random()}`;
    const { runId, wf, results } = await runThenCrash('Create once', [
      {
        type: 'create_record',
        title: 'Contact',
        options: { module: 'Contacts', fields: [{ field: 'lastname', value: name }] },
      },
      {
        type: 'set_env',
        title: 'Keep id',
        options: { values: [{ name: 'seen', value: '{{env.created_record_id}}' }] },
      },
    ]);
    const made = await contactsNamed(name);
    assert.equal(made.length, 1, 'one Contact after the resume');
    assert.equal(results[0].output.recordId, Number(made[0].id));
    assert.match(String(results[0].output.resumed), /not created again/);
    const run = await db()('hookflow_runs').where({ id: runId }).first();
    assert.equal(Number(JSON.parse(run.env).seen), Number(made[0].id), "the later task saw the first record's id");
    assert.deepEqual(await findTaskEffect(db(), effectKeyOf(runId, wf.tasks[0].id)), {
      module: 'Contacts',
      recordId: Number(made[0].id),
    });
  });

  test("a run's first execution looks nothing up in the ledger, yet notes each effect; no progress write after a ledgered task only pure tasks follow", async (t) => {
    const name = `First ${Math.random()}`;
    const wf = await h.hookflow.services.workflows.create(
      {
        module: 'Deals',
        title: 'First attempt',
        status: 'active',
        trigger: 'http',
        tasks: [
          {
            type: 'create_record',
            title: 'Contact',
            options: { module: 'Contacts', fields: [{ field: 'lastname', value: name }] },
          },
          {
            type: 'send_email',
            title: 'Mail',
            options: { to: { kind: 'address', address: 'ops@example.com' }, subject: name, body: 'hello' },
          },
          { type: 'set_env', title: 'Pure', options: { values: [{ name: 'done', value: 'yes' }] } },
        ],
      },
      h.admin.id,
    );
    const lookups: string[] = [];
    const runWrites: string[] = [];
    const listener = (q: { sql: string }) => {
      if (/^select .*hookflow_task_effects/i.test(q.sql)) lookups.push(q.sql);
      if (/^update .hookflow_runs./i.test(q.sql)) runWrites.push(q.sql);
    };
    db().on('query', listener);
    t.after(() => db().off('query', listener));
    const started = await h.hookflow.services.runs.start({
      workflow: wf,
      recordId: null,
      env: {},
      source: 'manual',
      mode: 'sync',
      actorUserId: h.admin.id,
    });
    assert.equal(started.outcome?.status, 'succeeded', started.outcome?.error ?? '');
    assert.deepEqual(lookups, [], 'no ledger look-up in a first execution');
    // The record's progress is written (the mail follows: the write checks the lease before it);
    // after the mail only a pure task follows, so the next write is the finish.
    assert.equal(runWrites.length, 2, runWrites.join('\n'));
    assert.doesNotMatch(runWrites[0], /finished_at/);
    assert.match(runWrites[1], /finished_at/);
    const notes = await db()('hookflow_task_effects').where({ run_id: started.runId });
    assert.equal(notes.length, 2, 'the record and the mail are noted');
    assert.equal((await contactsNamed(name)).length, 1);
  });

  test('update_record: not applied twice, so the workflows it starts start once', async () => {
    const deal = await h.records.create('Deals', { title: 'Update once' }, { actorUserId: h.admin.id });
    const chained = await h.hookflow.services.workflows.create(
      {
        module: 'Deals',
        title: 'On update',
        status: 'active',
        trigger: 'record.updated',
        conditions: { join: 'all', conditions: [{ field: 'currency', op: 'changed' }] },
        tasks: [{ type: 'set_env', title: 'noop', options: { values: [{ name: 'x', value: '1' }] } }],
      },
      h.admin.id,
    );
    const { results } = await runThenCrash(
      'Update once',
      [{ type: 'update_record', title: 'Set currency', options: { fields: [{ field: 'currency', value: 'EUR' }] } }],
      deal.id,
    );
    assert.match(String(results[0].output.resumed), /not updated again/);
    const runs = await db()('hookflow_runs').where({ workflow_id: chained.id, record_id: deal.id });
    assert.equal(runs.length, 1, 'one record.updated run, not two');
  });

  test('send_email: the resumed run sends no second mail; the mail carries a Message-ID from run and task', async () => {
    const subject = `Once ${Math.random()}`;
    const { runId, wf } = await runThenCrash('Mail once', [
      {
        type: 'send_email',
        title: 'Mail',
        options: { to: { kind: 'address', address: 'ops@example.com' }, subject, body: 'b' },
      },
    ]);
    const mails = h.mails.filter((m) => m.subject === subject) as Array<{ headers?: Record<string, string> }>;
    assert.equal(mails.length, 1, 'one mail');
    assert.match(
      mails[0].headers?.['Message-ID'] ?? '',
      new RegExp(`^<hookflow\\.run-${runId}\\.task-${wf.tasks[0].id}@[^>]+>$`),
    );
  });

  test('a record change rolled back by the host leaves no note, so the resumed run does it', async () => {
    const name = `Refused ${Math.random()}`;
    const wf = await h.hookflow.services.workflows.create(
      {
        module: 'Deals',
        title: 'Refused create',
        status: 'active',
        trigger: 'http',
        tasks: [
          {
            type: 'create_record',
            title: 'Bad contact',
            options: {
              module: 'Contacts',
              fields: [
                { field: 'lastname', value: name },
                { field: 'email', value: 'not-an-address' },
              ],
            },
          },
        ],
      },
      h.admin.id,
    );
    const { runId } = await h.hookflow.services.runs.start({
      workflow: wf,
      recordId: null,
      env: {},
      source: 'manual',
      mode: 'async',
      actorUserId: h.admin.id,
    });
    await h.hookflow.worker.drain();
    assert.equal((await db()('hookflow_runs').where({ id: runId }).first()).status, 'failed');
    assert.equal(
      await findTaskEffect(db(), effectKeyOf(runId, wf.tasks[0].id)),
      null,
      'the refused create noted nothing',
    );
    assert.equal((await contactsNamed(name)).length, 0);
  });
});
