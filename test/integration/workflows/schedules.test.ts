/**
 * Scheduled triggers on every engine, with three Hookflow installs (three workers) on one
 * database and one test clock they all read (host.now): slots are planned and claimed in host
 * time, so moving the clock is "time passes". The workers drain at the same moment; each slot
 * must still start exactly one run.
 */
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { createScheduleLane, planSchedules, type ScheduleDeps } from '../../../module/workflows/schedule-lane.js';
import { nextDueAt } from '../../../module/workflows/schedules.js';
import type { HookflowError } from '../../../module/errors.js';

const at = (iso: string) => Date.parse(iso);
const setEnv = { type: 'set_env', title: 'Mark', options: { values: [{ name: 'fired', value: 'yes' }] } };

describeEachEngine('scheduled triggers', (tdb) => {
  let clock = at('2026-06-01T08:00:00Z');
  let hosts: TestHost[] = [];
  before(async () => {
    for (let i = 0; i < 3; i++) hosts.push(await createTestHost(tdb().db, { now: () => new Date(clock) }));
  });
  after(async () => {
    for (const h of hosts) await h.close();
    hosts = [];
  });

  const h = () => hosts[0];
  const depsOf = (x: TestHost): ScheduleDeps => ({
    db: tdb().db,
    records: x.records,
    store: x.hookflow.services.store,
    settings: () => x.hookflow.services.settings.get(),
    logger: x.logger,
    workerId: x.hookflow.services.workerId,
    now: () => clock,
    wake: () => undefined,
  });
  /** All three workers at once, twice (a second pass must find nothing left to fire). */
  async function drainAll(): Promise<void> {
    for (let pass = 0; pass < 2; pass++) await Promise.all(hosts.map((x) => x.hookflow.worker.drain()));
  }
  async function scheduledRuns(workflowId: number) {
    return tdb().db('hookflow_runs').where({ workflow_id: workflowId, source: 'schedule' }).orderBy('id');
  }
  async function workflow(t: TestContext, input: Record<string, unknown>) {
    const wf = await h().hookflow.services.workflows.create(
      { module: 'Deals', title: t.name, status: 'active', trigger: 'schedule', tasks: [setEnv], ...input },
      h().admin.id,
    );
    t.after(async () => {
      await h().hookflow.services.workflows.setStatus(wf.id, 'inactive');
    });
    return wf;
  }
  const twoHoursBefore = { kind: 'relative', field: 'close_date', amount: 2, unit: 'hours', direction: 'before' };

  test('a relative schedule fires once at the planned time with 3 workers, and moves when the date changes', async (t) => {
    clock = at('2026-06-01T08:00:00Z');
    const wf = await workflow(t, { schedule: twoHoursBefore });
    const deal = await h().records.create(
      'Deals',
      { title: 'Big', close_date: '2026-06-05' },
      { actorUserId: h().admin.id },
    );
    assert.equal(await nextDueAt(tdb().db, wf.id), at('2026-06-04T22:00:00Z'));
    // The date moves before the slot is due: the slot moves with it.
    await hosts[1].records.update('Deals', deal.id, { close_date: '2026-06-07' }, { actorUserId: h().admin.id });
    assert.equal(await nextDueAt(tdb().db, wf.id), at('2026-06-06T22:00:00Z'));
    clock = at('2026-06-04T22:00:00Z');
    await drainAll();
    assert.equal((await scheduledRuns(wf.id)).length, 0, 'the old time fires nothing');
    clock = at('2026-06-06T21:59:59Z');
    await drainAll();
    assert.equal((await scheduledRuns(wf.id)).length, 0, 'not before the planned time');
    clock = at('2026-06-06T22:00:00Z');
    await drainAll();
    const runs = await scheduledRuns(wf.id);
    assert.equal(runs.length, 1, 'exactly one run across 3 workers');
    assert.equal(runs[0].status, 'succeeded');
    assert.equal(Number(runs[0].record_id), deal.id);
    assert.equal(await nextDueAt(tdb().db, wf.id), null);
    // An unrelated save does not re-arm the fired slot; a new date plans a new one.
    await h().records.update('Deals', deal.id, { title: 'Bigger' }, { actorUserId: h().admin.id });
    clock = at('2026-06-08T00:00:00Z');
    await drainAll();
    assert.equal((await scheduledRuns(wf.id)).length, 1);
    await h().records.update('Deals', deal.id, { close_date: '2026-06-10' }, { actorUserId: h().admin.id });
    assert.equal(await nextDueAt(tdb().db, wf.id), at('2026-06-09T22:00:00Z'));
  });

  test('a slot re-planned while a worker holds it fires nothing then, and once at its new time', async (t) => {
    clock = at('2026-07-01T08:00:00Z');
    const wf = await workflow(t, { schedule: twoHoursBefore });
    const deal = await h().records.create(
      'Deals',
      { title: 'Held', close_date: '2026-07-03' },
      { actorUserId: h().admin.id },
    );
    clock = at('2026-07-02T22:00:00Z');
    const lane = createScheduleLane(depsOf(hosts[1]));
    const slot = (await lane.claim(50)).find((s) => s.workflowId === wf.id);
    assert.ok(slot, 'worker 2 holds the slot');
    await h().records.update('Deals', deal.id, { close_date: '2026-07-05' }, { actorUserId: h().admin.id });
    await lane.process(slot);
    assert.equal((await scheduledRuns(wf.id)).length, 0, 'the held old time fires nothing');
    assert.equal(await nextDueAt(tdb().db, wf.id), at('2026-07-04T22:00:00Z'));
    clock = at('2026-07-04T22:00:00Z');
    await drainAll();
    assert.equal((await scheduledRuns(wf.id)).length, 1);
  });

  test('deleting the record cancels its slot', async (t) => {
    clock = at('2026-06-01T08:00:00Z');
    const wf = await workflow(t, { schedule: twoHoursBefore });
    const deal = await h().records.create(
      'Deals',
      { title: 'Gone', close_date: '2026-06-03' },
      { actorUserId: h().admin.id },
    );
    assert.equal(await nextDueAt(tdb().db, wf.id), at('2026-06-02T22:00:00Z'));
    await hosts[2].records.delete('Deals', deal.id, { actorUserId: h().admin.id });
    assert.equal(await nextDueAt(tdb().db, wf.id), null);
    clock = at('2026-06-03T00:00:00Z');
    await drainAll();
    assert.equal((await scheduledRuns(wf.id)).length, 0);
  });

  test('a cron workflow fires once per slot; slots missed during downtime fire once', async (t) => {
    clock = at('2026-06-01T08:10:00Z');
    const wf = await workflow(t, { schedule: { kind: 'cron', cron: '0 * * * *', timeZone: 'Europe/Berlin' } });
    await Promise.all(hosts.map((x) => planSchedules(depsOf(x))));
    assert.equal(await nextDueAt(tdb().db, wf.id), at('2026-06-01T09:00:00Z'));
    clock = at('2026-06-01T09:00:00Z');
    await drainAll();
    assert.equal((await scheduledRuns(wf.id)).length, 1);
    assert.equal((await scheduledRuns(wf.id))[0].record_id, null);
    clock = at('2026-06-01T09:30:00Z');
    await drainAll();
    assert.equal((await scheduledRuns(wf.id)).length, 1, 'one run per slot');
    // Down from 09:30 to 13:20: the 10:00 … 13:00 slots fire once, the next is 14:00.
    clock = at('2026-06-01T13:20:00Z');
    await drainAll();
    assert.equal((await scheduledRuns(wf.id)).length, 2);
    assert.equal(await nextDueAt(tdb().db, wf.id), at('2026-06-01T14:00:00Z'));
  });

  test('a cron schedule "for every matching record" runs each matching record once per slot', async (t) => {
    clock = at('2026-08-01T08:10:00Z');
    const tag = `sweep-${Math.random().toString(36).slice(2, 8)}`;
    const deals = [];
    for (const stage of ['Won', 'Negotiation', 'Won'])
      deals.push(await h().records.create('Deals', { title: `${tag} ${stage}`, stage }, { actorUserId: h().admin.id }));
    const wf = await workflow(t, {
      schedule: { kind: 'cron', cron: '0 9 * * *', forEachRecord: true },
      conditions: {
        join: 'all',
        conditions: [
          { field: 'stage', op: 'equals', value: 'Won' },
          { field: 'title', op: 'contains', value: tag },
        ],
      },
    });
    await planSchedules(depsOf(h()));
    clock = at('2026-08-01T09:00:00Z');
    await drainAll();
    const first = await scheduledRuns(wf.id);
    assert.deepEqual(
      first.map((r) => Number(r.record_id)),
      [deals[0].id, deals[2].id],
      'one run per matching record, across 3 workers',
    );
    assert.ok(first.every((r) => r.status === 'succeeded' && r.backfill_id !== null));
    // The next slot while that slot's sweep is paused: it starts nothing (no record twice over).
    const sweepId = Number(first[0].backfill_id);
    await tdb().db('hookflow_backfills').where({ id: sweepId }).update({ status: 'paused' });
    clock = at('2026-08-02T09:00:00Z');
    await drainAll();
    assert.equal((await scheduledRuns(wf.id)).length, 2);
    const told = (e: { msg?: string }) => /ran for no records: the previous slot is still running/.test(e.msg ?? '');
    assert.ok(
      hosts.some((x) => x.logger.entries.some(told)),
      'the skipped slot is logged',
    );
    await tdb().db('hookflow_backfills').where({ id: sweepId }).update({ status: 'finished' });
    clock = at('2026-08-03T09:00:00Z');
    await drainAll();
    assert.equal((await scheduledRuns(wf.id)).length, 4, 'the next slot runs them again');
    const changed = await h()
      .hookflow.services.workflows.update(wf.id, {
        module: 'Deals',
        title: wf.title,
        trigger: 'schedule',
        schedule: { kind: 'cron', cron: '0 9 * * *', forEachRecord: true },
        tasks: [setEnv],
        conditions: { join: 'all', conditions: [{ field: 'stage', op: 'changed_to', value: 'Won' }] },
      })
      .catch((e: HookflowError) => e);
    assert.equal((changed as HookflowError).status, 422);
    assert.match((changed as HookflowError).fields?.['conditions.0.op'] ?? '', /only a change can meet/);
  });

  test('a deactivated schedule loses its slot and fires nothing', async (t) => {
    clock = at('2026-06-01T08:10:00Z');
    const wf = await workflow(t, { schedule: { kind: 'cron', cron: '30 8 * * *' } });
    await planSchedules(depsOf(h()));
    assert.equal(await nextDueAt(tdb().db, wf.id), at('2026-06-01T08:30:00Z'));
    await h().hookflow.services.workflows.setStatus(wf.id, 'inactive');
    clock = at('2026-06-01T09:00:00Z');
    await drainAll();
    assert.equal((await scheduledRuns(wf.id)).length, 0);
    await planSchedules(depsOf(h()));
    assert.equal(await nextDueAt(tdb().db, wf.id), null);
  });

  test('bad input is a 422 naming the field', async () => {
    const refused = async (input: Record<string, unknown>) => {
      const err = (await h()
        .hookflow.services.workflows.create(
          { module: 'Deals', title: 'Bad', trigger: 'schedule', tasks: [setEnv], ...input },
          h().admin.id,
        )
        .then(
          () => assert.fail('saved'),
          (e) => e,
        )) as HookflowError;
      assert.equal(err.status, 422);
      return err.fields ?? {};
    };
    assert.match(
      (await refused({ schedule: { kind: 'cron', cron: '0 25 * * *' } }))['schedule.cron'],
      /does not parse/,
    );
    assert.match((await refused({ schedule: { kind: 'cron', cron: '0 8 * *' } }))['schedule.cron'], /5 fields/);
    const notDate = await refused({ schedule: { ...twoHoursBefore, field: 'amount' } });
    assert.match(notDate['schedule.field'], /amount is a number field, not a date/);
    const zone = await refused({ schedule: { kind: 'cron', cron: '0 8 * * *', timeZone: 'Nowhere/Else' } });
    assert.match(zone['schedule.timeZone'], /unknown time zone/);
    assert.match((await refused({}))['schedule'], /needs a schedule/);
  });
});
