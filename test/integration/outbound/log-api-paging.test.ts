/**
 * The log API pages by cursor: nextBefore walks every row once (no overlap, no gap), prevAfter
 * walks back to the same pages, before and after together are refused in plain words, and the
 * count stops at its cap (a cap of 20 here; 10,000 in production). Each test has its own database.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { serveAdminApi, type AdminApi } from '../../helpers/admin-api.js';
import { enqueueDelivery } from '../../../module/outbound/queue/enqueue.js';
import { DeliveryLogQuery, listDeliveryLog } from '../../../module/outbound/log-api.js';
import { insertRun, listRuns } from '../../../module/workflows/runs.js';

describeEachEngine('webhook log API paging', (tdb) => {
  async function fresh(tc: TestContext): Promise<{ h: TestHost; api: AdminApi; ids: number[] }> {
    const db = await createTestDatabase(tdb().engine);
    let h: TestHost | undefined;
    let api: AdminApi | undefined;
    tc.after(async () => {
      await api?.close();
      await h?.close();
      await db.destroy();
    });
    h = await createTestHost(db.db);
    api = await serveAdminApi(h);
    const ids: number[] = [];
    const logged = (recordId: number, webhookId: string) =>
      enqueueDelivery(db.db, {
        webhookId,
        runId: null,
        workflowId: null,
        taskId: null,
        eventType: 'record.created',
        module: 'Deals',
        recordId,
        method: 'POST',
        url: 'https://example.com/x',
        headers: {},
        contentType: null,
        body: null,
        originKey: null,
      });
    for (let i = 0; i < 27; i++) {
      ids.push((await logged(7, `msg_paging_${i}`)).id);
      // A row of another record between each: the filter holds on every page and count.
      await logged(8, `msg_other_${i}`);
    }
    return { h, api, ids };
  }

  const idsOf = (body: { deliveries: Array<{ id: number }> }) => body.deliveries.map((d) => d.id);

  test('nextBefore pages 10, 10, 7 with no overlap or gap; prevAfter goes back to the same rows', async (tc) => {
    const { api, ids } = await fresh(tc);
    const newest = [...ids].reverse();
    const pages: Array<{ ids: number[]; body: any }> = [];
    let path = '/deliveries?recordId=7&limit=10';
    for (;;) {
      const r = await api.call('GET', path);
      assert.equal(r.status, 200, r.text);
      pages.push({ ids: idsOf(r.body), body: r.body });
      if (r.body.nextBefore === null) break;
      path = `/deliveries?recordId=7&limit=10&before=${r.body.nextBefore}`;
      assert.ok(pages.length < 5, 'the pages end');
    }
    assert.deepEqual(
      pages.map((p) => p.ids.length),
      [10, 10, 7],
    );
    assert.deepEqual(
      pages.flatMap((p) => p.ids),
      newest,
      'every row once, newest first',
    );
    for (const p of pages) {
      assert.equal(p.body.total, 27);
      assert.equal(p.body.totalCapped, false);
    }
    assert.equal(pages[0].body.prevAfter, null, 'the newest page has no newer page');
    assert.equal(pages[1].body.prevAfter, newest[10]);
    assert.equal(pages[2].body.nextBefore, null);

    // Back by prevAfter: the same pages, newest first.
    const second = await api.call('GET', `/deliveries?recordId=7&limit=10&after=${pages[2].body.prevAfter}`);
    assert.deepEqual(idsOf(second.body), pages[1].ids);
    assert.equal(second.body.nextBefore, pages[1].body.nextBefore);
    const first = await api.call('GET', `/deliveries?recordId=7&limit=10&after=${second.body.prevAfter}`);
    assert.deepEqual(idsOf(first.body), pages[0].ids);
    assert.equal(first.body.prevAfter, null, 'back on the newest page');
    assert.equal(first.body.nextBefore, pages[0].body.nextBefore);

    // offset still works for clients that page by it, with the cursors of its page.
    const byOffset = await api.call('GET', '/deliveries?recordId=7&limit=10&offset=10');
    assert.deepEqual(idsOf(byOffset.body), pages[1].ids);
    assert.equal(byOffset.body.nextBefore, pages[1].body.nextBefore);
    assert.equal(byOffset.body.prevAfter, newest[10]);
  });

  test('before and after together are refused naming both; a cursor past the end is an empty page', async (tc) => {
    const { api, ids } = await fresh(tc);
    const both = await api.call('GET', `/deliveries?before=${ids[5]}&after=${ids[1]}`);
    assert.equal(both.status, 422, both.text);
    assert.match(both.body.error.fields.before, /either before .* or after .*, not both/);
    assert.equal((await api.call('GET', '/deliveries?before=0')).status, 422, 'a cursor is a positive id');

    const none = await api.call('GET', `/deliveries?recordId=7&before=${ids[0]}`);
    assert.deepEqual(none.body.deliveries, []);
    assert.equal(none.body.nextBefore, null);
    assert.equal(none.body.prevAfter, ids[0] - 1, 'newer rows are still reachable');
  });

  test('the count stops at its cap and says so', async (tc) => {
    const { h, ids } = await fresh(tc);
    const q = (extra: object) => DeliveryLogQuery.parse({ recordId: '7', limit: '10', ...extra });
    const capped = await listDeliveryLog(h.context.db, q({}), 20);
    assert.equal(capped.total, 20);
    assert.equal(capped.totalCapped, true);
    assert.equal(capped.deliveries.length, 10, 'the page itself is whole');
    const exact = await listDeliveryLog(h.context.db, q({}), 27);
    assert.deepEqual([exact.total, exact.totalCapped], [27, false]);
    const deep = await listDeliveryLog(h.context.db, q({ before: String(ids[3]) }), 20);
    assert.deepEqual(
      deep.deliveries.map((d) => d.id),
      [ids[2], ids[1], ids[0]],
    );
    assert.deepEqual([deep.total, deep.totalCapped], [20, true], 'the count is of the filter, not the page');
  });

  test('runs list by cursor too and refuse both cursors', async (tc) => {
    const { h, api } = await fresh(tc);
    const db = h.context.db;
    const wf = await h.hookflow.services.workflows.create(
      { module: 'Deals', title: 'r', status: 'active', trigger: 'record.created', tasks: [] },
      h.admin.id,
    );
    const runIds: number[] = [];
    for (let i = 0; i < 5; i++)
      runIds.push(
        await insertRun(db, {
          workflowId: wf.id,
          trigger: 'record.created',
          source: 'record_event',
          module: 'Deals',
          recordId: i + 1,
          status: 'failed',
          mode: 'async',
          event: {},
          env: {},
        } as never),
      );
    const page = await listRuns(db, { workflowId: wf.id, limit: 2, before: runIds[3] });
    assert.deepEqual(
      page.runs.map((r) => r.id),
      [runIds[2], runIds[1]],
    );
    assert.deepEqual([page.nextBefore, page.prevAfter, page.total], [runIds[1], runIds[2], 5]);
    const newer = await listRuns(db, { workflowId: wf.id, limit: 2, after: runIds[2] });
    assert.deepEqual(
      newer.runs.map((r) => r.id),
      [runIds[4], runIds[3]],
    );
    assert.equal(newer.prevAfter, null);
    await assert.rejects(listRuns(db, { before: 3, after: 1 }), (e: any) => e.code === 'validation_failed');
    const viaApi = await api.call('GET', `/runs?workflowId=${wf.id}&limit=2&before=${runIds[3]}`);
    assert.deepEqual(
      viaApi.body.runs.map((r: { id: number }) => r.id),
      [runIds[2], runIds[1]],
    );
    assert.equal(viaApi.body.nextBefore, runIds[1]);
    assert.equal((await api.call('GET', `/runs?before=3&after=1`)).status, 422);
  });
});
