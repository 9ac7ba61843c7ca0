import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, testEngines, type TestDatabase } from './engines.js';
import { call, startTestHost, type TestHost } from './harness.js';

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
  });
}
