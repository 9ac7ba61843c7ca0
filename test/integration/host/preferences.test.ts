import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, testEngines, type TestDatabase } from './engines.js';
import { call, CookieJar, hiddenInput, startTestHost, type TestHost } from './harness.js';

const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const FORM = 'application/x-www-form-urlencoded';

for (const engine of testEngines()) {
  describe(`user preferences API on ${engine}`, () => {
    let tdb: TestDatabase;
    let t: TestHost;
    let me: string;

    before(async () => {
      tdb = await createTestDatabase(engine);
      t = await startTestHost(tdb);
      me = `${t.url}/api/me`;
    });
    after(async () => {
      await t?.close();
      await tdb?.cleanup();
    });

    test('any user sets their locale and time zone (stored canonical), reads them back, and clears them with null', async () => {
      const set = await call(me, {
        method: 'PATCH',
        token: t.sales.token,
        json: { locale: 'de-at', timeZone: 'europe/berlin' },
      });
      assert.equal(set.status, 200, set.text);
      assert.equal(set.body.user.locale, 'de-AT');
      assert.equal(set.body.user.timeZone, 'Europe/Berlin');
      const read = await call(me, { token: t.sales.token });
      assert.equal(read.body.user.id, t.sales.id);
      assert.equal(read.body.user.locale, 'de-AT');
      const hostUser = await t.host.services.users.get(t.sales.id);
      assert.equal(hostUser?.timeZone, 'Europe/Berlin', 'the HostUsers contract carries it to Hookflow');
      const cleared = await call(me, { method: 'PATCH', token: t.sales.token, json: { timeZone: null } });
      assert.equal(cleared.body.user.locale, 'de-AT', 'an absent key stays');
      assert.equal(cleared.body.user.timeZone, undefined);
    });

    test('an invalid IANA zone, a malformed locale or an unknown key is a 422 naming the field; nothing changes', async () => {
      const before = await t.host.services.users.get(t.admin.id);
      for (const [json, field] of [
        [{ timeZone: 'Mars/Olympus_Mons' }, 'timeZone'],
        [{ locale: 'not a locale!' }, 'locale'],
        [{ locale: 'de-DE', isAdmin: true }, 'isAdmin'],
        [{ timeZone: 5 }, 'timeZone'],
      ] as const) {
        const res = await call(me, { method: 'PATCH', token: t.admin.token, json });
        assert.equal(res.status, 422, res.text);
        assert.equal(res.body.error.code, 'validation_failed');
        assert.ok(res.body.error.fields[field], `${field} named in ${res.text}`);
      }
      assert.deepEqual(await t.host.services.users.get(t.admin.id), before);
    });

    /** Logs in through the real form; returns the jar. */
    async function login(email: string, password: string): Promise<CookieJar> {
      const jar = new CookieJar();
      const page = await call(`${t.url}/login`, { headers: { accept: HTML } });
      jar.absorb(page.headers);
      const form = new URLSearchParams({ _csrf: hiddenInput(page.text, '_csrf')!, email, password, next: '/' });
      const res = await call(`${t.url}/login`, {
        method: 'POST',
        body: form.toString(),
        headers: { 'content-type': FORM, accept: HTML },
        cookie: jar.header(),
      });
      assert.equal(res.status, 303, res.text);
      jar.absorb(res.headers);
      return jar;
    }

    async function postProfile(jar: CookieJar, fields: Record<string, string>, csrf?: string) {
      const home = await call(`${t.url}/`, { cookie: jar.header(), headers: { accept: HTML } });
      jar.absorb(home.headers);
      const body = new URLSearchParams({ _csrf: csrf ?? hiddenInput(home.text, '_csrf')!, ...fields });
      return call(`${t.url}/profile`, {
        method: 'POST',
        body: body.toString(),
        headers: { 'content-type': FORM, accept: HTML },
        cookie: jar.header(),
      });
    }

    test('the home page form sets both; a bad zone re-shows the form with a 422; an empty field clears; no CSRF token, no change', async () => {
      const jar = await login(t.sales.email, t.sales.password);
      const saved = await postProfile(jar, { locale: 'de-DE', timeZone: 'Europe/Berlin' });
      assert.equal(saved.status, 303, saved.text);
      const home = await call(`${t.url}/`, { cookie: jar.header(), headers: { accept: HTML } });
      assert.match(home.text, /name="locale"[^>]*value="de-DE"/);
      assert.match(home.text, /name="timeZone"[^>]*value="Europe\/Berlin"/);
      assert.equal((await t.host.services.users.get(t.sales.id))?.timeZone, 'Europe/Berlin');

      const bad = await postProfile(jar, { locale: 'de-DE', timeZone: 'Europe/Atlantis' });
      assert.equal(bad.status, 422);
      assert.match(bad.text, /Time zone must be an IANA time zone/);
      assert.match(bad.text, /value="Europe\/Atlantis"/, 'the form keeps what was typed');
      assert.equal((await t.host.services.users.get(t.sales.id))?.timeZone, 'Europe/Berlin', 'unchanged');

      const forged = await postProfile(jar, { locale: 'fr-FR', timeZone: '' }, 'forged');
      assert.equal(forged.status, 403);
      assert.equal((await t.host.services.users.get(t.sales.id))?.locale, 'de-DE', 'unchanged');

      const cleared = await postProfile(jar, { locale: 'de-DE', timeZone: '' });
      assert.equal(cleared.status, 303);
      const user = await t.host.services.users.get(t.sales.id);
      assert.equal(user?.locale, 'de-DE');
      assert.equal(user?.timeZone, undefined);
    });
  });
}
