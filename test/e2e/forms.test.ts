/**
 * The forms in headless Chromium (Debian's /usr/bin/chromium through playwright-core), against
 * `npm start`'s server (startServer: demo users) on a temp SQLite database. With the script,
 * changing the trigger, content type or authorization shows and hides their fields at once, and
 * a hidden field is not posted. Without JavaScript (a second browser profile), the same page
 * shows the XML root after "Update form". A screenshot of each form is saved under test/artifacts/.
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

const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../artifacts');
const ADMIN = '/settings/hookflow';
const PASSWORD = 'demo-admin-forms-e2e-password';

let server: RunningServer;
const browsers: BrowserContext[] = [];
const dirs: string[] = [];
let page: Page;
let noJs: Page;
/** The workflow the webhook tests add tasks to (each test stands alone). */
let workflowId = 0;

const tempDir = (prefix: string) => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(d);
  return d;
};
const store = () => server.host.hookflow.services.store;

async function launch(javaScriptEnabled: boolean): Promise<Page> {
  const context = await chromium.launchPersistentContext(tempDir('hookflow-forms-profile-'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 900 },
    javaScriptEnabled,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  browsers.push(context);
  const p = context.pages()[0] ?? (await context.newPage());
  p.setDefaultTimeout(15_000);
  await p.goto(`${server.url}/login`);
  await p.fill('#email', 'admin@example.com');
  await p.fill('#password', PASSWORD);
  await Promise.all([p.waitForURL(`${server.url}/`), p.click('button[type=submit]')]);
  return p;
}

/** Waits until each selector is visible (true) or hidden (false): the script works synchronously, the wait only absorbs rendering. */
async function expectShown(p: Page, expected: Record<string, boolean>): Promise<void> {
  for (const [selector, shown] of Object.entries(expected)) {
    await p
      .locator(selector)
      .first()
      .waitFor({ state: shown ? 'visible' : 'hidden' });
    assert.equal(await p.locator(selector).first().isVisible(), shown, `${selector} ${shown ? 'shown' : 'hidden'}`);
  }
}

before(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const dataDir = tempDir('hookflow-forms-e2e-');
  const config = loadHostConfig({
    DATABASE_URL: `sqlite:${path.join(dataDir, 'e2e.sqlite')}`,
    HOOKFLOW_DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'silent',
    HOOKFLOW_SECRET_KEY: crypto.randomBytes(32).toString('hex'),
    HOOKFLOW_DEMO_ADMIN_PASSWORD: PASSWORD,
    HOOKFLOW_IN_PROCESS_WORKER: 'false',
  });
  server = await startServer(config, { print: () => undefined, handleSignals: false });
  workflowId = (
    await server.host.hookflow.services.workflows.create(
      { module: 'Deals', title: 'Webhook forms e2e', trigger: 'record.updated' },
      null,
    )
  ).id;
  page = await launch(true);
  noJs = await launch(false);
});

