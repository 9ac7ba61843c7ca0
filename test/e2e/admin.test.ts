/**
 * The admin pages in headless Chromium (Debian's /usr/bin/chromium through playwright-core),
 * against `npm start`'s server (startServer: demo users, in-process worker) on a temp SQLite
 * database, a real HTTP receiver on 127.0.0.1:0 and a real SMTP peer (SMTP_URL) for the mails.
 * Journey: log in as the demo admin → allowlist the receiver on the settings page → create a
 * deal workflow with a webhook action through the forms → create a deal through the host API →
 * the delivery turns Success → the receiver fails → Failed with every attempt, and the failure
 * alert mail reaches the record owner with a link that opens the delivery → Resend → Success.
 * Then: a permission for 127.0.0.1 and its HTML form snippet, served from another origin, start
 * an HTTP workflow. Also: a request without the CSRF token is refused; a non-admin gets 403.
 * A screenshot of every main page is saved under test/artifacts/ on every run.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { loadHostConfig } from '../../host/config.js';
import { startServer, type RunningServer } from '../../host/server.js';
import { startReceiver, type Receiver } from '../helpers/admin-host.js';
import { startSmtpSink } from '../helpers/smtp-sink.js';

const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../artifacts');
const ADMIN = '/settings/hookflow';
const PASSWORD = 'demo-admin-e2e-password';

let server: RunningServer;
let rx: Receiver;
const smtp = startSmtpSink();
let browser: BrowserContext;
let page: Page;
let dataDir = '';
let profileDir = '';

async function shot(name: string, p: Page = page): Promise<void> {
  await p.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Reloads `url` until `selector` shows up (the worker runs in the background). */
async function waitFor(url: string, selector: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    await page.goto(url);
    if (await page.locator(selector).count()) return;
    if (Date.now() > until) assert.fail(`${selector} did not appear on ${url}`);
    await page.waitForTimeout(400);
  }
}

