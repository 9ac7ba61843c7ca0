/** The "Run for existing records" JSON API (admin/backfill-api.ts) on every engine. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { serveAdminApi, type AdminApi } from '../../helpers/admin-api.js';

describeEachEngine('backfill API', (tdb) => {
  let h: TestHost;
  let api: AdminApi;
  before(async () => {
    h = await createTestHost(tdb().db, { settings: { backfillRatePerMinute: 60 } });
    api = await serveAdminApi(h);
  });
  after(async () => {
    await api?.close();
    await h?.close();
  });

  test('count, start (202), read, list, pause, resume, cancel; 404, 409 and 422 in plain words', async () => {
    const tag = `api-${Date.now()}`;
    for (let i = 0; i < 8; i++)
      await h.records.create('Deals', { title: `${tag} ${i}`, stage: 'Won' }, { actorUserId: h.admin.id });
    const wf = await h.hookflow.services.workflows.create(
      {
        module: 'Deals',
        title: tag,
        status: 'active',
        trigger: 'record.saved',
        conditions: { join: 'all', conditions: [{ field: 'title', op: 'contains', value: tag }] },
        tasks: [],
      },
      h.admin.id,
    );
    const count = await api.call('POST', `/workflows/${wf.id}/backfills/count`, {});
    assert.equal(count.status, 200, count.text);
    assert.deepEqual(count.body, { count: 8, limit: 50_000, filter: { sinceField: 'updatedAt' } });
    const strict = await api.call('POST', `/workflows/${wf.id}/backfills/count`, { sinse: '2026-01-01' });
    assert.equal(strict.status, 422, 'unknown keys are errors');

    const started = await api.call('POST', `/workflows/${wf.id}/backfills`, {});
    assert.equal(started.status, 202, started.text);
    const id = started.body.backfill.id;
    assert.equal(started.body.backfill.status, 'running');
    assert.equal(started.body.backfill.expected, 8);
    await h.hookflow.worker.drain();
    const read = await api.call('GET', `/backfills/${id}`);
    assert.equal(read.body.backfill.queued, 5, 'rate 60/min: a 5 s burst');
    assert.equal(read.body.backfill.progress.remaining, 3);
    assert.equal(read.body.backfill.progress.succeeded, 5);
    const listed = await api.call('GET', `/workflows/${wf.id}/backfills`);
    assert.deepEqual(
      listed.body.backfills.map((b: { id: number }) => b.id),
      [id],
    );
    assert.equal((await api.call('POST', `/workflows/${wf.id}/backfills`, {})).status, 409, 'one at a time');
    assert.equal((await api.call('POST', `/backfills/${id}/pause`)).body.backfill.status, 'paused');
    assert.equal((await api.call('POST', `/backfills/${id}/pause`)).status, 409);
    assert.equal((await api.call('POST', `/backfills/${id}/resume`)).body.backfill.status, 'running');
    const cancelled = await api.call('POST', `/backfills/${id}/cancel`);
    assert.equal(cancelled.body.backfill.status, 'cancelled');
    assert.equal(cancelled.body.backfill.progress.remaining, 0);
    assert.equal((await api.call('GET', '/backfills/999999')).status, 404);
    const runs = await api.call('GET', `/runs?backfillId=${id}`);
    assert.equal(runs.body.total, 5, 'the runs log filters by backfill');
  });
});
