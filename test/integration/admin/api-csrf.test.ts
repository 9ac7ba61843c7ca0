/**
 * CSRF on the management JSON API (issue 14, item 1), against a host whose requireAdmin
 * authenticates by a session cookie (test/helpers/cookie-admin.ts). The state-changing routes are
 * found by walking the admin router, so a route added later is covered without editing this file.
 * Every attack is sent to every one of them and must be refused with the exact 403/415 answer
 * while no Hookflow table changes; the token + same-origin and Bearer calls must get through.
 * More header/body variants on a few routes: test/corpus/admin-csrf.tsv.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import {
  ADMIN_PATH,
  BASE_URL,
  concretePath,
  listApiRoutes,
  seedTargets,
  snapshotTables,
  startCookieAdminHost,
  type CookieAdminHost,
  type RouteInfo,
  type SendOptions,
  type Targets,
} from '../../helpers/cookie-admin.js';
import { hiddenInput } from '../../integration/host/harness.js';

const TOKEN = { error: { code: 'forbidden', message: 'CSRF token missing or invalid' } };
const ORIGIN = { error: { code: 'forbidden', message: 'cross-origin request refused' } };
const JSON_BODY = { 'content-type': 'application/json' };

/** The route families the issue names; the walk must find at least these. */
const EXPECTED_WRITES = [
  'POST /workflows',
  'PUT /workflows/:id',
  'DELETE /workflows/:id',
  'POST /workflows/:id/activate',
  'POST /workflows/:id/deactivate',
  'POST /workflows/:id/run',
  'POST /runs/:id/rerun',
  'POST /import',
  'POST /deliveries/:id/resend',
  'POST /deliveries/resend-failed',
  'POST /permissions',
  'PUT /permissions/:id',
  'DELETE /permissions/:id',
  'POST /permissions/check',
  'PATCH /settings',
  'POST /tasks/preview',
];

interface Csrf {
  token: string;
  cookie: string;
}
interface Attack {
  name: string;
  expect: { status: number; body?: unknown };
  send(): SendOptions;
}

