/**
 * Claiming around a held destination (queue level, no HTTP): its deliveries are skipped, except
 * ONE probe — its oldest unfinished delivery, due or not — once the probe is due, however many
 * workers claim at once; other destinations are claimed as usual; a probe whose webhook turned
 * out disabled hands over to the next one at once.
 */
import { test, before, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost } from '../../helpers/test-host.js';
import { enqueueDelivery } from '../../../module/outbound/queue/enqueue.js';
import { claimDueDeliveries } from '../../../module/outbound/queue/claim.js';
import { holdLeasedDelivery } from '../../../module/outbound/queue/hold.js';
import { dueProbesSql } from '../../../module/outbound/queue/destinations.js';
import { engineOf, nowMsSql } from '../../../module/storage/engine.js';

const HELD = 'held.example:8443';
const OPTS = { leaseSeconds: 60, perHostConcurrency: 4, holdDestinations: true };

describeEachEngine('claims and held destinations', (tdb) => {
  const db = () => tdb().db;
  const enqueue = (host: string) =>
    enqueueDelivery(db(), {
      webhookId: `msg_${randomUUID()}`,
      runId: null,
      workflowId: null,
      taskId: null,
      eventType: null,
      module: 'Deals',
      recordId: 1,
      method: 'POST',
      url: `https://${host}/hook`,
      headers: {},
      contentType: 'application/json',
      body: '{}',
      originKey: null,
    }).then((r) => r.id);
  const hold = (nextProbeAt: number) =>
    db()('hookflow_destinations').insert({
      destination_host: HELD,
      consecutive_failures: 10,
      failing_since: 1,
      paused_at: 1,
      next_probe_at: nextProbeAt,
      probe_count: 0,
      updated_at: 1,
    });
  const row = () => db()('hookflow_destinations').where({ destination_host: HELD }).first();

  before(async () => {
    await createTestHost(db()).then((h) => h.close());
  }); // the schema
  // Every test here is about the whole queue: each starts with an empty one.
  beforeEach(async () => {
    for (const table of ['hookflow_attempts', 'hookflow_deliveries', 'hookflow_destinations']) await db()(table).del();
  });

  test('a held destination yields one probe, its oldest delivery even if not due, to one of many claimers', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push(await enqueue(HELD));
    const other = await enqueue('fine.example');
    // The oldest waits for a retry in an hour: it is still the probe (per-record order).
    await db()('hookflow_deliveries')
      .where({ id: ids[0] })
      .update({ next_attempt_at: Date.now() + 3_600_000 });
    await hold(Date.now() + 3_600_000);
    const early = await claimDueDeliveries(db(), 'w0', 16, OPTS);
    assert.deepEqual(
      early.map((d) => d.id),
      [other],
      'before the probe is due: only the other destination',
    );

    await db()('hookflow_destinations').where({ destination_host: HELD }).update({ next_probe_at: 0 });
    const claims = await Promise.all([1, 2, 3, 4].map((w) => claimDueDeliveries(db(), `w${w}`, 16, OPTS)));
    assert.deepEqual(
      claims.flat().map((d) => d.id),
      [ids[0]],
      'one probe, the oldest',
    );
    const probe = await row();
    assert.equal(Number(probe.probe_delivery_id), ids[0]);
    assert.ok(Number(probe.next_probe_at) > Date.now() + 30_000, 'no next probe while this one is leased');
    assert.deepEqual(await claimDueDeliveries(db(), 'w5', 16, OPTS), []);
    assert.equal(
      (await claimDueDeliveries(db(), 'w6', 16, { ...OPTS, holdDestinations: false })).length,
      3,
      'holding off: the rest flow (the cap of 4 counting the probe)',
    );
  });

  test('a probe held because its webhook is disabled hands over to the next delivery at once', async () => {
    const first = await enqueue(HELD);
    const second = await enqueue(HELD);
    await hold(0);
    const [probe] = await claimDueDeliveries(db(), 'w1', 16, OPTS);
    assert.equal(probe.id, first);
    assert.equal(await holdLeasedDelivery(db(), probe.id, probe.leaseOwner), true);
    assert.equal((await row()).probe_delivery_id, null);
    assert.deepEqual(
      (await claimDueDeliveries(db(), 'w2', 16, OPTS)).map((d) => d.id),
      [second],
      'the next oldest is the probe now',
    );
  });

  test('the probe is the oldest unfinished delivery: one under an expired lease counts, one under a live lease does not', async () => {
    const [expired, live, queued] = [await enqueue(HELD), await enqueue(HELD), await enqueue(HELD)];
    const lease = (id: number, leaseExpiresAt: number) =>
      db()('hookflow_deliveries')
        .where({ id })
        .update({ status: 'dispatched', lease_owner: 'gone', lease_expires_at: leaseExpiresAt });
    await lease(expired, Date.now() - 60_000);
    await lease(live, Date.now() + 3_600_000);
    await hold(0);
    assert.deepEqual(
      (await claimDueDeliveries(db(), 'w1', 16, OPTS)).map((d) => d.id),
      [expired],
      'the expired lease is the oldest unfinished',
    );
    await db()('hookflow_deliveries').where({ id: expired }).update({ status: 'success', lease_owner: null });
    await db()('hookflow_destinations').where({ destination_host: HELD }).update({ next_probe_at: 0 });
    assert.deepEqual(
      (await claimDueDeliveries(db(), 'w2', 16, OPTS)).map((d) => d.id),
      [queued],
      'a live lease is in flight, not a probe: the next queued one is',
    );
  });

  test("SQLite: the probe look-up reads held destinations' deliveries by destination, never a whole status", async (t) => {
    // MariaDB's optimizer picks by statistics (it drove the old join from the destinations too);
    // SQLite's planner walked every queued delivery of every destination on each claim.
    if (engineOf(db()) !== 'sqlite') return t.skip('query plans are SQLite-specific');
    // With no destination held, the look-up must cost nothing whatever the backlog: it starts
    // from the held destinations and seeks (destination_host, status, id).
    const sql = dueProbesSql(nowMsSql(db()));
    const plan = ((await db().raw(`EXPLAIN QUERY PLAN ${sql}`)) as Array<{ detail: string }>).map((r) => r.detail);
    const deliveries = plan.filter((line) => /\bd\b/.test(line));
    assert.ok(deliveries.length > 0, plan.join(' | '));
    for (const line of deliveries)
      assert.match(line, /INDEX hookflow_deliveries_destination_index \(destination_host=\? AND status=\?/, line);
  });
});
