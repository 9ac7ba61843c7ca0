/**
 * During a database outage callers get 503 with Retry-After — the record API and the short URL
 * alike — not a 500 "internal" (or the short URL's "a task failed"); once it is back, they work.
 * The outage is a connection pool that refuses like a server that went away (ECONNREFUSED).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { describeEachEngine } from '../../helpers/engines.js';
import { startAdminHost } from '../../helpers/admin-host.js';

/** Makes every new query fail as if the server were down; returns the undo. */
function takeDatabaseDown(db: Knex): () => void {
  const client = db.client as { acquireConnection(): Promise<unknown> };
  const original = client.acquireConnection;
  client.acquireConnection = () =>
    Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED' }));
  return () => {
    client.acquireConnection = original;
  };
}

describeEachEngine('answers during a database outage', (tdb) => {
  test('record API and short URL: 503 + Retry-After while down, normal answers after', async (t) => {
    const h = await startAdminHost(tdb().db);
    t.after(() => h.close());
    const token = await h.host.services.users.setApiToken(h.admin.id);
    await h.host.hookflow.services.workflows.create(
      {
        module: 'Leads',
        title: 'form',
        status: 'active',
        trigger: 'http',
        triggerName: 'form',
        tasks: [{ type: 'respond', title: 'r', options: { body: { ok: true } } }],
      },
      h.admin.id,
    );
    await h.host.hookflow.services.permissions.create({ title: 'p', triggerName: 'form', sources: '127.0.0.1' });
    const api = () => fetch(`${h.url}/api/records/Deals`, { headers: { authorization: `Bearer ${token}` } });
    const form = () => fetch(`${h.url}/wf?trigger=form`, { method: 'POST', body: new URLSearchParams({ a: '1' }) });
    assert.equal((await api()).status, 200);
    assert.equal((await form()).status, 200);

    const restore = takeDatabaseDown(tdb().db);
    t.after(restore);
    for (const [what, call] of [
      ['record API', api],
      ['short URL', form],
    ] as const) {
      const res = await call();
      const body = await res.json();
      assert.equal(res.status, 503, `${what}: ${JSON.stringify(body)}`);
      assert.equal(res.headers.get('retry-after'), '5', what);
      assert.equal(body.error.code, 'unavailable', what);
    }
    restore();
    assert.equal((await api()).status, 200);
    assert.equal((await form()).status, 200);
  });
});
