/**
 * The reference host's record ownership policy (host/records.ts, applied by host/api.ts):
 * admins read and change any record; other users list, read, update and delete only their own
 * (anyone else's record answers exactly like a missing one) and create records they own.
 * Hookflow's calls through the HostRecords contract carry no caller and are not checked.
 */
import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, testEngines, type TestDatabase } from './engines.js';
import { call, startTestHost, type TestHost } from './harness.js';

for (const engine of testEngines()) {
  describe(`record ownership on ${engine}`, () => {
    let tdb: TestDatabase;
    let t: TestHost;
    let api: string;

    before(async () => {
      tdb = await createTestDatabase(engine);
      t = await startTestHost(tdb);
      api = `${t.url}/api`;
    });
    after(async () => {
      await t?.close();
      await tdb?.cleanup();
    });
    beforeEach(() => {
      t.fake.calls.length = 0;
    });

    /** Everything a refused request must leave untouched. */
    async function snapshot() {
      return {
        records: await tdb.db('crm_records').orderBy('id').select(),
        hookLog: await tdb.db(t.fake.logTable).orderBy('id').select(),
        calls: t.fake.calls.length,
      };
    }

    async function createDeal(fields: Record<string, unknown>) {
      const res = await call(`${api}/records/Deals`, { method: 'POST', token: t.admin.token, json: { fields } });
      assert.equal(res.status, 201, res.text);
      return res.body.record;
    }

    test('a non-admin lists, reads, updates and deletes only records they own; others look missing', async () => {
      const mine = (
        await call(`${api}/records/Deals`, {
          method: 'POST',
          token: t.sales.token,
          json: { fields: { title: 'Sales own' } },
        })
      ).body.record;
      assert.equal(mine.ownerUserId, t.sales.id, 'create makes the caller the owner');
      const theirs = await createDeal({ title: 'Admin own' });
      assert.equal(theirs.ownerUserId, t.admin.id);
      const missing = await call(`${api}/records/Deals/999999`, { token: t.sales.token });
      t.fake.calls.length = 0;
      const before = await snapshot();
      for (const [method, json] of [
        ['GET', undefined],
        ['PATCH', { fields: { stage: 'Lost' } }],
        ['DELETE', undefined],
      ] as const) {
        const res = await call(`${api}/records/Deals/${theirs.id}`, { method, token: t.sales.token, json });
        assert.equal(res.status, 404, `${method} of another user's record: ${res.text}`);
        assert.deepEqual(res.body, { error: { code: 'not_found', message: `Deals record ${theirs.id} not found` } });
        assert.deepEqual(
          Object.keys(res.body.error),
          Object.keys(missing.body.error),
          'answered exactly like a missing record',
        );
      }
      assert.deepEqual(await snapshot(), before, 'nothing changed, no hook ran');

      const list = await call(`${api}/records/Deals?limit=500`, { token: t.sales.token });
      assert.equal(list.status, 200);
      assert.ok(list.body.records.length > 0);
      assert.ok(
        list.body.records.every((r: { ownerUserId: number }) => r.ownerUserId === t.sales.id),
        'only own records listed',
      );
      assert.equal(list.body.total, list.body.records.length, 'total counts only own records');
      const all = await call(`${api}/records/Deals?limit=500`, { token: t.admin.token });
      assert.ok(
        all.body.records.some((r: { id: number }) => r.id === theirs.id),
        'an admin lists everything',
      );
      assert.ok(all.body.total > list.body.total);

      assert.equal((await call(`${api}/records/Deals/${mine.id}`, { token: t.sales.token })).status, 200);
      const patched = await call(`${api}/records/Deals/${mine.id}`, {
        method: 'PATCH',
        token: t.sales.token,
        json: { fields: { stage: 'Won' } },
      });
      assert.equal(patched.status, 200, patched.text);
      assert.equal(
        (await call(`${api}/records/Deals/${mine.id}`, { method: 'DELETE', token: t.sales.token })).status,
        204,
      );
    });

    test("only an admin creates a record owned by someone else; an admin changes anyone's records", async () => {
      const before = await snapshot();
      const refused = await call(`${api}/records/Leads`, {
        method: 'POST',
        token: t.sales.token,
        json: { fields: { lastname: 'X' }, ownerUserId: t.admin.id },
      });
      assert.equal(refused.status, 403, refused.text);
      assert.equal(refused.body.error.code, 'forbidden');
      assert.deepEqual(refused.body.error.fields, { ownerUserId: 'only an admin can set another owner' });
      assert.deepEqual(await snapshot(), before);
      const self = await call(`${api}/records/Leads`, {
        method: 'POST',
        token: t.sales.token,
        json: { fields: { lastname: 'Y' }, ownerUserId: t.sales.id },
      });
      assert.equal(self.status, 201, 'naming oneself as owner is fine');

      const id = self.body.record.id;
      assert.equal((await call(`${api}/records/Leads/${id}`, { token: t.admin.token })).status, 200);
      const patched = await call(`${api}/records/Leads/${id}`, {
        method: 'PATCH',
        token: t.admin.token,
        json: { fields: { status: 'Lost' } },
      });
      assert.equal(patched.status, 200);
      assert.equal(patched.body.record.ownerUserId, t.sales.id, 'an edit never changes the owner');
      assert.equal((await call(`${api}/records/Leads/${id}`, { method: 'DELETE', token: t.admin.token })).status, 204);
    });

    test("Hookflow's contract calls (a task with an actor) are trusted: the API's ownership rule does not apply", async () => {
      const records = t.host.services.records;
      const adminDeal = await createDeal({ title: 'Run target' });
      const origin = { runId: 7, chainDepth: 1 };
      // The same change, asked for by the sales user through the API, is refused...
      const viaApi = await call(`${api}/records/Deals/${adminDeal.id}`, {
        method: 'PATCH',
        token: t.sales.token,
        json: { fields: { stage: 'Won' } },
      });
      assert.equal(viaApi.status, 404);
      // ...while a workflow task running as that user (a contract call with an actor) goes through.
      const updated = await records.update(
        'Deals',
        adminDeal.id,
        { stage: 'Won' },
        { actorUserId: t.sales.id, origin },
      );
      assert.equal(updated.fields.stage, 'Won');
      assert.equal(t.fake.calls.at(-1)!.event.actorUserId, t.sales.id, 'the actor is who the change is attributed to');
      const created = await records.create(
        'Leads',
        { lastname: 'From a run' },
        { actorUserId: t.sales.id, ownerUserId: t.sales.id, origin },
      );
      assert.equal(created.ownerUserId, t.sales.id, "a task's record is owned by the run's actor");
      await records.delete('Deals', adminDeal.id, { actorUserId: t.sales.id, origin });
      assert.equal(await records.get('Deals', adminDeal.id), null);
    });
  });
}
