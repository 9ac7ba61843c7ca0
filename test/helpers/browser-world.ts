/**
 * The world of the browser tests (test/e2e/admin*.test.ts): `npm start`'s server (startServer:
 * demo users, in-process worker) on a temp SQLite database, a real HTTP receiver on 127.0.0.1:0,
 * a real SMTP peer (SMTP_URL) for the mails and headless Chromium (Debian's /usr/bin/chromium
 * through playwright-core). Each test gets a browser context of its own, so it never depends on
 * what an earlier test left logged in or open.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loadHostConfig } from '../../host/config.js';
import { startServer, type RunningServer } from '../../host/server.js';
import { startReceiver, type Receiver } from './admin-host.js';
import { startSmtpSink } from './smtp-sink.js';
import { waitFor as waitUntil } from './wait.js';

export const ADMIN = '/settings/hookflow';
export const PASSWORD = 'demo-admin-e2e-password';
const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../artifacts');

export interface BrowserWorld {
  server: RunningServer;
  rx: Receiver;
  smtp: ReturnType<typeof startSmtpSink>;
  browser: Browser;
  /** A page in a context of the test's own (closed after it), logged in as `who` (default the demo admin). */
  loggedIn(t: TestContext, who?: { email: string; password: string }, home?: string): Promise<Page>;
  /** A page in a context of the test's own, logged in as nobody. */
  anonymous(t: TestContext): Promise<Page>;
  /** Reloads `url` until `selector` shows up (the worker runs in the background). */
  waitFor(page: Page, url: string, selector: string): Promise<void>;
  /** Waits for a mail to `to` whose subject matches `subject` (the alert lane runs in the background). */
  waitForMail(to: string, subject: RegExp): Promise<ReturnType<BrowserWorld['smtp']['to']>[number]>;
  /** A deal (stage Prospecting) created through the host's record API as the demo admin. */
  createDeal(title: string): Promise<number>;
  /** A full-page screenshot under test/artifacts/ (git-ignored). */
  shot(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

export async function startBrowserWorld(): Promise<BrowserWorld> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookflow-e2e-'));
  const rx = await startReceiver();
  const smtp = startSmtpSink();
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
  const server = await startServer(config, { print: () => undefined, handleSignals: false });
  const browser = await chromium.launch({
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

  async function anonymous(t: TestContext): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    t.after(() => context.close());
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('dialog', (d) => {
      void d.accept();
    });
    return page;
  }

  return {
    server,
    rx,
    smtp,
    browser,
    anonymous,
    async loggedIn(t, who = { email: 'admin@example.com', password: PASSWORD }, home = `${ADMIN}/`) {
      const page = await anonymous(t);
      await page.goto(`${server.url}/login?next=${encodeURIComponent(home)}`);
      await page.fill('#email', who.email);
      await page.fill('#password', who.password);
      await Promise.all([page.waitForURL(`${server.url}${home}`), page.click('button[type=submit]')]);
      return page;
    },
    async waitFor(page, url, selector) {
      await waitUntil(`${selector} on ${url}`, 30_000, async () => {
        await page.goto(url);
        return (await page.locator(selector).count()) > 0;
      });
    },
    async waitForMail(to, subject) {
      const mail = () => smtp.to(to).find((m) => subject.test(m.subject));
      try {
        await waitUntil(`a mail to ${to} matching ${subject}`, 30_000, () => !!mail());
      } catch (err) {
        assert.fail(`${(err as Error).message}; got: ${smtp.received.map((m) => m.subject).join(' | ')}`);
      }
      return mail()!;
    },
    async createDeal(title) {
      const res = await fetch(`${server.url}/api/records/Deals`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${server.seed!.credentials.admin.token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ fields: { title, amount: 1200, currency: 'EUR', stage: 'Prospecting' } }),
      });
      assert.equal(res.status, 201);
      return ((await res.json()) as { record: { id: number } }).record.id;
    },
    async shot(page, name) {
      await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
    },
    async close() {
      await browser.close();
      await server.close();
      await rx.close();
      await smtp.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