describeEachEngine('management API: CSRF and origin checks for cookie sessions', (tdb) => {
  let h: CookieAdminHost;
  let ids: Targets;
  let writes: RouteInfo[];
  let reads: RouteInfo[];
  let csrfA: Csrf;
  let csrfB: Csrf;
  const same = () => ({ origin: h.url });
  const asA = (): SendOptions => ({
    cookies: [h.a.sessionCookie, csrfA.cookie],
    headers: { ...same(), ...JSON_BODY, 'x-csrf-token': csrfA.token },
    body: '{}',
  });

  before(async () => {
    h = await startCookieAdminHost(tdb().db);
    ids = await seedTargets(h);
    const routes = listApiRoutes(h.hookflow);
    writes = routes.filter((r) => !['GET', 'HEAD', 'OPTIONS'].includes(r.method));
    reads = routes.filter((r) => r.method === 'GET');
    csrfA = await h.csrfOf(h.a);
    csrfB = await h.csrfOf(h.b);
  });
  after(async () => {
    await h?.close();
  });

  const attacks: Attack[] = [
    {
      name: 'no token (the CSRF cookie alone)',
      expect: { status: 403, body: TOKEN },
      send: () => ({ ...asA(), headers: { ...same(), ...JSON_BODY } }),
    },
    {
      name: 'a wrong token',
      expect: { status: 403, body: TOKEN },
      send: () => ({
        ...asA(),
        headers: {
          ...asA().headers,
          'x-csrf-token': `${csrfA.token.slice(0, -1)}${csrfA.token.endsWith('0') ? '1' : '0'}`,
        },
      }),
    },
    {
      name: "another admin's token, with the session of the first",
      expect: { status: 403, body: TOKEN },
      send: () => ({
        ...asA(),
        cookies: [h.a.sessionCookie, csrfB.cookie],
        headers: { ...asA().headers, 'x-csrf-token': csrfB.token },
      }),
    },
    {
      name: 'a cross-origin Origin (another port of the same host)',
      expect: { status: 403, body: ORIGIN },
      send: () => ({ ...asA(), headers: { ...asA().headers, origin: 'http://127.0.0.1:1' } }),
    },
    {
      name: 'Origin: null',
      expect: { status: 403, body: ORIGIN },
      send: () => ({ ...asA(), headers: { ...asA().headers, origin: 'null' } }),
    },
    {
      name: 'a text/plain body and no token',
      expect: { status: 403, body: TOKEN },
      send: () => ({ ...asA(), headers: { ...same(), 'content-type': 'text/plain' }, body: '{"x":"=1"}' }),
    },
    {
      name: 'a form body and no token',
      expect: { status: 403, body: TOKEN },
      send: () => ({
        ...asA(),
        headers: { ...same(), 'content-type': 'application/x-www-form-urlencoded' },
        body: 'status=active',
      }),
    },
    {
      name: 'a text/plain body, even with a valid token',
      expect: { status: 415 },
      send: () => ({ ...asA(), headers: { ...asA().headers, 'content-type': 'text/plain;charset=UTF-8' }, body: '{}' }),
    },
    {
      name: 'a form body, even with a valid token',
      expect: { status: 415 },
      send: () => ({
        ...asA(),
        headers: { ...asA().headers, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'a=1',
      }),
    },
  ];

  test('the router walk finds every state-changing route family', () => {
    const found = writes.map((r) => `${r.method} ${r.path}`);
    for (const want of EXPECTED_WRITES) assert.ok(found.includes(want), `${want} is among ${found.join(', ')}`);
  });

  for (const attack of attacks) {
    test(`refused on every state-changing route: ${attack.name}; nothing changes`, async () => {
      const before = await snapshotTables(h.context.db);
      for (const r of [...writes, { method: 'POST', path: '/no-such-route' }]) {
        const res = await h.send(r.method, `/api${concretePath(r.path, ids)}`, attack.send());
        const what = `${r.method} ${r.path}: ${res.status} ${res.text}`;
        assert.equal(res.status, attack.expect.status, what);
        if (attack.expect.body) assert.deepEqual(res.json, attack.expect.body, what);
        else assert.equal(res.json?.error?.code, 'unsupported_media_type', what);
      }
      assert.deepEqual(await snapshotTables(h.context.db), before, 'no Hookflow table changed');
    });
  }

  /** Every state-changing route on ids that do not exist: past the guard, the handler answers. */
  async function assertAllGetThrough(opts: () => SendOptions): Promise<void> {
    for (const r of writes) {
      const res = await h.send(r.method, `/api${concretePath(r.path, {})}`, opts());
      const what = `${r.method} ${r.path}: ${res.status} ${res.text}`;
      assert.ok(res.status !== 403 && res.status !== 415 && res.status !== 401, what);
      assert.notEqual(res.json?.error?.message, 'No such API route', what);
    }
  }

  test('accepted with the token and a same-origin Origin, on every state-changing route', async () => {
    await assertAllGetThrough(asA);
  });

  test('accepted with Bearer and no token or cookie, even with a foreign Origin, on every route', async () => {
    await assertAllGetThrough(() => ({
      headers: { ...JSON_BODY, authorization: h.b.bearer, origin: 'https://evil.example' },
      body: '{}',
    }));
  });

  test('same origin is the base URL origin or the request Host origin; Sec-Fetch-Site stands in for a missing Origin', async () => {
    const status = async () =>
      (await h.context.db('hookflow_workflows').where({ id: ids.workflows }).first('status')).status;
    const variants: Array<[string, Record<string, string>]> = [
      ['Origin = the base URL origin', { origin: BASE_URL }],
      ['Origin = the request Host origin', { origin: h.url }],
      ['no Origin, Sec-Fetch-Site: same-origin', { 'sec-fetch-site': 'same-origin' }],
      ['no Origin, Sec-Fetch-Site: none', { 'sec-fetch-site': 'none' }],
      ['neither header (an old client): the token decides', {}],
    ];
    for (const [name, headers] of variants) {
      for (const action of ['activate', 'deactivate'] as const) {
        const res = await h.send('POST', `/api/workflows/${ids.workflows}/${action}`, {
          cookies: [h.a.sessionCookie, csrfA.cookie],
          headers: { ...headers, 'x-csrf-token': csrfA.token },
        });
        assert.equal(res.status, 200, `${name} ${action}: ${res.text}`);
        assert.equal(await status(), action === 'activate' ? 'active' : 'inactive', `${name} ${action}`);
      }
    }
    const refused = await h.send('POST', `/api/workflows/${ids.workflows}/activate`, {
      cookies: [h.a.sessionCookie, csrfA.cookie],
      headers: { 'sec-fetch-site': 'same-site', 'x-csrf-token': csrfA.token },
    });
    assert.deepEqual([refused.status, refused.json], [403, ORIGIN], 'Sec-Fetch-Site: same-site without Origin');
    assert.equal(await status(), 'inactive');
  });

  test('GETs are unaffected: no token, a foreign Origin and Sec-Fetch-Site: cross-site still read', async () => {
    for (const r of reads) {
      const res = await h.send('GET', `/api${concretePath(r.path, ids)}`, {
        cookies: [h.a.sessionCookie],
        headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      });
      assert.equal(res.status, 200, `GET ${r.path}: ${res.text}`);
    }
  });

  test("GET /api/csrf-token: the pages' token, in an httpOnly SameSite=Strict cookie on the admin path, never cached", async () => {
    const res = await h.send('GET', '/api/csrf-token', { cookies: [h.a.sessionCookie, csrfA.cookie] });
    assert.equal(res.status, 200);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.json.token, csrfA.token, 'a valid cookie is reused: one token per browser');
    const cookie = [res.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith('hookflow_csrf='));
    assert.match(cookie ?? '', new RegExp(`; Path=${ADMIN_PATH}(;|$)`));
    assert.match(cookie ?? '', /; HttpOnly/);
    assert.match(cookie ?? '', /; SameSite=Strict/);
    // The same kind of token as the forms: the API's works in a form, the page's in the header.
    const page = await h.send('GET', '/', {
      cookies: [h.a.sessionCookie, csrfA.cookie],
      headers: { accept: 'text/html' },
    });
    assert.equal(
      /<meta name="hookflow-csrf" content="([^"]+)">/.exec(page.text)?.[1],
      csrfA.token,
      'the layout carries the token',
    );
    assert.equal(hiddenInput(page.text, '_csrf'), csrfA.token, 'the forms carry the same token');
    const form = await h.send('POST', '/enabled', {
      cookies: [h.a.sessionCookie, csrfA.cookie],
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `enabled=true&_csrf=${encodeURIComponent(csrfA.token)}`,
    });
    assert.equal(form.status, 303, form.text);
  });
});