/** Waits for a mail to `to` whose subject matches `subject` (the alert lane runs in the background). */
async function waitForMail(to: string, subject: RegExp, timeoutMs = 30_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const mail = smtp.to(to).find((m) => subject.test(m.subject));
    if (mail) return mail;
    if (Date.now() > until) assert.fail(`no mail to ${to} matching ${subject}; got: ${smtp.received.map((m) => m.subject).join(' | ')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function createDeal(title: string): Promise<number> {
  const token = server.seed!.credentials.admin.token;
  const res = await fetch(`${server.url}/api/records/Deals`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ fields: { title, amount: 1200, currency: 'EUR', stage: 'Prospecting' } }),
  });
  assert.equal(res.status, 201);
  return ((await res.json()) as { record: { id: number } }).record.id;
}

before(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookflow-e2e-'));
  profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookflow-e2e-profile-'));
  rx = await startReceiver();
  const smtpPort = await smtp.start();
  const config = loadHostConfig({
    SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    DATABASE_URL: `sqlite:${path.join(dataDir, 'e2e.sqlite')}`, HOOKFLOW_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent',
    HOOKFLOW_SECRET_KEY: crypto.randomBytes(32).toString('hex'), HOOKFLOW_DEMO_ADMIN_PASSWORD: PASSWORD,
  });
  server = await startServer(config, { print: () => undefined, handleSignals: false });
  browser = await chromium.launchPersistentContext(profileDir, {
    executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 1280, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.setDefaultTimeout(15_000);
  page.on('dialog', (d) => { void d.accept(); });
});

after(async () => {
  await browser?.close();
  await server?.close();
  await rx?.close();
  await smtp.stop();
  for (const dir of [dataDir, profileDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('the demo admin logs in and allowlists the receiver on the settings page', async () => {
  await page.goto(`${server.url}${ADMIN}/`);
  assert.match(page.url(), /\/login\?next=/, 'sent to the login page');
  await page.fill('#email', 'admin@example.com');
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL(`${server.url}${ADMIN}/`), page.click('button[type=submit]')]);
  assert.equal(await page.locator('h1').first().textContent(), 'Overview');

  await page.click('nav.tabs >> text=Settings');
  await page.fill('#s-outboundAllowlist', '127.0.0.1/32');
  await page.fill('#s-retrySchedule', '1s');
  await page.fill('#s-retryJitter', '0');
  await Promise.all([page.waitForURL(/notice=settings-saved/), page.click('button:has-text("Save settings")')]);
  assert.match(await page.locator('.notice').textContent() ?? '', /Settings saved/);
  assert.equal(await page.inputValue('#s-outboundAllowlist'), '127.0.0.1/32');
  await shot('settings');
});

test('a deal workflow with a webhook action is built through the forms', async () => {
  await page.goto(`${server.url}${ADMIN}/workflows`);
  await shot('workflows-empty');
  await page.click('text=New workflow');
  await page.check('input[name=module][value=Deals]');
  await page.click('button:has-text("Continue")');
  await page.fill('#title', 'Send new deals to accounting');
  await page.selectOption('#trigger', 'record.created');
  await page.selectOption('#status', 'active');
  await page.locator('select[name=condField]').first().selectOption('stage');
  await page.locator('select[name=condOp]').first().selectOption('equals');
  await page.locator('input[name=condValue]').first().fill('Prospecting');
  await Promise.all([page.waitForURL(/notice=created/), page.click('button:has-text("Create workflow")')]);

  await page.selectOption('#type', 'webhook');
  await page.click('button:has-text("Add task")');
  await page.fill('#title', 'Create invoice');
  await page.fill('#url', rx.url);
  await page.check('input[name=auth][value=basic]');
  assert.ok(await page.isVisible('#username'), 'Basic shows the username field');
  await page.fill('#username', 'accounting');
  await page.fill('#password', 's3cret-pass');
  const names = page.locator('input[name=paramName]');
  const values = page.locator('input[name=paramValue]');
  await names.nth(0).fill('deal.title');
  await values.nth(0).fill('{{record.title}}');
  await names.nth(1).fill('deal.amount');
  await values.nth(1).fill('$record.amount');
  await page.click('button:has-text("+ Add parameter")');
  assert.equal(await names.count(), 4, 'the script adds a row');
  await page.locator('input[name=headerName]').first().fill('X-Api-Key');
  await page.locator('input[name=headerValue]').first().fill('key-123');
  await shot('webhook-form');
  await page.setViewportSize({ width: 390, height: 844 });
  await shot('webhook-form-phone');
  await page.setViewportSize({ width: 1280, height: 900 });
  await Promise.all([page.waitForURL(/notice=task-saved/), page.click('button:has-text("Save task")')]);
  assert.match(await page.locator('.task-list').textContent() ?? '', /Create invoice[\s\S]*POST http:\/\/127\.0\.0\.1:\d+\/hook · JSON · basic auth/);
  await shot('workflow-edit');

  await page.goto(`${server.url}${ADMIN}/workflows`);
  await shot('workflows');
  await page.setViewportSize({ width: 390, height: 844 });
  await shot('workflows-phone');
  await page.setViewportSize({ width: 1280, height: 900 });
});

test('a deal created through the API is delivered: Success in the webhook log', async () => {
  await createDeal('Rocket skates');
  await waitFor(`${server.url}${ADMIN}/deliveries`, 'tbody .badge-success');
  assert.equal(rx.received.length, 1);
  assert.deepEqual(JSON.parse(rx.received[0].body).deal, { title: 'Rocket skates', amount: 1200 });
  assert.equal(rx.received[0].headers.authorization, `Basic ${Buffer.from('accounting:s3cret-pass').toString('base64')}`);
  await page.click('tbody tr >> nth=0 >> a >> nth=0');
  assert.match(await page.locator('.attempts').textContent() ?? '', /Attempt 1\s*HTTP 200/);
  assert.ok(!(await page.content()).includes('key-123'), 'the API key header is masked');
  await shot('delivery-success');
});

test('a failing receiver: Failed with every attempt, then Resend succeeds', async () => {
  rx.status = 500;
  const dealId = await createDeal('Broken skates');
  await waitFor(`${server.url}${ADMIN}/deliveries?status=failed`, 'tbody .badge-failed');
  await shot('deliveries');
  await page.click('tbody tr >> nth=0 >> a >> nth=0');
  const attempts = page.locator('li.attempt.is-bad');
  assert.equal(await attempts.count(), 2, 'the first attempt and the one retry');
  assert.match(await attempts.first().textContent() ?? '', /HTTP 500/);
  await shot('delivery-failed');
  const deliveryUrl = page.url().replace(/\?.*$/, '');

  // The record owner (the demo admin, whose API token created the deal) is mailed at once.
  const mail = await waitForMail('admin@example.com', /Webhook failed/);
  assert.equal(mail.subject, `[Hookflow] Webhook failed: Send new deals to accounting / Create invoice (Deals #${dealId} “Broken skates”)`);
  assert.match(mail.text, /HTTP 500/);
  const link = mail.html.match(/href="([^"]*\/deliveries\/\d+)"/)?.[1];
  assert.ok(link, 'the mail links to the delivery');
  assert.equal(new URL(link).pathname, new URL(deliveryUrl).pathname, 'the link opens the failed delivery');
  const mailView = await browser.newPage();
  await mailView.setContent(mail.html);
  await shot('alert-mail', mailView);
  await mailView.close();
  await page.goto(`${server.url}${new URL(link).pathname}`);
  assert.match(await page.locator('h1').textContent() ?? '', /Delivery #\d+ failed/);

  rx.status = 200;
  await Promise.all([page.waitForURL(/notice=resent/), page.click('button:has-text("Resend")')]);
  const resentUrl = page.url().replace(/\?.*$/, '');
  await waitFor(resentUrl, 'h1 .badge-success');
  assert.match(await page.locator('.page-head').textContent() ?? '', /resend of #\d+/);
  assert.match(String(rx.received.at(-1)?.headers['webhook-id']), /^msg_/);

  await page.goto(`${server.url}${ADMIN}/runs`);
  await shot('runs');
  await page.click('tbody tr >> nth=0 >> a >> nth=0');
  await shot('run');
  await page.goto(`${server.url}${ADMIN}/`);
  assert.ok(await page.locator('.chart rect.bar-success').count() > 0, 'the chart shows the deliveries');
  await shot('overview');
  await page.setViewportSize({ width: 390, height: 844 });
  await shot('overview-phone');
  await page.goto(`${server.url}${ADMIN}/deliveries`);
  await shot('deliveries-phone');
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${server.url}${ADMIN}/permissions/new`);
  await shot('permission-new');
});

test('a permission for 127.0.0.1: the shown HTML form, served from another origin, starts the workflow', async () => {
  await page.goto(`${server.url}${ADMIN}/workflows/new?module=Leads`);
  await page.fill('#title', 'Web lead form');
  await page.selectOption('#trigger', 'http');
  await page.selectOption('#status', 'active');
  await page.locator('input[name=envName]').first().fill('lastname');
  await Promise.all([page.waitForURL(/notice=created/), page.click('button:has-text("Create workflow")')]);
  await page.selectOption('#type', 'create_record');
  await page.click('button:has-text("Add task")');
  await page.fill('#title', 'Create the lead');
  await page.locator('select[name=fieldName]').first().selectOption('lastname');
  await page.locator('input[name=fieldValue]').first().fill('$env["lastname"]');
  await Promise.all([page.waitForURL(/notice=task-saved/), page.click('button:has-text("Save task")')]);

  await page.goto(`${server.url}${ADMIN}/permissions/new`);
  await page.fill('#title', 'Website lead form');
  await page.selectOption('#workflowId', { label: 'Web lead form (Leads)' });
  await page.fill('#sources', ' 127.0.0.1 ');
  await Promise.all([page.waitForURL(/notice=saved/), page.click('button:has-text("Create permission")')]);
  assert.equal(await page.inputValue('#sources'), '127.0.0.1');
  await shot('permission');
  const snippet = await page.locator('#ex-html').textContent();
  assert.match(snippet ?? '', /^<form method="post" action="http:\/\/localhost:\d+\/wf\?workflow_id=\d+&amp;record_id=0">/);

  // The snippet pasted into a page of another site (another origin), as a web developer would.
  const site = http.createServer((_req, res) => { res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><title>Contact us</title>${snippet}`); });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  try {
    await page.goto(`http://127.0.0.1:${(site.address() as AddressInfo).port}/contact`);
    await page.fill('input[name=lastname]', 'Lovelace');
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    assert.match(await page.content(), /Thank you/);
  } finally {
    await new Promise<void>((r) => { site.close(() => r()); site.closeAllConnections(); });
  }
  const leads = await server.host.services.records.list('Leads', { limit: 50 });
  assert.ok(leads.records.some((l) => l.fields.lastname === 'Lovelace'), 'the lead was created');
  await page.goto(`${server.url}${ADMIN}/runs?source=http`);
  assert.match(await page.locator('tbody tr').first().textContent() ?? '', /Web lead form[\s\S]*HTTP call[\s\S]*127\.0\.0\.1/);
  await page.goto(`${server.url}${ADMIN}/permissions?ip=127.0.0.1`);
  assert.match(await page.locator('.check-result').textContent() ?? '', /Allow/);
  await shot('permissions');
});

test('a form posted without its CSRF token is refused and changes nothing', async () => {
  await page.goto(`${server.url}${ADMIN}/`);
  await page.evaluate(() => document.querySelectorAll('input[name=_csrf]').forEach((i) => i.remove()));
  const [response] = await Promise.all([page.waitForNavigation(), page.click('button:has-text("Switch off")')]);
  assert.equal(response?.status(), 403);
  assert.match(await page.locator('h1').textContent() ?? '', /This form has expired/);
  await page.goto(`${server.url}${ADMIN}/`);
  assert.match(await page.locator('.switch-card h2').textContent() ?? '', /Hookflow is on/);
});

test('a non-admin gets 403', async () => {
  await browser.clearCookies();
  const sales = server.seed!.credentials.sales;
  await page.goto(`${server.url}/login`);
  await page.fill('#email', sales.email);
  await page.fill('#password', sales.password);
  await Promise.all([page.waitForURL(`${server.url}/`), page.click('button[type=submit]')]);
  const res = await page.goto(`${server.url}${ADMIN}/workflows`);
  assert.equal(res?.status(), 403);
  assert.match(await page.content(), /This page is for CRM administrators/);
});
