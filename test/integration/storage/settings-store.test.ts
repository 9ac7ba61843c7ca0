import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { migrateLatest } from '../../../module/storage/migrate.js';
import { createSettingsStore } from '../../../module/settings-store.js';

describeEachEngine('settings store', (tdb) => {
  before(() => migrateLatest(tdb().db));

  test('save stores only the given keys; install overrides stay in force for the rest', async (t) => {
    t.after(() => tdb().db('hookflow_settings').del()); // the next test starts with nothing stored
    const store = await createSettingsStore({
      db: tdb().db,
      overrides: { outboundAllowlist: ['127.0.0.1/32'], requestTimeoutMs: 2000 },
      now: () => 1,
    });
    await store.save({ enabled: false });
    assert.deepEqual(store.stored(), { enabled: false });
    assert.deepEqual(store.get().outboundAllowlist, ['127.0.0.1/32']);
    assert.equal(store.get().requestTimeoutMs, 2000);
    const rows = await tdb().db('hookflow_settings').select('key');
    assert.deepEqual(
      rows.map((r) => r.key),
      ['enabled'],
    );
  });

  test('a bad value is refused with the setting named, nothing stored', async () => {
    const store = await createSettingsStore({ db: tdb().db, overrides: {}, now: () => 1 });
    await assert.rejects(store.save({ trustedProxies: ['10.1'] }), (err: Error & { fields?: Record<string, string> }) =>
      /trustedProxies/.test(JSON.stringify(err.fields ?? err.message)),
    );
    await assert.rejects(store.save({ nope: 1 }));
    assert.equal(store.stored().trustedProxies, undefined);
  });
});
