/**
 * The CRM's record forms (`/records/:module/new`, `/records/:module/:id/edit`): they save through
 * the records service like the API — the same value checks (422 under the field), the same
 * ownership rule, the same lifecycle hooks — behind the login and the CSRF token.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, testEngines, type TestDatabase } from './engines.js';
import { call, CookieJar, hiddenInput, startTestHost, type TestHost } from './harness.js';

const HTML = 'text/html,application/xhtml+xml';
const FORM = 'application/x-www-form-urlencoded';

for (const engine of testEngines()) {
  describe(`host record forms on ${engine}`, () => {
    let tdb: TestDatabase;
    let t: TestHost;

    before(async () => {
      tdb = await createTestDatabase(engine);
      t = await startTestHost(tdb);
    });
    after(async () => {
      await t?.close();
      await tdb?.cleanup();
    });

    async function loginAs(email: string, password: string): Promise<{ jar: CookieJar; csrf: string }> {
      const jar = new CookieJar();
      const page = await call(`${t.url}/login`, { headers: { accept: HTML } });
      jar.absorb(page.headers);
      const body = new URLSearchParams({ _csrf: hiddenInput(page.text, '_csrf')!, email, password, next: '/' });
      const res = await call(`${t.url}/login`, {
        method: 'POST',
        body: body.toString(),
        headers: { 'content-type': FORM, accept: HTML },
        cookie: jar.header(),
      });
      jar.absorb(res.headers);
      // The logged-in session's token, as any page after the login carries it.
      const home = await call(`${t.url}/`, { headers: { accept: HTML }, cookie: jar.header() });
      jar.absorb(home.headers);
      return { jar, csrf: hiddenInput(home.text, '_csrf')! };
    }
    const get = (jar: CookieJar, path: string) =>
      call(`${t.url}${path}`, { headers: { accept: HTML }, cookie: jar.header() });
    const post = (jar: CookieJar, path: string, fields: Record<string, string>) =>
      call(`${t.url}${path}`, {
        method: 'POST',
        body: new URLSearchParams(fields).toString(),
        headers: { 'content-type': FORM, accept: HTML },
        cookie: jar.header(),
      });

    test('a user creates and edits a record from the forms; hooks fire; a bad value is shown under its field', async () => {
      const { jar, csrf } = await loginAs(t.sales.email, t.sales.password);
      const form = await get(jar, '/records/Deals/new');
      assert.equal(form.status, 200);
      assert.match(form.text, /<select id="f_stage" name="f_stage">/, 'a picklist is a drop-down');
      const created = await post(jar, '/records/Deals', {
        _csrf: csrf,
        f_title: 'Form deal',
        f_amount: '250',
        f_stage: 'Proposal',
        f_currency: '',
      });
      assert.equal(created.status, 303, created.text);
      const id = Number(/^\/records\/Deals\/(\d+)$/.exec(created.headers.get('location') ?? '')?.[1]);
      const record = await t.host.services.records.get('Deals', id);
      assert.deepEqual(record?.fields, { title: 'Form deal', amount: 250, stage: 'Proposal' }, 'blanks left out');
      assert.equal(record?.ownerUserId, t.sales.id);

      const edit = await get(jar, `/records/Deals/${id}/edit`);
      assert.match(edit.text, /<option value="Proposal" selected>/);
      const bad = await post(jar, `/records/Deals/${id}`, { _csrf: csrf, f_title: 'Form deal', f_amount: 'lots' });
      assert.equal(bad.status, 422);
      assert.match(bad.text, /Amount: /);
      assert.equal((await t.host.services.records.get('Deals', id))?.fields.amount, 250, 'nothing saved');
      const saved = await post(jar, `/records/Deals/${id}`, {
        _csrf: csrf,
        f_title: 'Form deal 2',
        f_amount: '',
        f_stage: 'Won',
      });
      assert.equal(saved.status, 303, saved.text);
      assert.deepEqual((await t.host.services.records.get('Deals', id))?.fields, {
        title: 'Form deal 2',
        amount: null,
        stage: 'Won',
      });
      const kinds = t.fake.calls.filter((c) => c.event.recordId === id).map((c) => c.kind);
      assert.deepEqual(kinds, ['created', 'updated'], 'the hooks fired, once each');
    });

    test("no token, no change; someone else's record is not found; logged out is sent to log in", async () => {
      const other = await t.host.services.records.create('Deals', { title: 'Admin deal' }, { actorUserId: t.admin.id });
      const { jar, csrf } = await loginAs(t.sales.email, t.sales.password);
      assert.equal((await get(jar, `/records/Deals/${other.id}/edit`)).status, 404);
      assert.equal((await post(jar, `/records/Deals/${other.id}`, { _csrf: csrf, f_title: 'Mine now' })).status, 404);
      assert.equal((await post(jar, '/records/Deals', { f_title: 'No token' })).status, 403);
      assert.equal((await get(jar, '/records/Nowhere/new')).status, 404);
      assert.equal((await get(new CookieJar(), '/records/Deals/new')).status, 302);
      assert.equal((await t.host.services.records.get('Deals', other.id))?.fields.title, 'Admin deal');
    });
  });
}
