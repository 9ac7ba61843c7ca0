/**
 * Issue 14, finding 7, over real HTTP: a browser form post is redirected only where the
 * browser will really land on the site (or on an origin the admin wrote out); the Location is
 * the resolved URL. The test host's base URL is http://crm.test.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { startInboundServer, type InboundServer } from '../../helpers/inbound-server.js';

const BROWSER = {
  'content-type': 'application/x-www-form-urlencoded',
  accept: 'text/html,application/xhtml+xml,*/*;q=0.8',
};

describeEachEngine('inbound: respond redirects for browsers', (tdb) => {
  let h: TestHost;
  let srv: InboundServer;
  const post = (trigger: string, page: string, headers: Record<string, string> = BROWSER) =>
    srv.post(`?trigger=${trigger}&record_id=0`, { body: new URLSearchParams({ page }).toString(), headers });

  before(async () => {
    h = await createTestHost(tdb().db);
    const wf = h.hookflow.services.workflows;
    const perms = h.hookflow.services.permissions;
    for (const [triggerName, redirectUrl] of [
      ['onsite', '/{{env.page}}'],
      ['shop', 'https://shop.example/thanks?ref={{env.page}}'],
    ]) {
      await wf.create(
        {
          module: 'Leads',
          title: triggerName,
          status: 'active',
          trigger: 'http',
          triggerName,
          tasks: [{ type: 'respond', title: 'go', options: { redirectUrl } }],
        },
        h.admin.id,
      );
      await perms.create({ title: triggerName, triggerName, sources: '127.0.0.1' });
    }
    srv = await startInboundServer(h.hookflow);
  });
  after(async () => {
    await srv.close();
    await h.close();
  });

  test('a page on the site: 303 to its path', async () => {
    const r = await post('onsite', 'thanks');
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), '/thanks');
  });

  test('the reported bypasses (backslash, TAB, //) never produce a Location', async () => {
    for (const page of ['\\evil.example:1/x', '\t/evil.example', '/evil.example', '\\/evil.example']) {
      const r = await post('onsite', page);
      assert.equal(r.status, 500, `${JSON.stringify(page)}: ${r.text.slice(0, 200)}`);
      assert.equal(r.headers.get('location'), null, JSON.stringify(page));
      assert.match(r.headers.get('content-type') ?? '', /^text\/html/);
    }
    const runs = await tdb().db('hookflow_runs').where({ status: 'failed' }).select('error');
    assert.ok(
      runs.length >= 4 && runs.every((r: { error: string }) => /\(respond\) failed: redirect URL /.test(r.error)),
      `each run failed naming the redirect URL: ${JSON.stringify(runs)}`,
    );
  });

  test('a path that resolves to //host goes out as the full site URL', async () => {
    const r = await post('onsite', 'a/..//evil.example');
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), 'http://crm.test//evil.example');
  });

  test('an origin the admin wrote out: the serialized URL; JSON callers get it as redirect_url', async () => {
    const r = await post('shop', 'a b');
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), 'https://shop.example/thanks?ref=a%20b');
    const j = await post('shop', 'x', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(j.status, 200, j.text);
    assert.equal(j.json.redirect_url, 'https://shop.example/thanks?ref=x');
  });
});
