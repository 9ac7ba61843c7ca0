/**
 * Issue 20.1: the host's own settings page defines custom modules (the same checks as
 * POST /api/modules), behind the admin login and the CSRF token.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, testEngines, type TestDatabase } from './engines.js';
import { call, CookieJar, hiddenInput, startTestHost, type TestHost } from './harness.js';

const HTML = 'text/html,application/xhtml+xml';
const FORM = 'application/x-www-form-urlencoded';

for (const engine of testEngines()) {
  describe(`host module settings page on ${engine}`, () => {
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

    async function loginAs(email: string, password: string): Promise<CookieJar> {
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
      return jar;
    }

    const post = (jar: CookieJar, fields: Record<string, string>) =>
      call(`${t.url}/settings/modules`, {
        method: 'POST',
        body: new URLSearchParams(fields).toString(),
        headers: { 'content-type': FORM, accept: HTML },
        cookie: jar.header(),
      });

    test('an admin defines a module from the form; bad lines are shown by line number; no token, no module', async () => {
      const jar = await loginAs(t.admin.email, t.admin.password);
      const page = await call(`${t.url}/settings/modules`, { headers: { accept: HTML }, cookie: jar.header() });
      assert.equal(page.status, 200);
      jar.absorb(page.headers);
      assert.match(page.text, /Invoices/, 'the seeded module is listed');
      assert.match(page.text, /bitrix24EntityTypeId: 31/);
      const csrf = hiddenInput(page.text, '_csrf')!;
      const fields = 'title | Title | text\nstage | Stage | picklist | Open, Done\ndeal_id | Deal | reference | Deals';
      const created = await post(jar, {
        _csrf: csrf,
        name: 'Projects',
        label: 'Projects',
        fields,
        bitrix24EntityTypeId: '150',
      });
      assert.equal(created.status, 303, created.text);
      assert.equal(created.headers.get('location'), '/settings/modules?created=Projects');
      const mods = await call(`${t.url}/api/modules`, { token: t.admin.token });
      const projects = mods.body.modules.find((m: { name: string }) => m.name === 'Projects');
      assert.deepEqual(projects.aliases, { bitrix24EntityTypeId: 150 });
      assert.deepEqual(projects.fields[1].options, ['Open', 'Done']);
      assert.equal(projects.fields[2].references, 'Deals');

      const bad = await post(jar, {
        _csrf: csrf,
        name: 'Boards',
        fields: 'a | A | text\na | A2 | text\nb | B | reference | Nowhere',
      });
      assert.equal(bad.status, 422);
      assert.match(bad.text, /Fields, line 2 \(name\): duplicate field name a/);
      assert.match(bad.text, /Fields, line 3 \(references\): references module Nowhere/);

      const noToken = await post(jar, { name: 'Boards', fields: 'a | A | text' });
      assert.equal(noToken.status, 403);
      const after = await call(`${t.url}/api/modules`, { token: t.admin.token });
      assert.ok(!after.body.modules.some((m: { name: string }) => m.name === 'Boards'));
    });

    test('a non-admin gets no module settings page', async () => {
      const jar = await loginAs(t.sales.email, t.sales.password);
      const page = await call(`${t.url}/settings/modules`, { headers: { accept: HTML }, cookie: jar.header() });
      assert.equal(page.status, 403);
    });
  });
}
