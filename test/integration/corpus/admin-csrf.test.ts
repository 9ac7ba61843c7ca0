/**
 * Runs test/corpus/admin-csrf.tsv over real HTTP against the management API of a host whose
 * requireAdmin authenticates by a session cookie (see the file's header for the set-up and the
 * placeholders). Each case is one request; its status (and the exact refusal) must be as the file
 * says, and a refused request must leave every Hookflow table as it was.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { seedTargets, snapshotTables, startCookieAdminHost, type CookieAdminHost } from '../../helpers/cookie-admin.js';
import { caseOptions, caseTitle, loadCorpus, type CorpusCase } from '../../corpus/parse-corpus.js';

const cases = loadCorpus('admin-csrf.tsv', 4);

const REFUSALS: Record<string, unknown> = {
  token: { error: { code: 'forbidden', message: 'CSRF token missing or invalid' } },
  origin: { error: { code: 'forbidden', message: 'cross-origin request refused' } },
};

function parseExpected(c: CorpusCase): { status: number; refusal?: unknown } {
  const m = /^(\d{3})(?: (token|origin))?$/.exec(c.expected);
  if (!m) throw new Error(`${c.where}: bad expected outcome ${JSON.stringify(c.expected)}`);
  return { status: Number(m[1]), refusal: m[2] ? REFUSALS[m[2]] : undefined };
}

const KIND_TYPES: Record<string, string | null> = {
  json: 'application/json',
  text: 'text/plain',
  form: 'application/x-www-form-urlencoded',
  multipart: 'multipart/form-data; boundary=XB',
  bytes: null,
};

/** The body column: `-` none, else `kind:payload` (the kind names the Content-Type). */
function parseBody(spec: string, where: string): { body?: string; contentType?: string } {
  if (spec === '') return {};
  const colon = spec.indexOf(':');
  const kind = spec.slice(0, colon);
  if (colon < 0 || !(kind in KIND_TYPES)) throw new Error(`${where}: bad body ${JSON.stringify(spec)}`);
  return { body: spec.slice(colon + 1), contentType: KIND_TYPES[kind] ?? undefined };
}

function parseHeaders(text: string, sub: (s: string) => string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of text.split('\n').filter((l) => l !== '')) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = sub(line.slice(colon + 1).trim());
  }
  return headers;
}

describeEachEngine('admin API CSRF corpus over HTTP', (tdb) => {
  let h: CookieAdminHost;
  const values: Record<string, string> = {};
  const sub = (s: string) =>
    s.replace(/@([A-Z_]+)@/g, (whole, name: string) => {
      if (!(name in values)) throw new Error(`unknown placeholder ${whole}`);
      return values[name];
    });

  before(async () => {
    h = await startCookieAdminHost(tdb().db);
    const ids = await seedTargets(h);
    const [a, b] = [await h.csrfOf(h.a), await h.csrfOf(h.b)];
    Object.assign(values, {
      WF: String(ids.workflows),
      TASK: String(ids.tasks),
      RUN: String(ids.runs),
      DELIVERY: String(ids.deliveries),
      PERM: String(ids.permissions),
      SESSION_A: h.a.sessionCookie,
      SESSION_B: h.b.sessionCookie,
      CSRF_A: a.cookie,
      CSRF_B: b.cookie,
      TOKEN_A: a.token,
      TOKEN_B: b.token,
      BEARER_A: h.a.bearer,
      SELF: h.url,
      PORT: new URL(h.url).port,
    });
  });
  after(async () => {
    await h?.close();
  });

  for (const c of cases) {
    const [method, path, headerText, bodySpec] = c.inputs;
    test(
      caseTitle(c, `${method} ${path} ${headerText.replace(/\n/g, ' | ')} ${bodySpec}`),
      caseOptions(c),
      async () => {
        const expected = parseExpected(c);
        const { body, contentType } = parseBody(bodySpec, c.where);
        const headers = { ...(contentType ? { 'content-type': contentType } : {}), ...parseHeaders(headerText, sub) };
        const refused = [401, 403, 404, 415].includes(expected.status);
        const before = refused ? await snapshotTables(h.context.db) : null;
        const r = await h.send(method, sub(path), { headers, body: body === undefined ? undefined : sub(body) });
        const what = `${c.where} (${c.reason}): ${r.status} ${r.text.slice(0, 300)}`;
        assert.equal(r.status, expected.status, what);
        if (expected.refusal) assert.deepEqual(r.json, expected.refusal, what);
        if (expected.status === 415) assert.equal(r.json?.error?.code, 'unsupported_media_type', what);
        if (before) assert.deepEqual(await snapshotTables(h.context.db), before, `${what}: nothing changed`);
      },
    );
  }
});
