/**
 * A failed run's alert mails, followed in headless Chromium (Debian's /usr/bin/chromium through
 * playwright-core) against `npm start`'s server (demo users, in-process worker) with a real SMTP
 * peer: the sales user (not an admin) creates a deal that a workflow cannot turn into a lead (its
 * title is no email address), the run fails, and both the record owner and the demo admin are
 * mailed through SMTP. Each recipient logs in and opens every link of their own mail: the
 * owner's one link (the record in the CRM) opens the record; the admin's log link opens the run
 * page naming the task, the field and the reason. The owner's mail has no admin link — the
 * admin's link opened as the owner is a 403, which is why.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { loadHostConfig } from '../../host/config.js';
import { startServer, type RunningServer } from '../../host/server.js';
import { startSmtpSink, type ReceivedMail } from '../helpers/smtp-sink.js';

const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../artifacts');
const ADMIN = '/settings/hookflow';
const PASSWORD = 'demo-admin-e2e-alerts-password';

let server: RunningServer;
const smtp = startSmtpSink();
let browser: BrowserContext;
let page: Page;
let dataDir = '';
let profileDir = '';

/** Waits for a mail to `to` whose subject matches `subject` (the worker's lanes run in the background). */
async function waitForMail(to: string, subject: RegExp, timeoutMs = 30_000): Promise<ReceivedMail> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const mail = smtp.to(to).find((m) => subject.test(m.subject));
    if (mail) return mail;
    if (Date.now() > until)
      assert.fail(`no mail to ${to} matching ${subject}; got: ${smtp.received.map((m) => m.subject).join(' | ')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Every link of an HTML mail, unescaped, as a path on this server (the mails use BASE_URL's origin). */
function linksOf(mail: ReceivedMail): string[] {
  return [...mail.html.matchAll(/href="([^"]*)"/g)].map((m) => m[1].replace(/&#x3D;/g, '=').replace(/&amp;/g, '&'));
}
const onServer = (link: string) => {
  const u = new URL(link);
  return `${server.url}${u.pathname}${u.search}`;
};

async function api(method: string, url: string, token: string, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${server.url}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

async function logInAs(email: string, password: string): Promise<void> {
  await browser.clearCookies();
  await page.goto(`${server.url}/login`);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL(`${server.url}/`), page.click('button[type=submit]')]);
}

before(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookflow-e2e-alerts-'));
  profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookflow-e2e-alerts-profile-'));
  const smtpPort = await smtp.start();
  const config = loadHostConfig({
    SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    DATABASE_URL: `sqlite:${path.join(dataDir, 'e2e.sqlite')}`,
    HOOKFLOW_DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'silent',
    HOOKFLOW_SECRET_KEY: crypto.randomBytes(32).toString('hex'),
    HOOKFLOW_DEMO_ADMIN_PASSWORD: PASSWORD,
  });
  server = await startServer(config, { print: () => undefined, handleSignals: false });
  browser = await chromium.launchPersistentContext(profileDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 900 },
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
});

after(async () => {
  await browser?.close();
  await server?.close();
  await smtp.stop();
  for (const dir of [dataDir, profileDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('a failed run mails the owner and an admin; each opens every link of their mail as themselves', async () => {
  const { admin, sales } = server.seed!.credentials;
  const created = await api('POST', `${ADMIN}/api/workflows`, admin.token, {
    module: 'Deals',
    title: 'Leads from deals',
    status: 'active',
    trigger: 'record.created',
    tasks: [
      {
        type: 'create_record',
        title: 'Create the lead',
        options: {
          module: 'Leads',
          fields: [
            { field: 'lastname', value: 'From a deal' },
            { field: 'email', value: '{{record.title}}' },
          ],
        },
      },
    ],
  });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const deal = await api('POST', '/api/records/Deals', sales.token, {
    fields: { title: 'not-an-address', amount: 10, currency: 'EUR', stage: 'Prospecting' },
  });
  assert.equal(deal.status, 201, JSON.stringify(deal.json));
  const dealId = Number(deal.json.record.id);

  const ownerMail = await waitForMail(sales.email, /Workflow run failed/);
  const adminMail = await waitForMail(admin.email, /Workflow run failed/);
  for (const m of [ownerMail, adminMail]) {
    assert.equal(m.subject, `[Hookflow] Workflow run failed: Leads from deals (Deals #${dealId} “not-an-address”)`);
    assert.match(m.text, /Failed task: 1\. Create the lead \(create_record\)/);
    assert.match(m.text, /Field: {7}email - must be an email address/);
  }
  const ownerLinks = linksOf(ownerMail);
  assert.equal(ownerLinks.length, 1, `the owner's mail has one link: ${ownerLinks.join(', ')}`);
  assert.equal(new URL(ownerLinks[0]).pathname, `/records/Deals/${dealId}`, 'the record in the CRM');
  assert.ok(!ownerMail.html.includes(ADMIN) && !ownerMail.text.includes(ADMIN), 'no link into the admin pages');
  const adminLinks = linksOf(adminMail);
  const logLink = adminLinks.find((l) => /\/runs\/\d+$/.test(new URL(l).pathname));
  assert.ok(logLink, `the admin's mail links the run: ${adminLinks.join(', ')}`);
  const mailView = await browser.newPage();
  await mailView.setContent(ownerMail.html);
  await mailView.screenshot({ path: path.join(ARTIFACTS, 'run-alert-mail-owner.png'), fullPage: true });
  await mailView.setContent(adminMail.html);
  await mailView.screenshot({ path: path.join(ARTIFACTS, 'run-alert-mail-admin.png'), fullPage: true });
  await mailView.close();

  // The owner, logged in as themselves, opens the one link of their mail.
  await logInAs(sales.email, sales.password);
  const record = await page.goto(onServer(ownerLinks[0]));
  assert.equal(record?.status(), 200);
  assert.match((await page.locator('h1').textContent()) ?? '', new RegExp(`Deals #${dealId}`));
  assert.match(await page.content(), /not-an-address/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'record.png'), fullPage: true });
  const refused = await page.goto(onServer(logLink));
  assert.equal(refused?.status(), 403, 'the admin link would be a 403 for the owner: that is why their mail has none');

  // The admin opens every link of theirs.
  await logInAs(admin.email, PASSWORD);
  for (const link of adminLinks) {
    const res = await page.goto(onServer(link));
    assert.equal(res?.status(), 200, link);
  }
  await page.goto(onServer(logLink));
  const failure = (await page.locator('.run-failure').textContent()) ?? '';
  assert.match(failure, /Task 1 “Create the lead” failed/);
  assert.match(failure, /Reason: Some fields have invalid values/);
  assert.match(failure, /email: must be an email address/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'run-failed.png'), fullPage: true });
  await page.goto(`${server.url}${ADMIN}/`);
  assert.equal(
    (await page.locator('.run-stats .stat-failed .stat').textContent())?.trim(),
    '1',
    'the overview counts the failed run',
  );
  await page.screenshot({ path: path.join(ARTIFACTS, 'overview-runs.png'), fullPage: true });
});