after(async () => {
  for (const b of browsers) await b.close();
  await server?.close();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

test('workflow form: the HTTP settings appear for the http trigger and disappear for a record trigger; a dropped trigger name is reported', async () => {
  await page.goto(`${server.url}${ADMIN}/workflows/new?module=Deals`);
  await expectShown(page, {
    '#triggerName': false,
    'input[name=envName]': false,
    'input[name=execMode][value=async]': false,
    'button:has-text("Update form")': false,
  });
  await page.selectOption('#trigger', 'http');
  await expectShown(page, {
    '#triggerName': true,
    'input[name=envName]': true,
    'input[name=execMode][value=async]': true,
  });
  await page.selectOption('#trigger', 'record.created');
  await expectShown(page, { '#triggerName': false, 'input[name=envName]': false });

  await page.selectOption('#trigger', 'http');
  await page.fill('#title', 'Forms e2e');
  await page.fill('#triggerName', 'forms-e2e');
  await Promise.all([page.waitForURL(/notice=created-draft/), page.click('button:has-text("Create workflow")')]);
  assert.match((await page.locator('.notice').first().textContent()) ?? '', /Saved as draft — activate to run/);
  const id = Number(/\/workflows\/(\d+)/.exec(page.url())?.[1]);
  assert.equal((await store().require(id)).triggerName, 'forms-e2e');
  await page.screenshot({ path: path.join(ARTIFACTS, 'forms-workflow-http.png'), fullPage: true });

  await page.selectOption('#trigger', 'record.updated');
  await expectShown(page, { '#triggerName': false, '[data-show-when="trigger!=http"]': true });
  await Promise.all([page.waitForURL(/dropped=triggerName/), page.click('button:has-text("Save workflow")')]);
  assert.match(
    await page.content(),
    /Removed when saving, because the chosen trigger does not use it: the trigger name\./,
  );
  assert.equal((await store().require(id)).triggerName, null);
});

test('webhook form: content type and authorization show their own fields at once; a hidden field is not posted', async () => {
  await page.goto(`${server.url}${ADMIN}/workflows/${workflowId}/tasks/new?type=webhook`);
  await expectShown(page, {
    '#xmlRoot': false,
    '#applicationToken': false,
    '#username': false,
    '#token': false,
    'text=Sent as one JSON object': true,
  });
  await page.selectOption('#contentType', 'XML');
  await expectShown(page, {
    '#xmlRoot': true,
    'text=Sent as an XML document': true,
    'text=Sent as one JSON object': false,
  });
  await page.selectOption('#contentType', 'BITRIX24');
  await expectShown(page, {
    '#applicationToken': true,
    '#xmlRoot': false,
    'text=parameters go under data[FIELDS]': true,
  });
  await page.check('input[name=auth][value=basic]');
  await expectShown(page, { '#username': true, '#password': true, '#token': false });
  await page.check('input[name=auth][value=bearer]');
  await expectShown(page, { '#token': true, '#username': false });
  await page.screenshot({ path: path.join(ARTIFACTS, 'forms-webhook-bitrix24.png'), fullPage: true });

  await page.selectOption('#contentType', 'XML');
  await page.fill('#xmlRoot', 'deal');
  await page.check('input[name=auth][value=none]');
  await page.selectOption('#contentType', 'JSON');
  await page.fill('#title', 'Hidden stays out');
  await page.fill('#url', 'https://erp.example/hook');
  await Promise.all([page.waitForURL(/notice=task-saved/), page.click('button:has-text("Save task")')]);
  // The hidden XML root was disabled, so not posted at all: the save had nothing to drop.
  assert.ok(!page.url().includes('dropped='), `nothing posted to drop: ${page.url()}`);
  const task = (await store().require(workflowId)).tasks.at(-1)!;
  assert.deepEqual(
    [task.title, (task.options as { contentType: string }).contentType, (task.options as { xmlRoot?: string }).xmlRoot],
    ['Hidden stays out', 'JSON', undefined],
  );
});

test('without JavaScript: choosing XML and pressing "Update form" shows the XML root', async () => {
  await noJs.goto(`${server.url}${ADMIN}/workflows/${workflowId}/tasks/new?type=webhook`);
  await expectShown(noJs, { '#xmlRoot': false, 'button:has-text("Update form")': true });
  await noJs.selectOption('#contentType', 'XML');
  await expectShown(noJs, { '#xmlRoot': false });
  await Promise.all([noJs.waitForURL(/\/tasks$/), noJs.click('button:has-text("Update form")')]);
  await expectShown(noJs, { '#xmlRoot': true, 'text=Sent as an XML document': true });
  assert.equal(await noJs.inputValue('#contentType'), 'XML');
  await noJs.screenshot({ path: path.join(ARTIFACTS, 'forms-webhook-nojs-xml.png'), fullPage: true });
});
