import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, testEngines, type TestDatabase } from './engines.js';
import { call, startTestHost, type TestHost } from './harness.js';

for (const engine of testEngines()) {
  describe(`records API on ${engine}`, () => {
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
      t.fake.throwOn.clear();
    });

    /** Everything a failed request must leave untouched. */
    async function snapshot() {
      return {
        records: await tdb.db('crm_records').orderBy('id').select(),
        hookLog: await tdb.db(t.fake.logTable).orderBy('id').select(),
        calls: t.fake.calls.length,
      };
    }

    async function createDeal(
      fields: Record<string, unknown> = { title: 'Seed deal', amount: 10, stage: 'Prospecting' },
    ) {
      const res = await call(`${api}/records/Deals`, { method: 'POST', token: t.admin.token, json: { fields } });
      assert.equal(res.status, 201, res.text);
      return res.body.record;
    }

    test('GET /api/modules lists the four fixed modules, then the seeded Invoices, with typed fields', async () => {
      const res = await call(`${api}/modules`, { token: t.sales.token });
      assert.equal(res.status, 200);
      assert.deepEqual(
        res.body.modules.map((m: { name: string }) => m.name),
        ['Leads', 'Contacts', 'Accounts', 'Deals', 'Invoices'],
      );
      assert.deepEqual(res.body.modules[4].aliases, { bitrix24EntityTypeId: 31, event: 'invoice' });
      const deals = res.body.modules.find((m: { name: string }) => m.name === 'Deals');
      assert.deepEqual(deals.fields.find((f: { name: string }) => f.name === 'stage').options, [
        'Prospecting',
        'Qualification',
        'Proposal',
        'Negotiation',
        'Won',
        'Lost',
      ]);
      assert.equal(deals.fields.find((f: { name: string }) => f.name === 'amount').type, 'number');
    });

    test('create, read, update, list and delete a record; each save calls its hook with the transaction', async () => {
      const created = await call(`${api}/records/Deals`, {
        method: 'POST',
        token: t.sales.token,
        json: {
          fields: {
            title: 'Rocket skates',
            amount: '1200.50',
            currency: 'USD',
            stage: 'Proposal',
            close_date: '2026-03-31',
            account_id: '7',
          },
        },
      });
      assert.equal(created.status, 201, created.text);
      const record = created.body.record;
      assert.ok(Number.isInteger(record.id) && record.id > 0);
      assert.equal(created.headers.get('location'), `/api/records/Deals/${record.id}`);
      assert.equal(record.ownerUserId, t.sales.id);
      assert.deepEqual(record.fields, {
        title: 'Rocket skates',
        amount: 1200.5,
        currency: 'USD',
        stage: 'Proposal',
        close_date: '2026-03-31',
        account_id: 7,
      });
      assert.equal(t.fake.calls.length, 1);
      const [createdCall] = t.fake.calls;
      assert.equal(createdCall.kind, 'created');
      assert.equal(createdCall.gotTransaction, true);
      assert.deepEqual(createdCall.event, {
        module: 'Deals',
        recordId: record.id,
        record,
        previous: null,
        actorUserId: t.sales.id,
        origin: undefined,
      });

      const read = await call(`${api}/records/Deals/${record.id}`, { token: t.admin.token });
      assert.equal(read.status, 200);
      assert.deepEqual(read.body.record, record);

      const patched = await call(`${api}/records/Deals/${record.id}`, {
        method: 'PATCH',
        token: t.admin.token,
        json: { fields: { stage: 'Won', invoice_id: null } },
      });
      assert.equal(patched.status, 200, patched.text);
      assert.deepEqual(patched.body.record.fields, { ...record.fields, stage: 'Won', invoice_id: null });
      assert.equal(patched.body.record.createdAt, record.createdAt);
      const updatedCall = t.fake.calls[1];
      assert.equal(updatedCall.kind, 'updated');
      assert.deepEqual(updatedCall.event.previous, record);
      assert.deepEqual(updatedCall.event.record, patched.body.record);
      assert.equal(updatedCall.event.actorUserId, t.admin.id);

      const list = await call(`${api}/records/Deals?limit=500`, { token: t.admin.token });
      assert.equal(list.status, 200);
      assert.ok(list.body.records.some((r: { id: number }) => r.id === record.id));
      assert.equal(list.body.total, list.body.records.length);

      const deleted = await call(`${api}/records/Deals/${record.id}`, { method: 'DELETE', token: t.admin.token });
      assert.equal(deleted.status, 204);
      const deletedCall = t.fake.calls[2];
      assert.equal(deletedCall.kind, 'deleted');
      assert.deepEqual(deletedCall.event.record, patched.body.record);
      assert.deepEqual(deletedCall.event.previous, patched.body.record);
      assert.equal((await call(`${api}/records/Deals/${record.id}`, { token: t.admin.token })).status, 404);
      assert.equal(
        await tdb
          .db(t.fake.logTable)
          .whereIn('kind', ['created', 'updated', 'deleted'])
          .where({ record_id: record.id })
          .count({ n: '*' })
          .then((r) => Number(r[0].n)),
        3,
      );
    });

    test('ownerUserId in the body sets the owner; an unknown owner is refused', async () => {
      const res = await call(`${api}/records/Leads`, {
        method: 'POST',
        token: t.admin.token,
        json: { fields: { lastname: 'Owned' }, ownerUserId: t.sales.id },
      });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.record.ownerUserId, t.sales.id);
      const before = await snapshot();
      const bad = await call(`${api}/records/Leads`, {
        method: 'POST',
        token: t.admin.token,
        json: { fields: { lastname: 'X' }, ownerUserId: 999999 },
      });
      assert.equal(bad.status, 422);
      assert.equal(bad.body.error.code, 'validation_failed');
      assert.deepEqual(bad.body.error.fields, { ownerUserId: 'no such user' });
      assert.deepEqual(await snapshot(), before);
    });

    test('hostile number strings are refused at once with a message naming the field', async () => {
      // 20,000 digits and an x: the issue 14 reproducer that held the process for ~6 s.
      const res = await call(`${api}/records/Deals`, {
        method: 'POST',
        token: t.sales.token,
        json: { fields: { amount: `${'9'.repeat(20_000)}x`, account_id: `${'1'.repeat(999)}x` } },
      });
      assert.equal(res.status, 422, res.text);
      assert.deepEqual(res.body.error.fields, {
        amount: 'must be a number of at most 1000 characters',
        account_id: 'must be the id of a record in Accounts',
      });
    });

    test('paging with limit and offset', async () => {
      for (let i = 0; i < 3; i++)
        await call(`${api}/records/Accounts`, {
          method: 'POST',
          token: t.admin.token,
          json: { fields: { name: `Page ${i}` } },
        });
      const all = await call(`${api}/records/Accounts?limit=500`, { token: t.admin.token });
      const page = await call(`${api}/records/Accounts?limit=2&offset=1`, { token: t.admin.token });
      assert.equal(page.status, 200);
      assert.equal(page.body.limit, 2);
      assert.equal(page.body.offset, 1);
      assert.equal(page.body.total, all.body.total);
      assert.deepEqual(page.body.records, all.body.records.slice(1, 3));
    });

    test('bad input gets a coded 4xx and changes nothing', async () => {
      const deal = await createDeal();
      t.fake.calls.length = 0;
      const big = 'x'.repeat(101 * 1024);
      type Case = {
        name: string;
        method: string;
        path: string;
        status: number;
        code: string;
        json?: unknown;
        body?: string;
        type?: string;
        fields?: Record<string, string>;
      };
      const cases: Case[] = [
        { name: 'unknown module (list)', method: 'GET', path: '/records/Nope', status: 404, code: 'not_found' },
        {
          name: 'unknown module (create)',
          method: 'POST',
          path: '/records/Nope',
          json: { fields: {} },
          status: 404,
          code: 'not_found',
        },
        {
          name: 'unknown module (update)',
          method: 'PATCH',
          path: `/records/Nope/${deal.id}`,
          json: { fields: {} },
          status: 404,
          code: 'not_found',
        },
        {
          name: 'text/plain body',
          method: 'POST',
          path: '/records/Deals',
          body: '{"fields":{}}',
          type: 'text/plain',
          status: 415,
          code: 'unsupported_media_type',
        },
        {
          name: 'form body',
          method: 'POST',
          path: '/records/Deals',
          body: 'fields[title]=x',
          type: 'application/x-www-form-urlencoded',
          status: 415,
          code: 'unsupported_media_type',
        },
        { name: 'no body at all', method: 'POST', path: '/records/Deals', status: 415, code: 'unsupported_media_type' },
        {
          name: 'malformed JSON',
          method: 'POST',
          path: '/records/Deals',
          body: '{"fields": {',
          type: 'application/json',
          status: 400,
          code: 'bad_request',
        },
        {
          name: 'JSON scalar',
          method: 'POST',
          path: '/records/Deals',
          body: '"hello"',
          type: 'application/json',
          status: 400,
          code: 'bad_request',
        },
        {
          name: 'JSON array',
          method: 'POST',
          path: '/records/Deals',
          json: [{ title: 'x' }],
          status: 400,
          code: 'bad_request',
        },
        {
          name: 'fields not wrapped',
          method: 'POST',
          path: '/records/Deals',
          json: { title: 'x' },
          status: 400,
          code: 'bad_request',
          fields: {
            title: 'unknown property; record values go inside "fields"',
            fields: 'required: an object of field values',
          },
        },
        {
          name: 'unknown field',
          method: 'POST',
          path: '/records/Deals',
          json: { fields: { title: 'x', colour: 'red' } },
          status: 400,
          code: 'bad_request',
          fields: { colour: 'unknown field for Deals' },
        },
        {
          name: '__proto__ field',
          method: 'POST',
          path: '/records/Deals',
          body: '{"fields":{"__proto__":{"isAdmin":true}}}',
          type: 'application/json',
          status: 400,
          code: 'bad_request',
          fields: JSON.parse('{"__proto__":"unknown field for Deals"}'),
        },
        {
          name: 'number field',
          method: 'POST',
          path: '/records/Deals',
          json: { fields: { amount: 'lots' } },
          status: 422,
          code: 'validation_failed',
          fields: { amount: 'must be a number' },
        },
        {
          name: 'picklist field',
          method: 'PATCH',
          path: `/records/Deals/${deal.id}`,
          json: { fields: { stage: 'Dreaming' } },
          status: 422,
          code: 'validation_failed',
          fields: { stage: 'must be one of Prospecting, Qualification, Proposal, Negotiation, Won, Lost' },
        },
        {
          name: 'date field',
          method: 'PATCH',
          path: `/records/Deals/${deal.id}`,
          json: { fields: { close_date: '2025-02-30' } },
          status: 422,
          code: 'validation_failed',
          fields: { close_date: 'must be a date as YYYY-MM-DD' },
        },
        {
          name: 'email field',
          method: 'POST',
          path: '/records/Leads',
          json: { fields: { email: 'not-an-email' } },
          status: 422,
          code: 'validation_failed',
          fields: { email: 'must be an email address' },
        },
        {
          name: 'text field with an object',
          method: 'POST',
          path: '/records/Accounts',
          json: { fields: { name: { a: 1 } } },
          status: 422,
          code: 'validation_failed',
          fields: { name: 'must be a string' },
        },
        {
          name: 'ownerUserId on update',
          method: 'PATCH',
          path: `/records/Deals/${deal.id}`,
          json: { fields: {}, ownerUserId: 1 },
          status: 400,
          code: 'bad_request',
        },
        {
          name: 'body over 100 KiB',
          method: 'POST',
          path: '/records/Deals',
          json: { fields: { title: big } },
          status: 413,
          code: 'payload_too_large',
        },
        { name: 'missing record (get)', method: 'GET', path: '/records/Deals/999999', status: 404, code: 'not_found' },
        {
          name: 'missing record (update)',
          method: 'PATCH',
          path: '/records/Deals/999999',
          json: { fields: { title: 'x' } },
          status: 404,
          code: 'not_found',
        },
        {
          name: 'missing record (delete)',
          method: 'DELETE',
          path: '/records/Deals/999999',
          status: 404,
          code: 'not_found',
        },
        {
          name: 'record of another module',
          method: 'GET',
          path: `/records/Leads/${deal.id}`,
          status: 404,
          code: 'not_found',
        },
        {
          name: 'limit 0',
          method: 'GET',
          path: '/records/Deals?limit=0',
          status: 400,
          code: 'bad_request',
          fields: { limit: 'must be an integer from 1 to 500' },
        },
        { name: 'limit 501', method: 'GET', path: '/records/Deals?limit=501', status: 400, code: 'bad_request' },
        { name: 'limit abc', method: 'GET', path: '/records/Deals?limit=abc', status: 400, code: 'bad_request' },
        {
          name: 'offset -1',
          method: 'GET',
          path: '/records/Deals?offset=-1',
          status: 400,
          code: 'bad_request',
          fields: { offset: `must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}` },
        },
        {
          name: 'limit twice',
          method: 'GET',
          path: '/records/Deals?limit=1&limit=2',
          status: 400,
          code: 'bad_request',
        },
        { name: 'unknown API route', method: 'GET', path: '/nothing-here', status: 404, code: 'not_found' },
      ];
      for (const id of ['0', '-1', '1.5', 'abc', '9007199254740993', '1e3', '01']) {
        cases.push({
          name: `id ${id} (get)`,
          method: 'GET',
          path: `/records/Deals/${id}`,
          status: 400,
          code: 'bad_request',
        });
        cases.push({
          name: `id ${id} (update)`,
          method: 'PATCH',
          path: `/records/Deals/${id}`,
          json: { fields: { title: 'x' } },
          status: 400,
          code: 'bad_request',
        });
        cases.push({
          name: `id ${id} (delete)`,
          method: 'DELETE',
          path: `/records/Deals/${id}`,
          status: 400,
          code: 'bad_request',
        });
      }
      const before = await snapshot();
      for (const c of cases) {
        const headers = c.type ? { 'content-type': c.type } : undefined;
        const res = await call(`${api}${c.path}`, {
          method: c.method,
          token: t.admin.token,
          json: c.json,
          body: c.body,
          headers,
        });
        assert.equal(res.status, c.status, `${c.name}: ${res.text}`);
        assert.equal(res.body?.error?.code, c.code, c.name);
        assert.equal(typeof res.body.error.message, 'string', c.name);
        if (c.fields) assert.deepEqual(res.body.error.fields, c.fields, c.name);
      }
      assert.deepEqual(await snapshot(), before);
    });

    test('a hook that throws rolls the whole save back, including its own writes through trx', async () => {
      const deal = await createDeal({ title: 'Stable', stage: 'Prospecting' });
      t.fake.calls.length = 0;
      const before = await snapshot();
      t.fake.throwOn.add('created').add('updated').add('deleted');

      const created = await call(`${api}/records/Deals`, {
        method: 'POST',
        token: t.admin.token,
        json: { fields: { title: 'Doomed' } },
      });
      assert.equal(created.status, 500);
      assert.equal(created.body.error.code, 'internal');
      assert.equal(created.body.error.message, 'Internal error');
      assert.match(created.body.error.requestId, /^[0-9a-f-]{36}$/);
      assert.equal(created.headers.get('x-request-id'), created.body.error.requestId);

      const updated = await call(`${api}/records/Deals/${deal.id}`, {
        method: 'PATCH',
        token: t.admin.token,
        json: { fields: { stage: 'Won' } },
      });
      assert.equal(updated.status, 500);
      const deleted = await call(`${api}/records/Deals/${deal.id}`, { method: 'DELETE', token: t.admin.token });
      assert.equal(deleted.status, 500);

      // Each hook ran, inside a transaction, and wrote a log row through it: all rolled back.
      assert.deepEqual(
        t.fake.calls.map((c) => [c.kind, c.gotTransaction]),
        [
          ['created', true],
          ['updated', true],
          ['deleted', true],
        ],
      );
      const after = await snapshot();
      assert.deepEqual({ ...after, calls: before.calls }, before);
      assert.equal((await t.host.services.records.get('Deals', deal.id))?.fields.stage, 'Prospecting');
    });

    test('records service: get reads through the transaction; origin is passed through; no hooks = plain saves', async () => {
      const records = t.host.services.records;
      let seenInside: unknown = 'unset';
      await assert.rejects(
        tdb.db.transaction(async (trx) => {
          const [id] = await trx('crm_records').insert({
            module: 'Leads',
            owner_user_id: t.admin.id,
            fields: '{"lastname":"Ghost"}',
            created_at: 1,
            updated_at: 1,
          });
          seenInside = (await records.get('Leads', Number(id), trx))?.fields;
          throw new Error('roll back');
        }),
        /roll back/,
      );
      assert.deepEqual(seenInside, { lastname: 'Ghost' });

      const fromRun = await records.create(
        'Leads',
        { lastname: 'Chained' },
        { actorUserId: null, origin: { runId: 42, chainDepth: 2 } },
      );
      const last = t.fake.calls.at(-1)!;
      assert.deepEqual(last.event.origin, { runId: 42, chainDepth: 2 });
      assert.equal(last.event.actorUserId, null);
      // No actor and no owner: the first active admin owns it.
      assert.equal(fromRun.ownerUserId, (await t.host.services.users.listActiveAdmins())[0].id);

      t.host.services.bindHooks(null);
      try {
        const calls = t.fake.calls.length;
        const plain = await records.create('Accounts', { name: 'Unhooked' }, { actorUserId: t.admin.id });
        await records.update('Accounts', plain.id, { city: 'Nowhere' });
        await records.delete('Accounts', plain.id);
        assert.equal(t.fake.calls.length, calls);
        assert.equal(await records.get('Accounts', plain.id), null);
      } finally {
        t.host.services.bindHooks(t.fake.hooks);
      }
    });
  });
}
