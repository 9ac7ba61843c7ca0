/**
 * "Run for existing records" through the admin pages and the JSON API, in the reference host:
 * count first (nothing starts), start, progress on the page, pause/resume/cancel buttons, the
 * runs log filtered to one backfill, refusals shown at their field (never a 500).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { ADMIN, FormClient, startAdminHost, type AdminHost } from '../../helpers/admin-host.js';

describeEachEngine('admin pages: run for existing records', (tdb) => {
  let t: AdminHost;
  let client: FormClient;
  const services = () => t.host.hookflow.services;

  before(async () => {
    t = await startAdminHost(tdb().db);
    client = await new FormClient(t.url).login(t.admin.email, t.admin.password);
  });
  after(async () => {
    await t?.close();
  });

  async function wonDeals(tag: string, n: number) {
    for (let i = 0; i < n; i++)
      await t.host.services.records.create(
        'Deals',
        { title: `${tag} ${i}`, stage: i % 2 === 0 ? 'Won' : 'Negotiation' },
        { actorUserId: t.admin.id },
      );
  }

  async function workflowFor(tag: string, conditions: unknown[]) {
    return services().workflows.create(
      {
        module: 'Deals',
        title: `Send won deals ${tag}`,
        status: 'active',
        trigger: 'record.updated',
        conditions: { join: 'all', conditions: [{ field: 'title', op: 'contains', value: tag }, ...conditions] },
        tasks: [{ type: 'set_env', title: 'Mark', options: { values: [{ name: 'x', value: '1' }] } }],
      },
      t.admin.id,
    );
  }

  test('count, start, see progress, pause, resume and cancel — from the page', async () => {
    const tag = `pg-${Date.now()}`;
    await wonDeals(tag, 5);
    const wf = await workflowFor(tag, [{ field: 'stage', op: 'equals', value: 'Won' }]);
    const page = `${ADMIN}/workflows/${wf.id}/backfill`;
    assert.match((await client.get(`${ADMIN}/workflows/${wf.id}`)).text, /Run for existing records/);

    const counted = await client.submit(page, `${page}/count`, { since: '', sinceField: 'updatedAt' });
    assert.equal(counted.status, 200, counted.text.slice(0, 300));
    assert.match(counted.text, /data-count="3"/);
    assert.match(counted.text, /Start for 3 records/);
    assert.equal(
      await tdb()
        .db('hookflow_backfills')
        .where({ workflow_id: wf.id })
        .count({ n: '*' })
        .first()
        .then((r) => Number(r?.n)),
      0,
      'counting starts nothing',
    );

    const started = await client.submit(page, page, { since: '', sinceField: 'updatedAt' });
    assert.equal(started.status, 303, started.text.slice(0, 300));
    assert.equal(started.location, `${page}?notice=backfill-started`);
    await t.host.hookflow.worker.drain();
    const shown = (await client.get(page)).text;
    assert.match(shown, /data-status="finished"/);
    assert.match(shown, /<progress max="100" value="100"/);
    assert.match(shown, /3 done · 0 failed · 0 skipped · 0 running or queued · 0 remaining, of 3/);
    const runs = await client.get(
      `${ADMIN}/runs?workflowId=${wf.id}&backfillId=${(await tdb().db('hookflow_backfills').where({ workflow_id: wf.id }).first()).id}`,
    );
    assert.match(runs.text, /Only the runs of one run for existing records/);
  });

  test('pause, resume and cancel buttons; a finished one cannot be paused (shown, not a 500)', async () => {
    const tag = `pc-${Date.now()}`;
    await wonDeals(tag, 4);
    await services().settings.save({ backfillRatePerMinute: 1 });
    try {
      const wf = await workflowFor(tag, []);
      const page = `${ADMIN}/workflows/${wf.id}/backfill`;
      await client.submit(page, page, { since: '', sinceField: 'updatedAt' });
      const sweep = await tdb().db('hookflow_backfills').where({ workflow_id: wf.id }).first();
      // Rate 1/min: one run at once, the next a minute later, so the sweep stays running.
      await t.host.hookflow.worker.drain();
      assert.match((await client.get(page)).text, /data-status="running"[\s\S]*Pause/);
      const paused = await client.submit(page, `${ADMIN}/backfills/${sweep.id}/pause`, {});
      assert.equal(paused.location, `${page}?notice=backfill-paused`);
      assert.match((await client.get(page)).text, /data-status="paused"[\s\S]*Resume/);
      assert.equal((await client.submit(page, `${ADMIN}/backfills/${sweep.id}/resume`, {})).status, 303);
      const cancelled = await client.submit(page, `${ADMIN}/backfills/${sweep.id}/cancel`, {});
      assert.equal(cancelled.location, `${page}?notice=backfill-cancelled`);
      const again = await client.submit(page, `${ADMIN}/backfills/${sweep.id}/pause`, {});
      assert.equal(again.status, 409);
      assert.match(again.text, /is cancelled; it cannot be paused now/);
    } finally {
      await services().settings.save({ backfillRatePerMinute: 600 });
    }
  });

  test('a changed* condition is refused at its row; a bad since date at its field', async () => {
    const tag = `pr-${Date.now()}`;
    const wf = await workflowFor(tag, [{ field: 'stage', op: 'changed_to', value: 'Won' }]);
    const page = `${ADMIN}/workflows/${wf.id}/backfill`;
    const refused = await client.submit(page, `${page}/count`, { since: '', sinceField: 'updatedAt' });
    assert.equal(refused.status, 422);
    assert.match(refused.text, /stage uses “changed to”, which only a change can meet/);
    const plain = await workflowFor(`${tag}b`, []);
    const plainPage = `${ADMIN}/workflows/${plain.id}/backfill`;
    const bad = await client.submit(plainPage, `${plainPage}/count`, {
      since: 'last tuesday',
      sinceField: 'updatedAt',
    });
    assert.equal(bad.status, 422);
    assert.match(bad.text, /id="since-error">[^<]*date/);
  });
});
