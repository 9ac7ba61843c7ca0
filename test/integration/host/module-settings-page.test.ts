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

    const postTo = (jar: CookieJar, path: string, fields: Record<string, string>) =>
      call(`${t.url}${path}`, {
        method: 'POST',
        body: new URLSearchParams(fields).toString(),
        headers: { 'content-type': FORM, accept: HTML },
        cookie: jar.header(),
      });
    const moduleNamed = async (name: string) =>
      (await call(`${t.url}/api/modules`, { token: t.admin.token })).body.modules.find(
        (m: { name: string }) => m.name === name,
      );

    test('an admin edits a module on its page: safe changes saved, unsafe ones shown in words, removal only when ticked', async () => {
      const jar = await loginAs(t.admin.email, t.admin.password);
      const list = await call(`${t.url}/settings/modules`, { headers: { accept: HTML }, cookie: jar.header() });
      jar.absorb(list.headers);
      const csrf = hiddenInput(list.text, '_csrf')!;
      assert.equal(
        (await post(jar, { _csrf: csrf, name: 'Rooms', fields: 'title | Title | text\nfloor | Floor | number' }))
          .status,
        303,
      );
      const page = await call(`${t.url}/settings/modules/Rooms`, { headers: { accept: HTML }, cookie: jar.header() });
      assert.equal(page.status, 200);
      assert.match(page.text, /title \| Title \| text\nfloor \| Floor \| number/, 'the fields as lines');
      const edit = (fields: Record<string, string>) =>
        postTo(jar, '/settings/modules/Rooms', { _csrf: csrf, label: 'Rooms', ...fields });

      const saved = await edit({
        label: 'Meeting rooms',
        fields: 'title | Room | text\nfloor | Floor | number\nsize | Size | picklist | Small, Large',
        event: 'room',
      });
      assert.equal(saved.status, 303, saved.text);
      assert.equal(saved.headers.get('location'), '/settings/modules?changed=Rooms');
      const rooms = await moduleNamed('Rooms');
      assert.equal(rooms.label, 'Meeting rooms');
      assert.deepEqual(rooms.aliases, { event: 'room' });
      assert.deepEqual(rooms.fields[2].options, ['Small', 'Large']);

      const retyped = await edit({
        fields: 'title | Room | date\nfloor | Floor | number\nsize | Size | picklist | Small',
      });
      assert.equal(retyped.status, 422);
      assert.match(retyped.text, /Fields, line 1 \(type\): title is a text field; a field&#x27;s type cannot change/);
      const dropped = await edit({ fields: 'title | Room | text\nfloor | Floor | number' });
      assert.equal(dropped.status, 422);
      assert.match(dropped.text, /this would remove size/);
      assert.equal((await moduleNamed('Rooms')).fields.length, 3, 'nothing changed');
      const confirmed = await edit({ fields: 'title | Room | text\nfloor | Floor | number', confirmRemove: '1' });
      assert.equal(confirmed.status, 303, confirmed.text);
      assert.deepEqual(
        (await moduleNamed('Rooms')).fields.map((f: { name: string }) => f.name),
        ['title', 'floor'],
      );
      assert.equal((await edit({ fields: 'title | Room | text' })).status, 422, 'still needs the tick');

      const noToken = await postTo(jar, '/settings/modules/Rooms', {
        label: 'Stolen',
        fields: 'title | Room | text\nfloor | Floor | number',
      });
      assert.equal(noToken.status, 403);
      assert.equal((await moduleNamed('Rooms')).label, 'Rooms', 'the last saved label');
      const fixed = await call(`${t.url}/settings/modules/Deals`, { headers: { accept: HTML }, cookie: jar.header() });
      assert.equal(fixed.status, 404);
    });

    test('deleting a module from its page: refused while it has records unless ticked, which deletes them firing hooks', async () => {
      const jar = await loginAs(t.admin.email, t.admin.password);
      const list = await call(`${t.url}/settings/modules`, { headers: { accept: HTML }, cookie: jar.header() });
      jar.absorb(list.headers);
      const csrf = hiddenInput(list.text, '_csrf')!;
      assert.equal((await post(jar, { _csrf: csrf, name: 'Desks', fields: 'title | Title | text' })).status, 303);
      const record = await t.host.services.records.create(
        'Desks',
        { title: 'by the window' },
        { actorUserId: t.admin.id },
      );
      const refused = await postTo(jar, '/settings/modules/Desks/delete', { _csrf: csrf });
      assert.equal(refused.status, 409);
      assert.match(refused.text, /The module was not deleted: Desks still has 1 record;/);
      assert.ok(await moduleNamed('Desks'));
      const hooksBefore = t.fake.calls.filter((c) => c.kind === 'deleted').length;
      const deleted = await postTo(jar, '/settings/modules/Desks/delete', { _csrf: csrf, force: '1' });
      assert.equal(deleted.status, 303, deleted.text);
      assert.equal(deleted.headers.get('location'), '/settings/modules?deleted=Desks');
      assert.equal(await moduleNamed('Desks'), undefined);
      const hooks = t.fake.calls.filter((c) => c.kind === 'deleted').slice(hooksBefore);
      assert.deepEqual(
        hooks.map((c) => [c.event.module, c.event.recordId]),
        [['Desks', record.id]],
        'the record delete hook fired',
      );
    });

    test('a non-admin can neither edit nor delete a module', async () => {
      await t.host.services.records.createModule({
        name: 'Lockers',
        label: 'Lockers',
        fields: [{ name: 'n', label: 'N', type: 'text' }],
      });
      const jar = await loginAs(t.sales.email, t.sales.password);
      const home = await call(`${t.url}/`, { headers: { accept: HTML }, cookie: jar.header() });
      jar.absorb(home.headers);
      const csrf = hiddenInput(home.text, '_csrf')!;
      const page = await call(`${t.url}/settings/modules/Lockers`, { headers: { accept: HTML }, cookie: jar.header() });
      assert.equal(page.status, 403);
      assert.equal(
        (await postTo(jar, '/settings/modules/Lockers', { _csrf: csrf, label: 'Mine', fields: 'n | N | text' })).status,
        403,
      );
      assert.equal((await postTo(jar, '/settings/modules/Lockers/delete', { _csrf: csrf })).status, 403);
      assert.equal((await moduleNamed('Lockers')).label, 'Lockers');
    });

    test('a non-admin gets no module settings page', async () => {
      const jar = await loginAs(t.sales.email, t.sales.password);
      const page = await call(`${t.url}/settings/modules`, { headers: { accept: HTML }, cookie: jar.header() });
      assert.equal(page.status, 403);
    });
  });
}
