/**
 * CSRF on the management JSON API in a real browser (issue 14, item 1). The reference CRM runs
 * as `npm start` would (startServer, temp SQLite, in-process worker); the demo admin logs in at
 * http://127.0.0.1:<port>. Attack pages are served by a SECOND server:
 *   - at http://127.0.0.1:<other port>: same site, other origin — the session cookie (Lax) IS sent,
 *     so only Hookflow's guard stands between the page and the API (every attack must get its 403);
 *   - at http://localhost:<other port>: another site — the Lax cookie stays home (for completeness).
 * Each page auto-submits a text/plain or form-encoded form, or runs fetch(…, {mode:'no-cors',
 * credentials:'include'}) with and without a body, to activate/deactivate/run a workflow and to
 * resend failed deliveries (in bulk and one). Afterwards the database shows nothing changed. Positive control: the
 * same calls from the admin's own page with the layout's <meta name="hookflow-csrf"> token work.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { loadHostConfig } from '../../host/config.js';
import { startServer, type RunningServer } from '../../host/server.js';

const ADMIN = '/settings/hookflow';
const PASSWORD = 'demo-admin-csrf-e2e-password';

let server: RunningServer;
let browser: BrowserContext;
let page: Page;
let attacker: http.Server;
let receiver: http.Server;
let attackerPort = 0;
let workflowId = 0;
let taskId = 0;
let failedDeliveryId = 0;
const dirs: string[] = [];
/** Attack pages by id; the attacker server answers /p/<id> with the page's HTML. */
const pages = new Map<string, string>();

const listen = async (s: http.Server) => {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
};
const stop = (s?: http.Server) =>
  new Promise<void>((r) => {
    if (!s) return r();
    s.close(() => r());
    s.closeAllConnections();
  });
const esc = (v: string) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** Polls `probe` until it returns true (the worker runs in the background). */
async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function state() {
  const db = server.db;
  const count = async (table: string) => Number((await db(table).count({ n: '*' }))[0].n);
  const wf = await db('hookflow_workflows').where({ id: workflowId }).first('status');
  return {
    status: wf.status,
    runs: await count('hookflow_runs'),
    deliveries: await count('hookflow_deliveries'),
    attempts: await count('hookflow_attempts'),
  };
}

const api = (p: string) => `${server.url}${ADMIN}/api${p}`;
const targets = () => [
  { url: api(`/workflows/${workflowId}/activate`), json: '{}' },
  { url: api(`/workflows/${workflowId}/deactivate`), json: '{}' },
  { url: api(`/workflows/${workflowId}/run`), json: '{"mode":"sync"}' },
  { url: api('/deliveries/resend-failed'), json: JSON.stringify({ taskId, since: 0 }) },
  { url: api(`/deliveries/${failedDeliveryId}/resend`), json: '{}' },
];

function formPage(url: string, enctype: string): string {
  // text/plain sends `name=value` unencoded: the classic trick that makes the body valid JSON.
  const [name, value] =
    enctype === 'text/plain' ? [`{"mode":"sync","taskId":${taskId},"since":0,"x":"`, '"}'] : ['mode', 'sync'];
  return `<!doctype html><form method="POST" action="${esc(url)}" enctype="${enctype}"><input name="${esc(name)}" value="${esc(value)}"></form><script>document.forms[0].submit()</script>`;
}

function fetchPage(url: string, body: string | null): string {
  const init = `{ method: 'POST', mode: 'no-cors', credentials: 'include'${body === null ? '' : `, body: ${JSON.stringify(body)}`} }`;
  return `<!doctype html><title>waiting</title><script>fetch(${JSON.stringify(url)}, ${init}).then(() => { document.title = 'sent'; }, (e) => { document.title = 'failed ' + e; });</script>`;
}

/** Opens attack page `html` at `origin` and returns the status the API answered the forged POST with. */
async function attack(origin: string, target: string, html: string): Promise<{ status: number; text: string }> {
  const id = crypto.randomBytes(6).toString('hex');
  pages.set(id, html);
  const answered = page.waitForResponse((r) => r.url() === target && r.request().method() === 'POST');
  await page.goto(`${origin}/p/${id}`);
  const res = await answered;
  return { status: res.status(), text: await res.text().catch(() => '(opaque)') };
}

before(async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookflow-csrf-e2e-'));
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookflow-csrf-e2e-profile-'));
  dirs.push(dataDir, profileDir);
  receiver = http.createServer((_req, res) => {
    res.writeHead(500).end('down');
  });
  const receiverPort = await listen(receiver);
  attacker = http.createServer((req, res) => {
    const html = pages.get(String(req.url).replace(/^\/p\//, ''));
    res.writeHead(html ? 200 : 404, { 'content-type': 'text/html' }).end(html ?? 'no such page');
  });
  attackerPort = await listen(attacker);
  const config = loadHostConfig({
    DATABASE_URL: `sqlite:${path.join(dataDir, 'e2e.sqlite')}`,
    HOOKFLOW_DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'silent',
    HOOKFLOW_SECRET_KEY: crypto.randomBytes(32).toString('hex'),
    HOOKFLOW_DEMO_ADMIN_PASSWORD: PASSWORD,
  });
  server = await startServer(config, { print: () => undefined, handleSignals: false });
  const { settings, workflows, store, runs } = server.host.hookflow.services;
  await settings.save({ outboundAllowlist: ['127.0.0.1/32'], retrySchedule: [] });
  const hook = {
    type: 'webhook',
    title: 'hook',
    options: { url: `http://127.0.0.1:${receiverPort}/hook`, params: [{ name: 'a', value: '1' }] },
  };
  const wf = await workflows.create(
    { module: 'Leads', title: 'CSRF target', status: 'draft', trigger: 'http', triggerName: 'csrf-e2e', tasks: [hook] },
    null,
  );
  workflowId = wf.id;
  taskId = wf.tasks[0].id;
  await runs.start({
    workflow: await store.require(wf.id),
    recordId: null,
    env: {},
    source: 'manual',
    mode: 'sync',
    actorUserId: null,
  });
  await until('the first delivery to fail', async () => {
    failedDeliveryId = Number(
      (await server.db('hookflow_deliveries').where({ status: 'failed' }).first('id'))?.id ?? 0,
    );
    return failedDeliveryId > 0;
  });
  browser = await chromium.launchPersistentContext(profileDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.setDefaultTimeout(15_000);
  // Every test needs the logged-in admin's browser: shared set-up, not a test others depend on.
  await page.goto(`${server.url}${ADMIN}/`);
  await page.fill('#email', 'admin@example.com');
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL(`${server.url}${ADMIN}/`), page.click('button[type=submit]')]);
});

