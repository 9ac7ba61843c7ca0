import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, testEngines, type TestDatabase } from './engines.js';
import { call, CookieJar, hiddenInput, startTestHost, type TestHost } from './harness.js';

const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const FORM = 'application/x-www-form-urlencoded';

for (const engine of testEngines()) {
  describe(`host auth on ${engine}`, () => {
    let tdb: TestDatabase;
    let t: TestHost;
    let whoami: string;

    before(async () => {
      tdb = await createTestDatabase(engine);
      t = await startTestHost(tdb);
      whoami = `${t.url}${t.host.manifest.routes.admin}/whoami`;
    });
    after(async () => {
      await t?.close();
      await tdb?.cleanup();
    });

    /** Logs in through the real form (GET for the CSRF token, then POST); returns the jar. */
    async function login(
      email: string,
      password: string,
      next?: string,
    ): Promise<{ jar: CookieJar; res: Awaited<ReturnType<typeof call>> }> {
      const jar = new CookieJar();
      const page = await call(`${t.url}/login${next ? `?next=${encodeURIComponent(next)}` : ''}`, {
        headers: { accept: HTML },
      });
      assert.equal(page.status, 200);
      jar.absorb(page.headers);
      const csrf = hiddenInput(page.text, '_csrf');
      assert.ok(csrf, 'login form carries a CSRF token');
      const form = new URLSearchParams({ _csrf: csrf, email, password, next: hiddenInput(page.text, 'next') ?? '/' });
      const res = await call(`${t.url}/login`, {
        method: 'POST',
        body: form.toString(),
        headers: { 'content-type': FORM, accept: HTML },
        cookie: jar.header(),
      });
      jar.absorb(res.headers);
      return { jar, res };
    }

    test('the records API refuses a missing, malformed or unknown token with 401 JSON', async () => {
      const api = `${t.url}/api/records/Deals`;
      for (const headers of [
        {},
        { authorization: 'Bearer nope' },
        { authorization: 'Basic YWRtaW46YWRtaW4=' },
        { authorization: 'Bearer' },
      ] as Array<Record<string, string>>) {
        const res = await call(api, { headers });
        assert.equal(res.status, 401, JSON.stringify(headers));
        assert.equal(res.body.error.code, 'unauthorized');
        assert.equal(typeof res.body.error.message, 'string');
      }
      // The API never redirects, even for a browser.
      assert.equal((await call(api, { headers: { accept: HTML } })).status, 401);
    });

    test('a non-admin token can use the records API', async () => {
      const res = await call(`${t.url}/api/records/Deals`, { token: t.sales.token });
      assert.equal(res.status, 200);
      assert.ok(Array.isArray(res.body.records));
    });

    test('a deactivated user is refused', async () => {
      const u = await t.host.services.users.createUser({
        name: 'Gone',
        email: `gone-${engine}@example.com`,
        password: 'password-gone',
      });
      const token = await t.host.services.users.setApiToken(u.id);
      assert.equal((await call(`${t.url}/api/modules`, { token })).status, 200);
      await tdb.db('crm_users').where({ id: u.id }).update({ active: false });
      assert.equal((await call(`${t.url}/api/modules`, { token })).status, 401);
      assert.equal(await t.host.services.users.verifyPassword(u.email, 'password-gone'), null);
    });

    test('requireAdmin: admin token passes with res.locals.user, non-admin gets 403, anonymous 401 or a login redirect', async () => {
      const ok = await call(whoami, { token: t.admin.token });
      assert.equal(ok.status, 200);
      assert.deepEqual(ok.body.user, {
        id: t.admin.id,
        name: 'admin',
        email: t.admin.email,
        active: true,
        isAdmin: true,
      });

      const forbidden = await call(whoami, { token: t.sales.token });
      assert.equal(forbidden.status, 403);
      assert.equal(forbidden.body.error.code, 'forbidden');

      const anonymousApi = await call(whoami);
      assert.equal(anonymousApi.status, 401);
      assert.equal(anonymousApi.body.error.code, 'unauthorized');

      const anonymousBrowser = await call(`${whoami}?tab=a&b=1`, { headers: { accept: HTML } });
      assert.equal(anonymousBrowser.status, 302);
      assert.equal(
        anonymousBrowser.headers.get('location'),
        `/login?next=${encodeURIComponent(`${t.host.manifest.routes.admin}/whoami?tab=a&b=1`)}`,
      );

      const anonymousPost = await call(whoami, { method: 'POST', headers: { accept: HTML } });
      assert.equal(anonymousPost.status, 401);
      assert.match(anonymousPost.headers.get('content-type') ?? '', /text\/html/);

      assert.equal((await call(`${t.url}/settings`, { token: t.sales.token })).status, 403);
      const settings = await call(`${t.url}/settings`, { token: t.admin.token, headers: { accept: HTML } });
      assert.equal(settings.status, 200);
    });

    test('login form: CSRF required, wrong password refused, then an admin session works everywhere', async () => {
      // No CSRF token at all.
      const noToken = await call(`${t.url}/login`, {
        method: 'POST',
        body: new URLSearchParams({ email: t.admin.email, password: t.admin.password }).toString(),
        headers: { 'content-type': FORM, accept: HTML },
      });
      assert.equal(noToken.status, 403);
      assert.equal(
        noToken.headers.getSetCookie().some((c) => c.startsWith('crm_session=')),
        false,
      );

      // A token copied without its cookies (what a cross-site form could send) fails too.
      const page = await call(`${t.url}/login`, { headers: { accept: HTML } });
      const stolen = hiddenInput(page.text, '_csrf')!;
      const noCookies = await call(`${t.url}/login`, {
        method: 'POST',
        body: new URLSearchParams({ _csrf: stolen, email: t.admin.email, password: t.admin.password }).toString(),
        headers: { 'content-type': FORM },
      });
      assert.equal(noCookies.status, 403);

      const wrong = await login(t.admin.email, 'wrong password');
      assert.equal(wrong.res.status, 401);
      assert.match(wrong.res.text, /Email or password is wrong/);
      assert.equal(wrong.jar.get('crm_session'), undefined);

      const { jar, res } = await login(t.admin.email, t.admin.password, `${t.host.manifest.routes.admin}/whoami`);
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), `${t.host.manifest.routes.admin}/whoami`);
      const sessionCookie = res.headers.getSetCookie().find((c) => c.startsWith('crm_session='))!;
      assert.match(sessionCookie, /HttpOnly/);
      assert.match(sessionCookie, /SameSite=Lax/);
      assert.match(sessionCookie, /Max-Age=43200/);
      // Only a hash of the session id is stored.
      const sid = jar.get('crm_session')!;
      assert.equal(await tdb.db('crm_sessions').where({ id: sid }).first(), undefined);

      const me = await call(whoami, { cookie: jar.header(), headers: { accept: HTML } });
      assert.equal(me.status, 200);
      assert.equal(me.body.user.email, t.admin.email);
      assert.equal((await call(`${t.url}/api/records/Deals`, { cookie: jar.header() })).status, 200);

      const settings = await call(`${t.url}/settings`, { cookie: jar.header(), headers: { accept: HTML } });
      assert.equal(settings.status, 200);
      assert.ok(settings.text.includes(`href="${t.host.manifest.settings.url}"`));
      assert.ok(settings.text.includes(t.host.manifest.settings.label));
      assert.match(settings.headers.get('content-security-policy') ?? '', /default-src 'none'/);

      const home = await call(`${t.url}/`, { cookie: jar.header(), headers: { accept: HTML } });
      assert.equal(home.status, 200);
      assert.ok(home.text.includes('href="/settings"'));
    });

    test('a logged-in non-admin browser gets a 403 page, not a redirect', async () => {
      const { jar, res } = await login(t.sales.email, t.sales.password);
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), '/');
      const page = await call(whoami, { cookie: jar.header(), headers: { accept: HTML } });
      assert.equal(page.status, 403);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);
      const home = await call(`${t.url}/`, { cookie: jar.header(), headers: { accept: HTML } });
      assert.equal(home.status, 200);
      assert.ok(!home.text.includes('href="/settings"'), 'non-admins do not see the settings link');
    });

    test('only same-site relative next targets are honoured', async () => {
      for (const next of ['https://evil.example/', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)']) {
        const { res } = await login(t.admin.email, t.admin.password, next);
        assert.equal(res.status, 303);
        assert.equal(res.headers.get('location'), '/', next);
      }
    });

    test('explicit bad credentials are refused even with a valid session', async () => {
      const { jar } = await login(t.admin.email, t.admin.password);
      const res = await call(whoami, { cookie: jar.header(), headers: { authorization: 'Bearer wrong' } });
      assert.equal(res.status, 401);
    });

    test('logout needs the CSRF token and then ends the session', async () => {
      const { jar } = await login(t.admin.email, t.admin.password);
      const refused = await call(`${t.url}/logout`, {
        method: 'POST',
        body: '',
        headers: { 'content-type': FORM, accept: HTML },
        cookie: jar.header(),
      });
      assert.equal(refused.status, 403);
      assert.equal((await call(whoami, { cookie: jar.header() })).status, 200, 'still logged in');

      const home = await call(`${t.url}/`, { cookie: jar.header(), headers: { accept: HTML } });
      jar.absorb(home.headers);
      const csrf = hiddenInput(home.text, '_csrf')!;
      const out = await call(`${t.url}/logout`, {
        method: 'POST',
        body: new URLSearchParams({ _csrf: csrf }).toString(),
        headers: { 'content-type': FORM, accept: HTML },
        cookie: jar.header(),
      });
      assert.equal(out.status, 303);
      assert.equal(out.headers.get('location'), '/login');
      const oldCookie = `crm_session=${jar.get('crm_session')}`;
      assert.equal((await call(whoami, { cookie: oldCookie })).status, 401);
      assert.equal((await call(`${t.url}/`, { cookie: oldCookie, headers: { accept: HTML } })).status, 302);
    });

    test('an expired session is refused', async () => {
      const { jar } = await login(t.admin.email, t.admin.password);
      assert.equal((await call(whoami, { cookie: jar.header() })).status, 200);
      await tdb.db('crm_sessions').update({ expires_at: Date.now() - 1000 });
      const res = await call(whoami, { cookie: jar.header() });
      assert.equal(res.status, 401);
      assert.match(res.body.error.message, /expired/);
    });

    test('the inbound router is mounted at the manifest path without host auth', async () => {
      const res = await call(`${t.url}${t.host.manifest.routes.inbound}/ping`);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { inbound: true });
    });

    test('unknown pages: 404 HTML for browsers, JSON otherwise', async () => {
      const html = await call(`${t.url}/no/such/page`, { headers: { accept: HTML } });
      assert.equal(html.status, 404);
      assert.match(html.headers.get('content-type') ?? '', /text\/html/);
      const json = await call(`${t.url}/no/such/page`);
      assert.equal(json.status, 404);
      assert.equal(json.body.error.code, 'not_found');
    });
  });

  describe(`login rate limit on ${engine}`, () => {
    let tdb: TestDatabase;
    let t: TestHost;
    before(async () => {
      tdb = await createTestDatabase(engine);
      t = await startTestHost(tdb, { loginRateLimit: { limit: 3, windowMs: 60_000 } });
    });
    after(async () => {
      await t?.close();
      await tdb?.cleanup();
    });

    test('failed logins from one address are limited; 429 after the allowance', async () => {
      const jar = new CookieJar();
      const page = await call(`${t.url}/login`, { headers: { accept: HTML } });
      jar.absorb(page.headers);
      const csrf = hiddenInput(page.text, '_csrf')!;
      const attempt = (password: string) =>
        call(`${t.url}/login`, {
          method: 'POST',
          cookie: jar.header(),
          headers: { 'content-type': FORM, accept: HTML },
          body: new URLSearchParams({ _csrf: csrf, email: t.admin.email, password }).toString(),
        });
      // A successful login does not use up the allowance.
      assert.equal((await attempt(t.admin.password)).status, 303);
      for (let i = 0; i < 3; i++) assert.equal((await attempt('wrong')).status, 401);
      const limited = await attempt(t.admin.password);
      assert.equal(limited.status, 429);
      assert.match(limited.text, /Too many login attempts/);
    });
  });
}
