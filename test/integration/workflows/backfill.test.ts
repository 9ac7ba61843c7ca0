/**
 * "Run for existing records" (issue 21.3) on every engine, with three Hookflow installs (three
 * workers) on one database and one test clock (host.now): sweeps are claimed, leased and rated
 * in host time. The sweep lane is stepped directly (claim/process), the run lane by drain().
 */
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { createSweepLane, type SweepLaneDeps } from '../../../module/workflows/backfill-lane.js';
import {
  countBackfill,
  moveSweep,
  startBackfill,
  type SweepStartDeps,
} from '../../../module/workflows/backfill-start.js';
import { getSweep } from '../../../module/workflows/backfills.js';
import type { HookflowError } from '../../../module/errors.js';
import { startReceiver } from '../../helpers/admin-host.js';
import { waitFor } from '../../helpers/wait.js';

const setEnv = { type: 'set_env', title: 'Mark', options: { values: [{ name: 'seen', value: '{{record.title}}' }] } };

describeEachEngine('run for existing records (backfill)', (tdb) => {
  let clock = Date.parse('2026-06-01T08:00:00Z');
  let hosts: TestHost[] = [];
  const db = () => tdb().db;
  before(async () => {
    for (let i = 0; i < 3; i++)
      hosts.push(
        await createTestHost(db(), {
          now: () => new Date(clock),
          settings: { backfillRatePerMinute: 600_000, backfillMaxRecords: 5000, outboundAllowlist: ['127.0.0.1/32'] },
        }),
      );
  });
  after(async () => {
    for (const h of hosts) await h.close();
    hosts = [];
  });
  const h = () => hosts[0];

  const laneDeps = (x: TestHost, over: Partial<SweepLaneDeps> = {}): SweepLaneDeps => ({
    db: db(),
    records: x.records,
    store: x.hookflow.services.store,
    settings: () => x.hookflow.services.settings.get(),
    logger: x.logger,
    workerId: x.hookflow.services.workerId,
    now: () => clock,
    wake: () => undefined,
    ...over,
  });
  const startDeps = (x: TestHost = h(), over: Partial<SweepStartDeps> = {}): SweepStartDeps => ({
    ...laneDeps(x),
    ...over,
  });

  /** Steps every worker's sweep lane until no sweep is due (the clock does not move). */
  async function stepAll(workers: TestHost[] = hosts): Promise<void> {
    const lanes = workers.map((x) => createSweepLane(laneDeps(x)));
    for (let round = 0; round < 500; round++) {
      const claimed = await Promise.all(lanes.map(async (l) => ({ l, items: await l.claim(2) })));
      if (claimed.every((c) => c.items.length === 0)) return;
      await Promise.all(claimed.flatMap((c) => c.items.map((s) => c.l.process(s))));
    }
    throw new Error('sweeps did not settle in 500 rounds');
  }

  /** `n` deals straight into the CRM's table (no workflow looks at their creation); every `wonEvery`-th is won. */
  async function seedDeals(t: TestContext, n: number, wonEvery: number): Promise<number[]> {
    return (await seedTagged(t, n, wonEvery)).ids;
  }

  async function seedTagged(t: TestContext, n: number, wonEvery: number): Promise<{ ids: number[]; tag: string }> {
    const tag = `${t.name.slice(0, 20)}-${Math.random().toString(36).slice(2, 7)}`;
    const rows = Array.from({ length: n }, (_, i) => ({
      module: 'Deals',
      owner_user_id: h().admin.id,
      fields: JSON.stringify({ title: `${tag}-${i}`, stage: i % wonEvery === 0 ? 'Won' : 'Negotiation', amount: i }),
      created_at: clock - (n - i) * 1000,
      updated_at: clock - (n - i) * 1000,
    }));
    for (let i = 0; i < rows.length; i += 250) await db()('crm_records').insert(rows.slice(i, i + 250));
    const ids = await db()('crm_records').where('fields', 'like', `%${tag}-%`).orderBy('id').pluck('id');
    t.after(() => db()('crm_records').whereIn('id', ids).delete());
    return { ids: ids.map(Number), tag };
  }

  async function workflow(t: TestContext, input: Record<string, unknown> = {}) {
    const wf = await h().hookflow.services.workflows.create(
      {
        module: 'Deals',
        title: t.name,
        status: 'active',
        trigger: 'record.updated',
        conditions: { join: 'all', conditions: [{ field: 'stage', op: 'equals', value: 'Won' }] },
        tasks: [setEnv],
        ...input,
      },
      h().admin.id,
    );
    t.after(async () => {
      await h().hookflow.services.workflows.setStatus(wf.id, 'inactive');
      // Its queued runs would otherwise be executed by a later test's drain().
      await db()('hookflow_runs').where({ workflow_id: wf.id }).delete();
    });
    return wf;
  }
  const runsOf = (backfillId: number) => db()('hookflow_runs').where({ backfill_id: backfillId }).orderBy('id');

  test('2,000 records, 3 workers, a worker lost mid-way: every matching record is queued exactly once', async (t) => {
    const ids = await seedDeals(t, 2000, 3);
    const won = ids.filter((_, i) => i % 3 === 0);
    const wf = await workflow(t);
    const counted = await countBackfill(startDeps(), wf, {});
    assert.ok(counted.count >= won.length, 'the count covers the seeded won deals');
    const id = await startBackfill(startDeps(), wf, {}, h().admin.id);

    // Worker 3 claims the sweep and dies holding it: nobody else may step it until its lease runs out.
    const dying = createSweepLane(laneDeps(hosts[2]));
    assert.equal((await dying.claim(5)).filter((s) => s.id === id).length, 1);
    await stepAll(hosts.slice(0, 2));
    assert.equal((await runsOf(id)).length, 0, 'a leased sweep is not stepped by others');
    clock += h().hookflow.services.settings.get().leaseSeconds * 1000 + 1;
    // One step by worker 1, then the three go on together.
    const one = createSweepLane(laneDeps(hosts[0]));
    const [first] = (await one.claim(5)).filter((s) => s.id === id);
    await one.process(first);
    const afterOne = (await runsOf(id)).length;
    assert.ok(afterOne > 0 && afterOne < won.length, `one step queues a part (${afterOne})`);
    await stepAll();

    const runs = await runsOf(id);
    const mine = runs.filter((r) => ids.includes(Number(r.record_id))).map((r) => Number(r.record_id));
    assert.deepEqual(mine, won, 'each won deal once, in id order, and no open deal');
    assert.equal(new Set(runs.map((r) => Number(r.record_id))).size, runs.length, 'no record twice');
    assert.ok(runs.every((r) => r.source === 'backfill' && r.status === 'queued'));
    assert.equal(JSON.parse(runs[0].event).type, 'record.backfilled');
    const sweep = (await getSweep(db(), id))!;
    assert.equal(sweep.status, 'finished');
    assert.equal(sweep.queued, runs.length);
    // The claimed-but-dead worker wakes up: its stale step writes nothing.
    await dying.process({ ...first, cursorId: 0 });
    assert.equal((await runsOf(id)).length, runs.length);
  });

  test('the rate: a burst of 5 s, then one run per interval, in host time', async (t) => {
    await seedDeals(t, 40, 1);
    await h().hookflow.services.settings.save({ backfillRatePerMinute: 60 });
    t.after(() => h().hookflow.services.settings.save({ backfillRatePerMinute: 600_000 }));
    const wf = await workflow(t);
    const id = await startBackfill(startDeps(), wf, { since: new Date(clock - 3_600_000).toISOString() }, null);
    await stepAll();
    assert.equal((await runsOf(id)).length, 5, '60/min banks 5 s: 5 runs at once');
    clock += 3000;
    await stepAll();
    assert.equal((await runsOf(id)).length, 8, '3 s later: 3 more');
    clock += 60_000;
    await stepAll();
    assert.equal((await runsOf(id)).length, 13, 'an idle minute banks no more than 5 s');
  });

  test('pause stops queueing, resume goes on, cancel skips the queued runs', async (t) => {
    await seedDeals(t, 30, 1);
    await h().hookflow.services.settings.save({ backfillRatePerMinute: 60 });
    t.after(() => h().hookflow.services.settings.save({ backfillRatePerMinute: 600_000 }));
    const wf = await workflow(t);
    const id = await startBackfill(startDeps(), wf, { since: new Date(clock - 3_600_000).toISOString() }, null);
    await stepAll();
    assert.equal((await runsOf(id)).length, 5);
    await moveSweep(startDeps(), (await getSweep(db(), id))!, 'pause');
    clock += 10_000;
    await stepAll();
    assert.equal((await runsOf(id)).length, 5, 'paused: nothing more');
    await moveSweep(startDeps(), (await getSweep(db(), id))!, 'resume');
    await stepAll();
    assert.equal((await runsOf(id)).length, 10, 'resumed with a fresh burst');
    await moveSweep(startDeps(), (await getSweep(db(), id))!, 'cancel');
    clock += 10_000;
    await stepAll();
    const runs = await runsOf(id);
    assert.equal(runs.length, 10, 'cancelled: nothing more');
    assert.ok(
      runs.every((r) => r.status === 'skipped' && /cancelled/.test(r.error)),
      'queued runs skipped',
    );
    await assert.rejects(moveSweep(startDeps(), (await getSweep(db(), id))!, 'resume'), { status: 409 });
  });

  test('runs execute: the webhook body names the event deal.backfilled', async (t) => {
    const { tag } = await seedTagged(t, 6, 2);
    const rx = await startReceiver();
    t.after(() => rx.close());
    const got: string[] = [];
    const webhook = { type: 'webhook', title: 'Out', options: { url: rx.url, contentType: 'ENVELOPE' } };
    const wf = await workflow(t, {
      tasks: [setEnv, webhook],
      conditions: {
        join: 'all',
        conditions: [
          { field: 'stage', op: 'equals', value: 'Won' },
          { field: 'title', op: 'contains', value: tag },
        ],
      },
    });
    const id = await startBackfill(startDeps(), wf, {}, null);
    await stepAll();
    await h().hookflow.worker.drain();
    const runs = await runsOf(id);
    assert.equal(runs.length, 3);
    for (const r of runs) {
      assert.equal(r.status, 'succeeded', r.error ?? '');
      got.push(JSON.parse(r.env).seen);
    }
    assert.deepEqual(got.sort(), [`${tag}-0`, `${tag}-2`, `${tag}-4`]);
    await waitFor('the three webhooks', 30_000, async () => {
      await h().hookflow.worker.drain();
      return rx.received.length === 3;
    });
    const bodies = rx.received.map((r) => JSON.parse(r.body));
    assert.deepEqual([...new Set(bodies.map((b) => b.type))], ['deal.backfilled']);
    assert.deepEqual(bodies.map((b) => b.data.record.title).sort(), got.sort());
  });

  test('refused: changed* conditions, record.deleted, over the limit, a CRM that cannot list records', async (t) => {
    const changed = await workflow(t, {
      conditions: { join: 'all', conditions: [{ field: 'stage', op: 'changed_to', value: 'Won' }] },
    });
    const e1 = (await countBackfill(startDeps(), changed, {}).catch((e) => e)) as HookflowError;
    assert.equal(e1.status, 422);
    assert.match(e1.fields?.['conditions.0.op'] ?? '', /changed to.*current values/);
    const deleted = await workflow(t, { trigger: 'record.deleted', conditions: { join: 'all', conditions: [] } });
    assert.equal(((await countBackfill(startDeps(), deleted, {}).catch((e) => e)) as HookflowError).status, 422);
    const wf = await workflow(t, { conditions: { join: 'all', conditions: [] } });
    const tooMany = await seedDeals(t, 30, 1);
    await h().hookflow.services.settings.save({ backfillMaxRecords: tooMany.length - 1 });
    t.after(() => h().hookflow.services.settings.save({ backfillMaxRecords: 5000 }));
    const e3 = (await startBackfill(startDeps(), wf, {}, null).catch((e) => e)) as HookflowError;
    assert.equal(e3.status, 422);
    assert.match(e3.message, /^\d+ records match, more than one backfill may run/);
    const blind = { listModules: () => h().records.listModules() };
    const e4 = (await countBackfill(startDeps(h(), { records: blind }), wf, {}).catch((e) => e)) as HookflowError;
    assert.equal(e4.status, 400);
    assert.match(e4.message, /records\.listAfter/);
    const e5 = (await countBackfill(startDeps(), wf, { since: 'yesterday-ish' }).catch((e) => e)) as HookflowError;
    assert.equal(e5.status, 422);
  });

  test('a second backfill of the same workflow waits for the first (409)', async (t) => {
    await seedDeals(t, 3, 1);
    const wf = await workflow(t);
    await startBackfill(startDeps(), wf, {}, null);
    const again = (await startBackfill(startDeps(), wf, {}, null).catch((e) => e)) as HookflowError;
    assert.equal(again.status, 409);
  });
});