after(async () => {
  await browser?.close();
  await server?.close();
  await stop(attacker);
  await stop(receiver);
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

test("the logged-in admin's pages carry the CSRF token in the layout", async () => {
  await page.goto(`${server.url}${ADMIN}/`);
  assert.ok(await page.locator('meta[name=hookflow-csrf]').getAttribute('content'), 'the layout carries the token');
});

test('from another port of 127.0.0.1 (same site): forms and no-cors fetches are refused, nothing changes', async () => {
  const origin = `http://127.0.0.1:${attackerPort}`;
  const before = await state();
  for (const t of targets()) {
    for (const [name, html] of [
      ['text/plain form', formPage(t.url, 'text/plain')],
      ['form-encoded form', formPage(t.url, 'application/x-www-form-urlencoded')],
      ['no-cors fetch with a body', fetchPage(t.url, t.json)],
      ['no-cors fetch without a body', fetchPage(t.url, null)],
    ] as const) {
      const res = await attack(origin, t.url, html);
      assert.equal(res.status, 403, `${name} → ${t.url}: ${res.text}`);
    }
  }
  // A no-cors answer is opaque to the page; the refusal text is checked on a top-level form.
  const shown = await attack(origin, targets()[0].url, formPage(targets()[0].url, 'text/plain'));
  assert.deepEqual(JSON.parse(shown.text), { error: { code: 'forbidden', message: 'cross-origin request refused' } });
  assert.deepEqual(await state(), before, 'workflow status, runs, deliveries and attempts unchanged');
});

test('from localhost (another site): the Lax session cookie is not even sent, nothing changes', async () => {
  const origin = `http://localhost:${attackerPort}`;
  const before = await state();
  for (const t of targets()) {
    for (const html of [
      formPage(t.url, 'text/plain'),
      formPage(t.url, 'application/x-www-form-urlencoded'),
      fetchPage(t.url, t.json),
      fetchPage(t.url, null),
    ]) {
      const res = await attack(origin, t.url, html);
      assert.equal(res.status, 401, `${t.url}: the host saw no session: ${res.text.slice(0, 200)}`);
    }
  }
  assert.deepEqual(await state(), before);
});

test("positive control: the same calls from the admin's own page with the meta token work", async () => {
  await page.goto(`${server.url}${ADMIN}/workflows`);
  const call = (url: string, body: string | null, withToken: boolean) =>
    page.evaluate(
      async ({ url, body, withToken }) => {
        const token = document.querySelector<HTMLMetaElement>('meta[name=hookflow-csrf]')!.content;
        const headers: Record<string, string> = body === null ? {} : { 'content-type': 'application/json' };
        if (withToken) headers['X-CSRF-Token'] = token;
        const res = await fetch(url, { method: 'POST', headers, ...(body === null ? {} : { body }) });
        return { status: res.status, body: await res.json() };
      },
      { url, body, withToken },
    );
  const [activate, deactivate, run, resendFailed, resendOne] = targets();

  const refused = await call(activate.url, null, false);
  assert.deepEqual(
    [refused.status, refused.body.error.message],
    [403, 'CSRF token missing or invalid'],
    'same origin but no token',
  );
  assert.equal((await state()).status, 'draft');

  assert.equal((await call(activate.url, null, true)).status, 200);
  assert.equal((await state()).status, 'active');
  assert.equal((await call(deactivate.url, null, true)).status, 200);
  assert.equal((await state()).status, 'inactive');
  const before = await state();
  const ran = await call(run.url, run.json, true);
  assert.equal(ran.status, 200, JSON.stringify(ran.body));
  assert.equal((await state()).runs, before.runs + 1, 'a new run');
  const one = await call(resendOne.url, null, true);
  assert.equal(one.status, 202, JSON.stringify(one.body));
  const resent = await call(resendFailed.url, resendFailed.json, true);
  assert.ok([200, 202].includes(resent.status), JSON.stringify(resent.body));
  // Its resend is in flight (skipped), or was already attempted and failed again (queued again).
  const handled = [...resent.body.deliveryIds, ...resent.body.skipped.map((s: { id: number }) => s.id)];
  assert.ok(handled.includes(failedDeliveryId), JSON.stringify(resent.body));
  assert.equal(
    (await state()).deliveries,
    before.deliveries + 1,
    "only the run's delivery is new: a resend reopens the delivery",
  );
  await until('the resent delivery to be attempted', async () => (await state()).attempts >= before.attempts + 1);

  const fromScript = await page.evaluate(async (u) => (await (await fetch(u)).json()).token, api('/csrf-token'));
  assert.equal(
    fromScript,
    await page.locator('meta[name=hookflow-csrf]').getAttribute('content'),
    'GET /api/csrf-token gives the same token',
  );
});
