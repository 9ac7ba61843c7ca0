/** GET/PATCH <admin>/api/settings: the page's schema, errors and audit, for scripts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost } from '../../helpers/test-host.js';
import { serveAdminApi } from '../../helpers/admin-api.js';

describeEachEngine('settings API', (tdb) => {
  test('GET shows effective values; PATCH stores only the keys given; bad and unknown keys are 422s naming each', async (t) => {
    const h = await createTestHost(tdb().db, { settings: { maxConcurrency: 7 } });
    t.after(() => h.close());
    const api = await serveAdminApi(h);
    t.after(() => api.close());

    const initial = await api.call('GET', '/settings');
    assert.equal(initial.status, 200);
    assert.equal(initial.body.settings.maxConcurrency, 7, 'install-time override');
    assert.deepEqual(initial.body.settings.retrySchedule, [3600, 7200, 14400], 'default');
    assert.deepEqual(initial.body.saved, []);

    const patched = await api.call('PATCH', '/settings', {
      retrySchedule: [60, 120],
      outboundAllowlist: ['127.0.0.1/32'],
    });
    assert.equal(patched.status, 200, patched.text);
    assert.deepEqual(patched.body.changed, ['retrySchedule', 'outboundAllowlist']);
    assert.deepEqual(patched.body.saved, ['outboundAllowlist', 'retrySchedule']);
    assert.deepEqual(h.hookflow.services.settings.get().retrySchedule, [60, 120]);
    assert.equal(h.hookflow.services.settings.get().maxConcurrency, 7, 'untouched keys keep their layer');
    const audit = h.logger.entries.find((e) => e.msg === 'hookflow settings changed');
    assert.deepEqual(audit?.obj, { userId: h.admin.id, changed: ['retrySchedule', 'outboundAllowlist'], via: 'api' });

    const bad = await api.call('PATCH', '/settings', { retryJitter: 3, nope: 1, leaseSeconds: 'x' });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.error.code, 'validation_failed');
    for (const key of ['retryJitter', 'leaseSeconds']) assert.ok(bad.body.error.fields[key], key);
    assert.match(JSON.stringify(bad.body.error), /nope/, 'the unknown key is named');
    assert.equal(h.hookflow.services.settings.get().retryJitter, 0.1, 'nothing of a refused patch is stored');

    const rates = await api.call('PATCH', '/settings', {
      destinationRateLimit: '0/s',
      destinationRateLimits: ['api.example.com 5/s', 'https://x.example 2/s'],
    });
    assert.equal(rates.status, 422);
    assert.match(rates.body.error.fields.destinationRateLimit, /must be a rate above 0 such as 10\/s or 600\/m/);
    assert.match(rates.body.error.fields.destinationRateLimits, /"https:\/\/x\.example" is not a host name/);

    const notObject = await api.call('PATCH', '/settings', [1]);
    assert.equal(notObject.status, 422);
    assert.match(notObject.body.error.message, /JSON object of settings/);
  });
});
